//! Mail for the tests that need it: Alcove started with the test SMTP server (see
//! `smtp_kit`), the owner set up with a confirmed address, and reading what arrived.

use std::time::Duration;

use crate::kit::Server;
use crate::smtp_kit::SmtpSink;
use crate::visitor::{set_up_owner, Visitor, OWNER_EMAIL};

pub(crate) fn smtp_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("ALCOVE_SMTP__HOST", "127.0.0.1".into()),
        ("ALCOVE_SMTP__PORT", port.to_string()),
        ("ALCOVE_SMTP__SECURITY", "none".into()),
        ("ALCOVE_SMTP__FROM", "Portal <portal@example.org>".into()),
        ("ALCOVE_SMTP__RETRY_SECONDS", "1".into()),
    ]
}

pub(crate) fn start(data: &std::path::Path, port: u16) -> Server {
    start_mailing(data, port, &[])
}

/// Alcove with the test mail server on `port`, and `extra` settings.
pub(crate) fn start_mailing(data: &std::path::Path, port: u16, extra: &[(&str, &str)]) -> Server {
    let env = smtp_env(port);
    let mut pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend_from_slice(extra);
    Server::start_with(data, &[], &pairs)
}

/// The owner set up, with the address confirmed from the mail in `sink`: their visitor.
pub(crate) fn owner_confirmed<'a>(server: &'a Server, sink: &SmtpSink) -> Visitor<'a> {
    let owner = set_up_owner(server).visitor;
    confirm(
        &mut Visitor::new(server),
        &confirmation_path(sink, OWNER_EMAIL),
    );
    owner
}

/// Mail as received, with quoted-printable soft line breaks undone.
pub(crate) fn plain(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

pub(crate) fn to(mail: &str, address: &str) -> bool {
    plain(mail)
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(address))
}

/// The confirmation path from the mail sent to `address`.
pub(crate) fn confirmation_path(sink: &SmtpSink, address: &str) -> String {
    for _ in 0..100 {
        for mail in sink.messages() {
            let text = plain(&mail);
            if to(&mail, address) {
                if let Some(at) = text.find("/confirm-email/") {
                    let end = text[at..]
                        .find(|c: char| c.is_whitespace())
                        .map_or(text.len(), |e| at + e);
                    return text[at..end].to_owned();
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no confirmation mail reached {address}");
}

pub(crate) fn confirm(v: &mut Visitor<'_>, path: &str) {
    let form = v.get(path);
    assert_eq!(form.status, 200, "{}", form.body);
    let done = v.post(path, &form.body, &[]);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("confirmed"));
    assert_eq!(v.get(path).status, 404, "a confirmation link works once");
}

/// The first mail to the owner whose text holds `text`, waiting up to 10 s for it.
pub(crate) fn mail_to_owner(sink: &SmtpSink, text: &str) -> Option<String> {
    for _ in 0..100 {
        let found = sink
            .messages()
            .into_iter()
            .find(|m| to(m, OWNER_EMAIL) && plain(m).contains(text));
        if found.is_some() {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// A portal that sends mail to a fresh test SMTP server, with `extra` settings, in a
/// temporary folder (kept alive by the first value); `None` when aiosmtpd is missing
/// (locally; under CI=true that fails).
pub(crate) fn mailing_portal(
    extra: &[(&str, &str)],
) -> Option<(tempfile::TempDir, SmtpSink, Server)> {
    if !crate::smtp_kit::aiosmtpd_available() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = crate::smtp_kit::free_port();
    let sink = SmtpSink::start(port, dir.path());
    let server = start_mailing(&dir.path().join("data"), port, extra);
    Some((dir, sink, server))
}
