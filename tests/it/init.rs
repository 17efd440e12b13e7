//! `alcove init`.

use crate::kit::{alcove, init_data_dir, snapshot, Server};

#[test]
fn init_then_serve_serves_healthz() {
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    let (data, recovery) = (init.data, init.recovery);
    assert!(init.stdout.contains("OFFLINE"), "{}", init.stdout);

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&recovery).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let key = std::fs::read_to_string(&recovery).unwrap();
    assert!(key.lines().any(|l| l.starts_with("AGE-SECRET-KEY-1")));

    let server = Server::start(&data, &[]);
    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
}

#[test]
fn init_on_an_initialized_data_dir_refuses_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_data_dir(dir.path(), None).data;
    let before = snapshot(&data);

    let again = alcove(&data)
        .args(["init", "--recovery-out"])
        .arg(dir.path().join("r2.txt"))
        .output()
        .unwrap();
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("already set up"), "{err}");
    assert_eq!(snapshot(&data), before);
    assert!(!dir.path().join("r2.txt").exists());
}

#[test]
fn help_describes_every_command() {
    let out = std::process::Command::new(crate::kit::BIN)
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["init", "serve", "--data-dir", "--config"] {
        assert!(text.contains(word), "{word} in {text}");
    }
    let init = std::process::Command::new(crate::kit::BIN)
        .args(["init", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&init.stdout);
    assert!(text.contains("--recovery-out") && text.contains("--passphrase-file"));
}
