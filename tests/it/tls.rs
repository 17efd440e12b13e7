//! TLS versions, checked with a real `openssl s_client`.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::kit::{require_tool, Server};

fn handshake(port: u16, version_flags: &[&str], ca: &std::path::Path) -> (bool, String) {
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(version_flags)
        .arg("-CAfile")
        .arg(ca)
        .args(["-verify_return_error", "-servername", "localhost"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close stdin at once so s_client ends after the handshake.
    child.stdin.take().unwrap().write_all(b"").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn tls_1_1_is_refused_and_tls_1_3_and_1_2_work() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let ca = server.data_dir.join("tls/self-signed.crt");

    let (ok13, text13) = handshake(server.port(), &["-tls1_3"], &ca);
    assert!(ok13, "TLS 1.3: {text13}");
    assert!(text13.contains("TLSv1.3"), "{text13}");
    assert!(text13.contains("Verify return code: 0 (ok)"), "{text13}");

    let (ok12, text12) = handshake(server.port(), &["-tls1_2"], &ca);
    assert!(ok12, "TLS 1.2: {text12}");

    // Lower the client's own security level so that it really offers TLS 1.1; the refusal
    // must then come from the server.
    let (ok11, text11) = handshake(
        server.port(),
        &["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"],
        &ca,
    );
    assert!(!ok11, "TLS 1.1 must be refused: {text11}");
    assert!(
        !text11.contains("no protocols available"),
        "client offered TLS 1.1: {text11}"
    );
    assert!(
        text11.contains("alert"),
        "the server answered with an alert: {text11}"
    );
    assert!(
        text11.contains("Cipher is (NONE)"),
        "no session was set up: {text11}"
    );
}

/// The certificate's dates as `openssl x509 -dates` prints them (`notBefore=Dec  1 ...`).
fn validity(pem: &str) -> (time::PrimitiveDateTime, time::PrimitiveDateTime) {
    let mut child = Command::new("openssl")
        .args(["x509", "-noout", "-startdate", "-enddate"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    let format = time::macros::format_description!(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
    );
    let date = |key: &str| {
        let line = out.lines().find(|l| l.starts_with(key)).unwrap();
        time::PrimitiveDateTime::parse(&line[key.len()..], &format).unwrap()
    };
    (date("notBefore="), date("notAfter="))
}

#[test]
fn served_certificate_is_valid_for_at_most_397_days_as_apple_requires() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let ca = server.data_dir.join("tls/self-signed.crt");
    let (ok, text) = handshake(server.port(), &[], &ca);
    assert!(ok, "{text}");
    // The leaf as served in the handshake, not the file on disk.
    let begin = text.find("-----BEGIN CERTIFICATE-----").unwrap();
    let end = text.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
    let (not_before, not_after) = validity(&text[begin..end]);
    let lifetime = not_after - not_before;
    assert!(
        lifetime <= time::Duration::days(397),
        "valid for {} days",
        lifetime.whole_days()
    );
    // Long enough that the renewal (30 days before the end) has room.
    assert!(lifetime >= time::Duration::days(90), "{lifetime}");
    let now = time::OffsetDateTime::now_utc();
    let now = time::PrimitiveDateTime::new(now.date(), now.time());
    assert!(not_before <= now && now < not_after);
}
