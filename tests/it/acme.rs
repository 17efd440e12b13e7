//! `tls.mode = "acme"` against a real ACME directory (pebble, see `pebble_kit`): first
//! issuance by HTTP-01 and by TLS-ALPN-01, renewal in the running server, a directory that
//! is down or trusted with the wrong CA, and settings that cannot work.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::kit::{require_tool, Server};
use crate::pebble_kit::{
    alcove_config, doctor_tls_line, fingerprint, free_port, handshake, http01_alcove,
    http01_pebble, test_ca, wait_for_trusted, Pebble,
};
use crate::visitor::set_up_owner;

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A raw HTTP/1.1 GET on the plain-HTTP port (no client-side path cleaning).
fn raw_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Alcove on `https` with the ACME configuration written by `alcove_config`.
fn alcove_at(data: &std::path::Path, https: u16, config: &std::path::Path) -> Server {
    Server::start_at(
        data,
        &format!("127.0.0.1:{https}"),
        &["--config", config.to_str().unwrap()],
        &[],
    )
}

#[test]
fn acme_http01_issues_a_certificate_served_without_restart_and_kept_for_the_next_start() {
    if !require_tool("pebble") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut pebble, https, http) = http01_pebble(dir.path(), 3600);
    pebble.start();
    let (config, data) = http01_alcove(dir.path(), &pebble, http);
    let server = alcove_at(&data, https, &config);
    let root = pebble.root_pem();
    let first = wait_for_trusted(https, &root, None, &pebble);

    let tls = data.join("tls");
    assert_eq!(mode(&tls.join("acme.key")), 0o600);
    assert_eq!(mode(&tls.join("acme-account.json")), 0o600);
    assert_eq!(mode(&tls), 0o700);
    let line = doctor_tls_line(&data);
    assert!(line.starts_with("[ ok ]"), "{line}");
    assert!(line.contains("certificate from"), "{line}");

    // The challenge path reads no file: traversal and unknown tokens get nothing.
    for path in [
        "/.well-known/acme-challenge/../../tls/acme.key",
        "/.well-known/acme-challenge/..%2F..%2Ftls%2Facme.key",
        "/.well-known/acme-challenge/%2e%2e%2facme-account.json",
        "/.well-known/acme-challenge/unknown-token",
    ] {
        let reply = raw_get(http, path);
        assert!(
            reply.starts_with("HTTP/1.1 404") || reply.starts_with("HTTP/1.1 308"),
            "{path}: {reply}"
        );
        assert!(!reply.contains("PRIVATE"), "{path}: {reply}");
        assert!(!reply.contains("key_pkcs8"), "{path}: {reply}");
    }
    // Everything else still redirects to HTTPS.
    assert!(raw_get(http, "/").starts_with("HTTP/1.1 308"));
    server.stop();

    // The next start serves the stored certificate at once, before any new order.
    let server = alcove_at(&data, https, &config);
    assert!(
        server.stdout().contains("(From the ACME directory"),
        "{}",
        server.stdout()
    );
    let chain = handshake(https, &root, &[b"http/1.1"]).expect("stored certificate");
    assert_eq!(fingerprint(&chain[0]), first);
}

#[test]
fn acme_tls_alpn01_issues_a_certificate_on_the_https_port() {
    if !require_tool("pebble") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let https = free_port();
    // No plain-HTTP port at all: TLS-ALPN-01 needs only the HTTPS one.
    let mut pebble = Pebble::prepare(&dir.path().join("pebble"), free_port(), https, 3600);
    pebble.start();
    let config = alcove_config(dir.path(), &pebble, "tls-alpn-01", None);
    let data = dir.path().join("data");
    let server = alcove_at(&data, https, &config);
    let root = pebble.root_pem();
    wait_for_trusted(https, &root, None, &pebble);
    // Browsers (offering h2 and HTTP/1.1) still get the pages.
    let browser = handshake(https, &root, &[b"h2", b"http/1.1"]);
    assert!(browser.is_ok(), "{browser:?}");
    let http11 = handshake(https, &root, &[b"http/1.1"]);
    assert!(http11.is_ok(), "{http11:?}");
    // A ClientHello offering acme-tls/1 with no challenge open gets no certificate.
    let self_signed = std::fs::read_to_string(data.join("tls/self-signed.crt")).unwrap();
    assert!(handshake(https, &root, &[b"acme-tls/1"]).is_err());
    assert!(handshake(https, &self_signed, &[b"acme-tls/1"]).is_err());
    drop(server);
}

#[test]
fn acme_renews_a_short_lived_certificate_in_the_running_server() {
    if !require_tool("pebble") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 30 s: renewal is due with 10 s left.
    let (mut pebble, https, http) = http01_pebble(dir.path(), 30);
    pebble.start();
    let (config, data) = http01_alcove(dir.path(), &pebble, http);
    let server = alcove_at(&data, https, &config);
    let root = pebble.root_pem();
    let first = wait_for_trusted(https, &root, None, &pebble);
    let renewed = wait_for_trusted(https, &root, Some(&first), &pebble);
    assert_ne!(first, renewed);
    assert!(
        server.stdout().matches("Alcove is listening").count() == 1,
        "the same process, no restart"
    );
}

#[test]
fn acme_directory_down_serves_self_signed_tells_the_owner_and_swaps_in_later() {
    if !require_tool("pebble") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut pebble, https, http) = http01_pebble(dir.path(), 3600);
    let (config, data) = http01_alcove(dir.path(), &pebble, http);
    let server = alcove_at(&data, https, &config);
    // The self-signed certificate is served meanwhile (the kit's client trusts only it).
    let mut owner = set_up_owner(&server).visitor;
    let deadline = Instant::now() + Duration::from_secs(60);
    let line = loop {
        let line = doctor_tls_line(&data);
        if line.contains("because") {
            break line;
        }
        assert!(Instant::now() < deadline, "no failure reported: {line}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(line.starts_with("[FAIL]"), "{line}");
    let expected = format!(
        "serving a self-signed certificate because the ACME directory at {} could not be reached",
        pebble.directory()
    );
    assert!(line.contains(&expected), "{line}");
    assert!(line.contains("retrying at"), "{line}");
    let home = owner.get("/home").body;
    assert!(home.contains(&expected), "{home}");

    pebble.start();
    let root = pebble.root_pem();
    wait_for_trusted(https, &root, None, &pebble);
    let line = doctor_tls_line(&data);
    assert!(line.starts_with("[ ok ]"), "{line}");
}

#[test]
fn acme_with_the_wrong_ca_file_is_reported_and_self_signed_stays() {
    if !require_tool("pebble") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut pebble, https, http) = http01_pebble(dir.path(), 3600);
    pebble.start();
    // Another CA than the one behind pebble's HTTPS certificate.
    let (other_ca, _, _) = test_ca("Some other CA");
    std::fs::write(&pebble.ca_file, other_ca).unwrap();
    let (config, data) = http01_alcove(dir.path(), &pebble, http);
    let server = alcove_at(&data, https, &config);
    let deadline = Instant::now() + Duration::from_secs(60);
    let line = loop {
        let line = doctor_tls_line(&data);
        if line.contains("because") {
            break line;
        }
        assert!(Instant::now() < deadline, "no failure reported: {line}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(line.contains("could not be reached"), "{line}");
    assert!(line.contains("invalid peer certificate"), "{line}");
    assert!(server.get("/").status < 500, "self-signed still served");
}

#[test]
fn acme_settings_that_cannot_work_stop_the_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let err = Server::try_start_with(&data, &[], &[("ALCOVE_TLS__MODE", "acme")])
        .err()
        .expect("refused");
    assert!(err.contains("tls.acme.domains"), "{err}");
    let err = Server::try_start_with(
        &data,
        &[],
        &[
            ("ALCOVE_TLS__MODE", "acme"),
            ("ALCOVE_TLS__ACME__DOMAINS", "[\"portal.example.org\"]"),
        ],
    )
    .err()
    .expect("refused");
    assert!(err.contains("http_listen"), "{err}");
}
