//! The restore-drill reminder against the real binary and a real SMTP server: on
//! `backup.drill_schedule`, with no drill ever run, the owner's home says a drill is due and
//! the owner's confirmed address gets one PHI-free email saying so.

use crate::kit::Server;
use crate::mail_kit::{mail_to_owner, mailing_portal, owner_confirmed, plain, to};
use crate::visitor::OWNER_EMAIL;

const DUE: &str = "A restore drill of your portal's backups is due";

#[test]
fn with_no_drill_the_owner_is_reminded_by_email_and_on_the_home_page() {
    let Some((_dir, sink, server)) =
        mailing_portal(&[("ALCOVE_BACKUP__DRILL_SCHEDULE", "*/2 * * * * *")])
    else {
        return;
    };
    let mut owner = owner_confirmed(&server, &sink);

    let reminder = mail_to_owner(&sink, DUE).expect("the owner is emailed that a drill is due");
    let reminder = plain(&reminder);
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
