//! `[tls] mode = "files"`: own certificate files, refused at start when wrong (naming the
//! key at fault, leaving nothing behind), and replaced while the server runs: new
//! connections get the new certificate, open ones stay up, a bad replacement is refused.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::kit::Server;

/// A test certificate authority that browsers (here: our rustls client) trust.
pub struct TestCa {
    key: rcgen::KeyPair,
    cert: rcgen::Certificate,
}

/// A leaf certificate for `localhost` and its key, as PEM.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub fingerprint: String,
}

fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl TestCa {
    pub fn new() -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Alcove test CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        Self { key, cert }
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A leaf valid from `from` to `until` days from now (negative: in the past).
    pub fn leaf_valid(&self, from: i64, until: i64) -> Leaf {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap();
        let now = OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(from);
        params.not_after = now + time::Duration::days(until);
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Leaf {
            cert_pem: format!("{}{}", cert.pem(), self.cert.pem()),
            key_pem: key.serialize_pem(),
            fingerprint: fingerprint(cert.der()),
        }
    }

    pub fn leaf(&self) -> Leaf {
        self.leaf_valid(-1, 90)
    }

    fn client_config(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// Opens a verified TLS connection to `port` as `localhost`.
    pub fn connect(&self, port: u16) -> Conn {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(self.client_config(), name).unwrap();
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut stream = rustls::StreamOwned::new(conn, tcp);
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock).unwrap();
        }
        Conn { stream }
    }
}

/// One TLS connection, kept open between requests.
pub struct Conn {
    stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
}

impl Conn {
    /// SHA-256 of the certificate the server presented on this connection.
    pub fn fingerprint(&self) -> String {
        let certs = self.stream.conn.peer_certificates().unwrap();
        fingerprint(certs[0].as_ref())
    }

    /// `GET /healthz` on this connection (keep-alive); the body, or the error.
    pub fn healthz(&mut self) -> Result<String, String> {
        self.stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = self.stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let length: usize = text[..head_end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                if got.len() >= head_end + 4 + length {
                    return Ok(text[head_end + 4..head_end + 4 + length].to_owned());
                }
            }
        }
    }
}

pub struct Files {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn write_files(dir: &Path, leaf: &Leaf) -> Files {
    let files = Files {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.cert, &leaf.cert_pem).unwrap();
    std::fs::write(&files.key, &leaf.key_pem).unwrap();
    set_mode(&files.key, 0o600);
    files
}

fn env(files: &Files) -> Vec<(&'static str, String)> {
    vec![
        ("ALCOVE_TLS__MODE", "files".to_owned()),
        ("ALCOVE_TLS__CERT_FILE", files.cert.display().to_string()),
        ("ALCOVE_TLS__KEY_FILE", files.key.display().to_string()),
        ("ALCOVE_TEST_TLS_POLL_MS", "100".to_owned()),
    ]
}

fn start(data: &Path, files: &Files) -> Result<Server, String> {
    let env = env(files);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Server::try_start_with(data, &[], &env)
}

/// The start fails, the message names `key` and says `what`, and no data directory is made.
fn refused(files: &Files, key: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let Err(out) = start(&data, files) else {
        panic!("the server started with a bad {key}")
    };
    assert!(out.contains(&format!("`{key}`")), "names {key}: {out}");
    assert!(out.contains(what), "says {what:?}: {out}");
    assert!(!data.exists(), "nothing is left behind");
}

#[test]
fn own_certificate_files_that_do_not_pass_are_refused_at_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let good = ca.leaf();

    let files = write_files(dir.path(), &good);
    std::fs::write(&files.key, "this is not a key\n").unwrap();
    refused(&files, "tls.key_file", "no PEM private key");

    // Another certificate's key, in the right format.
    std::fs::write(&files.key, ca.leaf().key_pem).unwrap();
    refused(&files, "tls.key_file", "does not belong to the certificate");

    let files = write_files(dir.path(), &ca.leaf_valid(-100, -2));
    refused(&files, "tls.cert_file", "expired on");
    let files = write_files(dir.path(), &ca.leaf_valid(3, 100));
    refused(&files, "tls.cert_file", "not valid until");

    std::fs::remove_file(&files.cert).unwrap();
    refused(&files, "tls.cert_file", "no such file");
    std::fs::write(&files.cert, "hello\n").unwrap();
    refused(&files, "tls.cert_file", "no PEM certificate");
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Replaces `link` by a symlink to `target` in one rename, as certbot's `live/` links move.
fn repoint(link: &Path, target: &Path) {
    let tmp = link.with_extension("new-link");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, link).unwrap();
}

#[test]
fn replaced_files_reach_new_connections_while_open_ones_stay_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    // Ten days left: doctor is red.
    let first = ca.leaf_valid(-80, 10);
    let archive1 = write_files(&mkdir(dir.path().join("archive1")), &first);
    let live = Files {
        cert: dir.path().join("fullchain.pem"),
        key: dir.path().join("privkey.pem"),
    };
    repoint(&live.cert, &archive1.cert);
    repoint(&live.key, &archive1.key);
    let data = dir.path().join("data");
    let mut server = start(&data, &live).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        server.stdout().contains(&first.fingerprint),
        "{}",
        server.stdout()
    );
    let (_, doctor) = crate::backups::run(&data, &["doctor"]);
    assert!(
        doctor.contains("[FAIL] TLS: the certificate in `tls.cert_file`"),
        "{doctor}"
    );
    // The owner's home says so too (the portal's clients trust the test CA).
    let origin = server.origin.clone();
    server.behind(&origin, ca.pem());
    let mut owner = crate::visitor::set_up_owner(&server).visitor;
    let home = owner.get("/home").body;
    assert!(home.contains("PROBLEM — TLS: the certificate in"), "{home}");

    // A connection opened before the renewal, kept busy so it never idles out.
    let mut open = ca.connect(server.port());
    assert_eq!(open.fingerprint(), first.fingerprint);
    assert_eq!(open.healthz().unwrap(), "ok");

    // A renewal, as certbot does it: new files in a new folder, then the links move.
    let second = ca.leaf();
    let archive2 = write_files(&mkdir(dir.path().join("archive2")), &second);
    repoint(&live.key, &archive2.key);
    repoint(&live.cert, &archive2.cert);
    wait_for("the new certificate", || {
        // The open connection is used meanwhile, so it never idles out.
        assert_eq!(
            open.healthz().as_deref(),
            Ok("ok"),
            "the open connection stays"
        );
        ca.connect(server.port()).fingerprint() == second.fingerprint
    });
    assert_eq!(open.fingerprint(), first.fingerprint, "it keeps its own");
    assert_eq!(open.healthz().as_deref(), Ok("ok"));
    let (_, doctor) = crate::backups::run(&data, &["doctor"]);
    let line = doctor.lines().find(|l| l.contains("] TLS: ")).unwrap();
    assert!(
        line.starts_with("[ ok ]") && line.contains("valid until"),
        "{doctor}"
    );
    // A key anyone may read is red, naming the key.
    set_mode(&archive2.key, 0o644);
    let (_, doctor) = crate::backups::run(&data, &["doctor"]);
    assert!(
        doctor.contains(
            "[FAIL] TLS: every user of this computer can read the private key in `tls.key_file`"
        ),
        "{doctor}"
    );
    set_mode(&archive2.key, 0o600);

    // A bad replacement: a certificate whose key is another's. Refused with a warning.
    std::fs::write(&archive2.cert, ca.leaf().cert_pem).unwrap();
    wait_for("the warning", || {
        server
            .stderr()
            .contains("the previous certificate stays in service")
    });
    assert!(
        server.stderr().contains("does not belong"),
        "{}",
        server.stderr()
    );
    assert!(!server.stderr().contains("PRIVATE KEY"));
    let mut fresh = ca.connect(server.port());
    assert_eq!(
        fresh.fingerprint(),
        second.fingerprint,
        "the good one stays"
    );
    assert_eq!(fresh.healthz().as_deref(), Ok("ok"));
    // Garbage, then the file gone (the link left dangling): still the good one.
    std::fs::write(&archive2.cert, "garbage").unwrap();
    wait_for("the warning", || {
        server.stderr().contains("no PEM certificate")
    });
    std::fs::remove_file(&archive2.cert).unwrap();
    wait_for("the warning", || server.stderr().contains("no such file"));
    assert_eq!(ca.connect(server.port()).fingerprint(), second.fingerprint);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mkdir(path: PathBuf) -> PathBuf {
    std::fs::create_dir_all(&path).unwrap();
    path
}
