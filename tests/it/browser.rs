//! Runs the browser suite (`tests/browser`, node --test with playwright-core and axe-core
//! driving Debian's Chromium) against a real server, so `cargo test` stays the one command.

use std::path::Path;
use std::process::Command;

use crate::kit::{require_tool, Server};

const PASSPHRASE: &str = "browser test passphrase";

#[test]
fn browser_suite_passes_against_the_real_server() {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !require_tool("node") || !require_tool("chromium") {
        return;
    }
    if !suite.join("node_modules/playwright-core").exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("tests/browser/node_modules is missing: run `npm ci` in tests/browser");
        }
        eprintln!("\n!!!!! SKIPPING browser suite: run `npm ci` in tests/browser first !!!!!\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let open = Server::start(&dir.path().join("open"), &[]);

    let locked_parent = dir.path().join("locked");
    std::fs::create_dir(&locked_parent).unwrap();
    let locked_data = crate::kit::init_data_dir(&locked_parent, Some(PASSPHRASE)).data;
    let locked = Server::start(&locked_data, &[]);

    // The flow's server sends mail to a real SMTP server, so the suite can open the
    // confirmation link it receives (skipped where aiosmtpd is missing outside CI).
    let mail = crate::smtp_kit::aiosmtpd_available().then(|| {
        let port = crate::smtp_kit::free_port();
        (
            crate::smtp_kit::SmtpSink::start(port, &dir.path().join("mail")),
            port,
        )
    });
    let port = mail.as_ref().map_or(String::new(), |(_, p)| p.to_string());
    let smtp: Vec<(&str, &str)> = match &mail {
        Some(_) => vec![
            ("ALCOVE_SMTP__HOST", "127.0.0.1"),
            ("ALCOVE_SMTP__PORT", port.as_str()),
            ("ALCOVE_SMTP__SECURITY", "none"),
            ("ALCOVE_SMTP__FROM", "Portal <portal@example.org>"),
            ("ALCOVE_SMTP__RETRY_SECONDS", "1"),
        ],
        None => Vec::new(),
    };
    let flow = Server::start_with(&dir.path().join("flow"), &[], &smtp);
    let maildir = dir.path().join("mail/maildir");

    let status = Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .current_dir(&suite)
        .env("ALCOVE_URL", &open.origin)
        .env("ALCOVE_CERT", open.data_dir.join("tls/self-signed.crt"))
        .env("ALCOVE_SETUP_LINK", open.setup_link().unwrap())
        .env("ALCOVE_LOCKED_URL", &locked.origin)
        .env(
            "ALCOVE_LOCKED_CERT",
            locked.data_dir.join("tls/self-signed.crt"),
        )
        .env("ALCOVE_LOCKED_PASSPHRASE", PASSPHRASE)
        .env("ALCOVE_FLOW_URL", &flow.origin)
        .env(
            "ALCOVE_FLOW_CERT",
            flow.data_dir.join("tls/self-signed.crt"),
        )
        .env("ALCOVE_FLOW_SETUP_LINK", flow.setup_link().unwrap())
        .env(
            "ALCOVE_FLOW_MAILDIR",
            if mail.is_some() {
                maildir.as_os_str()
            } else {
                std::ffi::OsStr::new("")
            },
        )
        .status()
        .expect("run node --test");
    assert!(status.success(), "browser suite failed");
}
