//! The restore-drill reminder against the real binary and a real SMTP server: on
//! `backup.drill_schedule`, with no drill ever run, the owner's home says a drill is due and
//! the owner's confirmed address gets one PHI-free email saying so.

use std::time::Duration;

use crate::kit::Server;
use crate::notifications::{confirm, confirmation_path, plain, smtp_env, to};
use crate::smtp_kit::{aiosmtpd_available, free_port, SmtpSink};
use crate::visitor::{set_up_owner, Visitor, OWNER_EMAIL};

const DUE: &str = "A restore drill of your portal's backups is due";

#[test]
fn with_no_drill_the_owner_is_reminded_by_email_and_on_the_home_page() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let sink = SmtpSink::start(port, dir.path());
    let mut env = smtp_env(port);
    env.push(("ALCOVE_BACKUP__DRILL_SCHEDULE", "*/2 * * * * *".into()));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start_with(&data, &[], &pairs);
    let mut owner = set_up_owner(&server).visitor;
    confirm(
        &mut Visitor::new(&server),
        &confirmation_path(&sink, OWNER_EMAIL),
    );

    let mut reminder = None;
    for _ in 0..100 {
        reminder = sink
            .messages()
            .into_iter()
            .find(|m| to(m, OWNER_EMAIL) && m.contains(DUE));
        if reminder.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let reminder = plain(&reminder.expect("the owner is emailed that a drill is due"));
    assert!(
        reminder.contains("alcove backup drill --identity KEY"),
        "{reminder}"
    );
    assert!(
        sink.messages()
            .iter()
            .filter(|m| m.contains(DUE))
            .all(|m| to(m, OWNER_EMAIL)),
        "only the owner is reminded"
    );
    let home = owner.get("/home").body;
    assert!(home.contains("A restore drill is due"), "{home}");
}

#[test]
fn a_bad_drill_schedule_stops_the_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let err = Server::try_start_with(
        &dir.path().join("data"),
        &[],
        &[("ALCOVE_BACKUP__DRILL_SCHEDULE", "0 99 * * * *")],
    )
    .err()
    .expect("a bad schedule stops the start");
    assert!(err.contains("backup.drill_schedule"), "{err}");
}
