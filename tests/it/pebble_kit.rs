//! The ACME test kit: pebble (a real ACME directory) on loopback ports the test picks,
//! validating "localhost" (resolved from /etc/hosts, no DNS server needed) on Alcove's own
//! ports. Its HTTPS certificate comes from a CA made here, given to Alcove as
//! `tls.acme.ca_file`; what Alcove serves is checked against pebble's root.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::{Digest, Sha256};

use crate::backups::run;

pub(crate) use crate::kit::free_port;

/// A CA and a certificate for localhost signed by it, as PEM: (ca, cert, key).
pub(crate) fn test_ca(name: &str) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// A pebble ACME directory. Killed when dropped.
pub(crate) struct Pebble {
    child: Option<Child>,
    port: u16,
    management: u16,
    work: PathBuf,
    /// The CA behind pebble's own HTTPS certificate (what `tls.acme.ca_file` names).
    pub(crate) ca_file: PathBuf,
}

impl Pebble {
    /// Writes pebble's configuration (validating on `http_port` and `tls_port`) without
    /// starting it: a directory that is down.
    pub(crate) fn prepare(
        work: &Path,
        http_port: u16,
        tls_port: u16,
        validity_seconds: u64,
    ) -> Pebble {
        std::fs::create_dir_all(work).unwrap();
        let (ca, cert, key) = test_ca("Pebble's HTTPS test CA");
        let ca_file = work.join("pebble-https-ca.pem");
        std::fs::write(&ca_file, ca).unwrap();
        std::fs::write(work.join("cert.pem"), cert).unwrap();
        std::fs::write(work.join("key.pem"), key).unwrap();
        let (port, management) = (free_port(), free_port());
        let config = serde_json::json!({
            "pebble": {
                "listenAddress": format!("127.0.0.1:{port}"),
                "managementListenAddress": format!("127.0.0.1:{management}"),
                "certificate": work.join("cert.pem"),
                "privateKey": work.join("key.pem"),
                "httpPort": http_port,
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
                "certificateValidityPeriod": validity_seconds,
            }
        });
        std::fs::write(work.join("pebble.json"), config.to_string()).unwrap();
        Pebble {
            child: None,
            port,
            management,
            work: work.to_owned(),
            ca_file,
        }
    }

    pub(crate) fn start(&mut self) {
        let log = std::fs::File::create(self.work.join("pebble.log")).unwrap();
        let child = Command::new("pebble")
            .arg("-config")
            .arg(self.work.join("pebble.json"))
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start pebble");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err()
            || TcpStream::connect(("127.0.0.1", self.management)).is_err()
        {
            assert!(
                Instant::now() < deadline,
                "pebble did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.work.join("pebble.log")).unwrap_or_default()
    }

    pub(crate) fn directory(&self) -> String {
        format!("https://localhost:{}/dir", self.port)
    }

    /// The root pebble signs with (made anew at each pebble start).
    pub(crate) fn root_pem(&self) -> String {
        let ca = ureq::tls::Certificate::from_pem(
            std::fs::read_to_string(&self.ca_file).unwrap().as_bytes(),
        )
        .unwrap()
        .to_owned();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![ca])))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .build()
            .new_agent();
        agent
            .get(&format!("https://localhost:{}/roots/0", self.management))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    }
}

impl Pebble {
    /// The directory goes down.
    pub(crate) fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Alcove's configuration file for pebble.
pub(crate) fn alcove_config(
    work: &Path,
    pebble: &Pebble,
    challenge: &str,
    http: Option<u16>,
) -> PathBuf {
    let mut text = String::new();
    if let Some(port) = http {
        text.push_str(&format!("http_listen = \"127.0.0.1:{port}\"\n"));
    }
    text.push_str(&format!(
        "[tls]\nmode = \"acme\"\n[tls.acme]\ndomains = [\"localhost\"]\nemail = \"owner@example.org\"\ndirectory = \"{}\"\nca_file = \"{}\"\nchallenge = \"{challenge}\"\nretry_seconds = 1\n",
        pebble.directory(),
        pebble.ca_file.display()
    ));
    let file = work.join("alcove.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// Pebble prepared (not started) in `work` on fresh loopback ports, issuing certificates
/// valid for `seconds`, validating HTTP-01 on the returned plain-HTTP port; with the HTTPS
/// port Alcove is to listen on.
pub(crate) fn http01_pebble(work: &Path, seconds: u64) -> (Pebble, u16, u16) {
    let (https, http) = (free_port(), free_port());
    (
        Pebble::prepare(&work.join("pebble"), http, https, seconds),
        https,
        http,
    )
}

/// Alcove's HTTP-01 configuration for `pebble` and its data directory, both in `work`.
pub(crate) fn http01_alcove(work: &Path, pebble: &Pebble, http: u16) -> (PathBuf, PathBuf) {
    (
        alcove_config(work, pebble, "http-01", Some(http)),
        work.join("data"),
    )
}

/// The chain served on `port` to a client that trusts only `roots_pem` and offers `alpn`,
/// or why the handshake failed.
pub(crate) fn handshake(
    port: u16,
    roots_pem: &str,
    alpn: &[&[u8]],
) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(roots_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let name = ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut sock = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).map_err(|e| e.to_string())?;
    }
    Ok(conn.peer_certificates().unwrap_or_default().to_vec())
}

pub(crate) fn fingerprint(cert: &CertificateDer<'_>) -> String {
    hex::encode(Sha256::digest(cert.as_ref()))
}

/// Waits until `port` serves a certificate issued under `root_pem` that is not `other`;
/// returns its fingerprint.
pub(crate) fn wait_for_trusted(
    port: u16,
    root_pem: &str,
    other: Option<&str>,
    pebble: &Pebble,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = String::new();
    loop {
        match handshake(port, root_pem, &[b"h2", b"http/1.1"]) {
            Ok(chain) => {
                let f = fingerprint(&chain[0]);
                if Some(f.as_str()) != other {
                    return f;
                }
            }
            Err(e) => last = e,
        }
        assert!(
            Instant::now() < deadline,
            "no certificate from pebble was served ({last}); pebble said:\n{}",
            pebble.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn doctor_tls_line(data: &Path) -> String {
    let (_, text) = run(data, &["doctor"]);
    text.lines()
        .find(|l| l.contains("] TLS: "))
        .unwrap_or_else(|| panic!("no TLS line in:\n{text}"))
        .to_owned()
}
