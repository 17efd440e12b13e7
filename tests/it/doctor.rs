//! `alcove doctor`: each red check produced for real (the recovery key left in the data
//! directory, no backup, no restore test, a file others can read, a practice account without
//! sign-in codes), and a green run with exit 0 once they are fixed.

use std::os::unix::fs::PermissionsExt;

use crate::backups::{backup_now, run};
use crate::visitor::OWNER_EMAIL;
use crate::world::World;

fn line<'a>(text: &'a str, check: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(&format!("] {check}: ")))
        .unwrap_or_else(|| panic!("no `{check}` line in:\n{text}"))
}

#[test]
fn doctor_reports_each_problem_in_plain_words_and_is_green_once_fixed() {
    let world = World::start();
    let data = &world.data;
    let mut owner = world.owner();
    std::fs::set_permissions(
        data.join("recovery.pub"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();

    let (ok, text) = run(data, &["doctor"]);
    assert!(!ok, "red checks exit non-zero:\n{text}");
    assert!(line(&text, "recovery key").starts_with("[FAIL]"));
    assert!(line(&text, "recovery key").contains("recovery-key.txt"));
    assert!(line(&text, "last backup").contains("no backup has been taken"));
    assert!(line(&text, "restore test").starts_with("[FAIL]"));
    assert!(line(&text, "permissions").contains("recovery.pub"));
    assert!(line(&text, "sign-in codes").starts_with("[ ok ]"));
    assert!(line(&text, "audit log").starts_with("[ ok ]"));
    assert!(line(&text, "disk space").contains("GiB free"));
    assert!(line(&text, "TLS").contains("valid until"), "{text}");
    assert!(line(&text, "version").contains(env!("CARGO_PKG_VERSION")));
    // The owner's home shows the same checks.
    let home = owner.get("/home").body;
    assert!(
        home.contains("PROBLEM — recovery key: the recovery key is still on this computer"),
        "{home}"
    );
    assert!(home.contains("PROBLEM — last backup: no backup has been taken"));
    assert!(home.contains("OK — audit log: chain intact"));
    assert_eq!(
        text.matches("what to do:").count(),
        text.matches("[FAIL]").count(),
        "a hint under every red line:\n{text}"
    );

    // Fixed as the hints say.
    let key = world.dir().join("usb-stick-recovery-key.txt");
    std::fs::rename(data.join("recovery-key.txt"), &key).unwrap();
    std::fs::set_permissions(
        data.join("recovery.pub"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let backup = backup_now(data);
    let (ok, text) = run(
        data,
        &[
            "backup",
            "verify",
            backup.to_str().unwrap(),
            "--identity",
            key.to_str().unwrap(),
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = run(data, &["doctor"]);
    assert!(ok, "all green:\n{text}");
    assert!(!text.contains("[FAIL]"), "{text}");
    assert!(!owner.get("/home").body.contains("PROBLEM —"));

    // A practice account without sign-in codes turns it red again.
    let (ok, text) = run(data, &["user", "reset-mfa", OWNER_EMAIL]);
    assert!(ok, "{text}");
    let (ok, text) = run(data, &["doctor"]);
    assert!(!ok);
    assert!(line(&text, "sign-in codes").starts_with("[FAIL]"));
    assert!(line(&text, "sign-in codes").contains(OWNER_EMAIL), "{text}");
}

#[test]
fn a_restore_drill_restores_the_newest_backup_and_the_owners_home_shows_it() {
    let world = World::start();
    let data = &world.data;
    let mut owner = world.owner();
    let key = data.join("recovery-key.txt");
    let (ok, text) = run(
        data,
        &["backup", "drill", "--identity", key.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(text.contains("There is no backup"), "{text}");

    backup_now(data);
    let newest = backup_now(data);
    let (ok, text) = run(
        data,
        &["backup", "drill", "--identity", key.to_str().unwrap()],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("Restore drill with {}", newest.display())),
        "{text}"
    );
    assert!(text.contains("complete and intact"), "{text}");
    let home = owner.get("/home").body;
    assert!(home.contains("Last restore test:"), "{home}");
    assert!(home.contains("it worked"));
    let (_, text) = run(data, &["doctor"]);
    assert!(line(&text, "restore test").starts_with("[ ok ]"), "{text}");
}
