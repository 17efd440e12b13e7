//! ACME failures reach the owner by email (the fixed, PHI-free job-failure text, once per
//! run of failures), and a certificate that ends unrenewed gives way to the self-signed one;
//! against pebble and a real SMTP server (aiosmtpd).

use std::time::{Duration, Instant};

use crate::kit::{require_tool, Server};
use crate::mail_kit::confirmation_path;
use crate::pebble_kit::{
    doctor_tls_line, free_port, http01_alcove, http01_pebble, wait_for_trusted,
};
use crate::smtp_kit::{aiosmtpd_available, SmtpSink};
use crate::visitor::{set_up_owner, Visitor, OWNER_EMAIL};

const FAILED: &str = "A scheduled task of your portal failed";

#[test]
fn a_failed_acme_renewal_emails_the_owner_once_and_an_ended_certificate_gives_way_to_self_signed() {
    if !require_tool("pebble") || !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let smtp = free_port();
    let sink = SmtpSink::start(smtp, dir.path());
    // Down at first: the owner is set up over the self-signed certificate meanwhile.
    let (mut pebble, https, http) = http01_pebble(dir.path(), 30);
    let (config, data) = http01_alcove(dir.path(), &pebble, http);
    let smtp_port = smtp.to_string();
    let server = Server::start_at(
        &data,
        &format!("127.0.0.1:{https}"),
        &["--config", config.to_str().unwrap()],
        &[
            ("ALCOVE_SMTP__HOST", "127.0.0.1"),
            ("ALCOVE_SMTP__PORT", &smtp_port),
            ("ALCOVE_SMTP__SECURITY", "none"),
            ("ALCOVE_SMTP__FROM", "Portal <portal@example.org>"),
            ("ALCOVE_SMTP__RETRY_SECONDS", "1"),
        ],
    );
    let _owner = set_up_owner(&server).visitor;
    let link = confirmation_path(&sink, OWNER_EMAIL);
    let mut v = Visitor::new(&server);
    let form = v.get(&link);
    assert_eq!(v.post(&link, &form.body, &[]).status, 200);

    pebble.start();
    let root = pebble.root_pem();
    wait_for_trusted(https, &root, None, &pebble);
    // The directory goes away; the renewal (due with 10 s left) fails.
    pebble.stop();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mail = loop {
        let found = sink
            .messages()
            .into_iter()
            .find(|m| m.contains(FAILED) && m.contains(OWNER_EMAIL));
        if let Some(m) = found {
            break m;
        }
        assert!(Instant::now() < deadline, "the owner was not emailed");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(!mail.contains(&pebble.directory()), "no details by email");
    assert!(!mail.contains("could not"), "no details by email");
    let line = doctor_tls_line(&data);
    assert!(line.contains("could not be renewed"), "{line}");
    // Two more failed attempts (the next attempt moves on twice) send no more mail.
    let next_attempt = || {
        let status = std::fs::read(data.join("tls/acme-status.json")).unwrap_or_default();
        serde_json::from_slice::<serde_json::Value>(&status)
            .ok()
            .and_then(|v| v.get("next_attempt")?.as_str().map(str::to_owned))
    };
    let mut seen = vec![next_attempt()];
    while seen.len() < 3 {
        let now = next_attempt();
        if now != *seen.last().unwrap() {
            seen.push(now);
        }
        assert!(Instant::now() < deadline, "no retries seen: {seen:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let failed = sink
        .messages()
        .iter()
        .filter(|m| m.contains(FAILED))
        .count();
    assert_eq!(failed, 1, "one email per run of failures");
}
