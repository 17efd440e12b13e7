//! A passphrase-locked data directory: sealed until unlocked, and a wrong passphrase
//! changes nothing.

use crate::kit::{alcove, init_data_dir, passphrase_file, snapshot, Server};

const PASS: &str = "violet harbour seventeen lanterns";

fn init_locked(dir: &std::path::Path) -> std::path::PathBuf {
    let data = init_data_dir(dir, Some(PASS)).data;
    assert!(data.join("unlock.key.age").exists());
    assert!(
        !data.join("unlock.key").exists(),
        "no plain unlock key when locked"
    );
    data
}

#[test]
fn sealed_server_answers_503_until_unlocked_and_a_wrong_passphrase_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_locked(dir.path());
    let server = Server::start(&data, &[]);
    assert!(server.stdout().contains("locked with a passphrase"));
    assert!(server.setup_link().is_none(), "no setup link while sealed");

    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (503, "sealed"));
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("This portal is locked"));
    assert!(home.body.contains("name=\"passphrase\""));
    assert_eq!(server.get("/setup/whatever").status, 503);

    let before = snapshot(&data);
    let wrong = server.post_form("/unlock", &[("passphrase", "not the passphrase")]);
    assert_eq!(wrong.status, 403);
    assert!(wrong.body.contains("did not unlock"), "{}", wrong.body);
    assert_eq!(
        snapshot(&data),
        before,
        "a wrong passphrase changes nothing"
    );
    assert_eq!(server.get("/healthz").status, 503);

    let right = server.post_form("/unlock", &[("passphrase", PASS)]);
    assert_eq!(right.status, 200, "{}", right.body);
    assert!(right.body.contains("The portal is unlocked"));
    assert!(
        right.body.contains("/setup/"),
        "the owner gets the setup link"
    );
    assert_eq!(server.get("/healthz").body, "ok");
    let logs = server.stderr();
    assert!(
        !logs.contains(PASS),
        "the passphrase never reaches the logs"
    );
}

#[test]
fn passphrase_file_unlocks_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_locked(dir.path());
    let pass = dir.path().join("passphrase.txt");
    let server = Server::start(&data, &["--passphrase-file", pass.to_str().unwrap()]);
    assert_eq!(server.get("/healthz").body, "ok");
    assert!(server.setup_link().is_some());
}

#[test]
fn wrong_passphrase_file_stops_the_start_with_a_clear_message_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_locked(dir.path());
    let before = snapshot(&data);
    let wrong = passphrase_file(dir.path(), "wrong.txt", "guess\n");
    let err = match Server::try_start(&data, &["--passphrase-file", wrong.to_str().unwrap()]) {
        Ok(_) => panic!("a wrong passphrase must not start the server"),
        Err(e) => e,
    };
    assert!(err.contains("passphrase is not the one"), "{err}");
    assert_eq!(snapshot(&data), before);
}

/// Counts the backup files in `data/backups`.
fn backups_in(data: &std::path::Path) -> usize {
    std::fs::read_dir(data.join("backups"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("alcove-"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_server_unlocked_on_the_web_page_then_runs_admin_commands_and_scheduled_backups() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_locked(dir.path());
    let server = Server::start_with(&data, &[], &[("ALCOVE_BACKUP__SCHEDULE", "* * * * * *")]);

    // Sealed: the admin socket answers, but only that the server is locked; no job runs.
    let sealed = alcove(&data).args(["user", "list"]).output().unwrap();
    assert!(!sealed.status.success());
    let err = String::from_utf8_lossy(&sealed.stderr);
    assert!(err.contains("The server is locked"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(backups_in(&data), 0, "no backup while sealed");

    let right = server.post_form("/unlock", &[("passphrase", PASS)]);
    assert_eq!(right.status, 200, "{}", right.body);

    // The same socket now runs commands against the unlocked store…
    let listed = alcove(&data).args(["user", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(text.contains("EMAIL") && text.contains("ROLE"), "{text}");
    // …and the scheduler has started: the every-second backup lands.
    let mut taken = 0;
    for _ in 0..200 {
        taken = backups_in(&data);
        if taken > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(taken > 0, "a scheduled backup ran after the unlock");
}

#[test]
fn a_server_unlocked_on_the_web_page_starts_sending_mail() {
    use crate::smtp_kit::{aiosmtpd_available, free_port, SmtpSink};
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = init_locked(dir.path());
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("mail"));
    let server = crate::mail_kit::start(&data, port);
    assert!(server.setup_link().is_none(), "sealed at start");
    let unlocked = server.post_form("/unlock", &[("passphrase", PASS)]);
    assert_eq!(unlocked.status, 200, "{}", unlocked.body);
    // The setup link is printed as the store opens; the console is read on its own thread.
    server.wait_for_stdout("/setup/");
    // The owner's address confirmation goes out: the mail job started on the unlock.
    crate::visitor::set_up_owner(&server);
    let path = crate::mail_kit::confirmation_path(&sink, crate::visitor::OWNER_EMAIL);
    assert!(path.starts_with("/confirm-email/"), "{path}");
}
