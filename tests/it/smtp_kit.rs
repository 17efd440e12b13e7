//! A real SMTP server for the tests: Debian's `python3-aiosmtpd`, writing every message it
//! receives into a maildir the test reads.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's Python, which has `python3-aiosmtpd` (a version manager's `python3` may not).
const PYTHON: &str = "/usr/bin/python3";

/// True when aiosmtpd can run. Under CI=true its absence fails the test; locally the test
/// is skipped with a loud message.
pub fn aiosmtpd_available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("python3-aiosmtpd is required for this test and is not installed (CI=true)");
    }
    eprintln!("\n!!!!! SKIPPING: python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd) !!!!!\n");
    false
}

pub use crate::kit::free_port;

pub struct SmtpSink {
    child: Child,
    maildir: PathBuf,
}

impl SmtpSink {
    /// Starts aiosmtpd on `port` (127.0.0.1), storing mail under `dir`.
    pub fn start(port: u16, dir: &Path) -> SmtpSink {
        Self::start_with(port, dir, &[])
    }

    /// Starts aiosmtpd requiring STARTTLS with a fresh self-signed certificate for
    /// `localhost`; returns it with the certificate's PEM file.
    pub fn start_starttls(port: u16, dir: &Path) -> (SmtpSink, PathBuf) {
        std::fs::create_dir_all(dir).unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert_file = dir.join("smtp.crt");
        let key_file = dir.join("smtp.key");
        std::fs::write(&cert_file, cert.cert.pem()).unwrap();
        std::fs::write(&key_file, cert.key_pair.serialize_pem()).unwrap();
        let args = [
            "--tlscert".to_owned(),
            cert_file.display().to_string(),
            "--tlskey".to_owned(),
            key_file.display().to_string(),
        ];
        (Self::start_with(port, dir, &args), cert_file)
    }

    fn start_with(port: u16, dir: &Path, extra: &[String]) -> SmtpSink {
        std::fs::create_dir_all(dir).unwrap();
        let maildir = dir.join("maildir");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(extra)
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, maildir }
    }

    /// Every message received so far, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        out
    }

    /// Waits until at least `n` messages arrived (or the timeout), and returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
