//! Installs and upgrades: `alcove --version` and the owner's home name the version; a
//! newer binary on an older store backs it up and migrates it; an older binary on a newer
//! store refuses and changes nothing; `alcove.toml` travels inside every backup.

use std::path::Path;

use crate::backups::{backup_now, restore, run};
use crate::kit::{alcove, init_data_dir, snapshot, Server};
use crate::visitor::set_up_owner;

/// The schema this build writes, as `alcove --version` states it.
fn schema() -> u32 {
    let out = alcove(Path::new("/nonexistent"))
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split("data schema ")
        .nth(1)
        .and_then(|r| r.trim().trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no schema in {text:?}"))
}

fn set_schema(data: &Path, version: u32) {
    let (ok, text) = run(
        data,
        &["set-schema-version-for-tests", &version.to_string()],
    );
    assert!(ok, "{text}");
}

fn backups_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tar.age") && !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_version_shows_on_the_command_line_and_the_owners_home_but_not_to_strangers() {
    let out = alcove(Path::new("/nonexistent"))
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.starts_with(&format!(
            "alcove {} (data schema ",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let asked = server.get("/healthz?details");
    assert_eq!(asked.body, "ok", "no details for anonymous visitors");
    let mut owner = set_up_owner(&server).visitor;
    let home = owner.get("/home");
    assert!(
        home.body.contains(&format!(
            "This portal runs Alcove {} (data schema {}).",
            env!("CARGO_PKG_VERSION"),
            schema()
        )),
        "{}",
        home.body
    );
}

#[test]
fn a_newer_binary_backs_up_an_older_store_then_migrates_it() {
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    let current = schema();
    set_schema(&init.data, current - 1);
    assert!(backups_in(&init.data.join("backups")).is_empty());

    let server = Server::start(&init.data, &[]);
    assert!(
        server.stdout().contains(&format!(
            "Upgraded the data from schema {} to {current}",
            current - 1
        )),
        "{}",
        server.stdout()
    );
    let taken = backups_in(&init.data.join("backups"));
    assert_eq!(taken.len(), 1, "one backup before the migration: {taken:?}");
    let mut owner = set_up_owner(&server).visitor;
    assert!(owner
        .get("/home")
        .body
        .contains(&format!("(data schema {current})")));
    // The migrated store serves what it held: the built-in forms, the upgrade's event.
    assert!(owner.get("/forms").body.contains("Intake"));
    assert!(owner.get("/audit").body.contains("store.upgrade"));
    server.stop();

    // The backup holds the store as it was, and restores (and migrates) with the key.
    let file = init.data.join("backups").join(&taken[0]);
    let (ok, text) = run(
        &init.data,
        &[
            "backup",
            "verify",
            file.to_str().unwrap(),
            "--identity",
            init.recovery.to_str().unwrap(),
        ],
    );
    assert!(ok, "{text}");
    // A second start finds nothing to migrate and takes no second backup.
    let again = Server::start(&init.data, &[]);
    assert!(!again.stdout().contains("Upgraded"));
    assert_eq!(backups_in(&init.data.join("backups")).len(), 1);
}

#[test]
fn an_older_binary_refuses_a_newer_store_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    let current = schema();
    set_schema(&init.data, current + 1);
    let before = snapshot(&init.data);

    let err = Server::try_start(&init.data, &[])
        .err()
        .expect("start refused");
    assert!(
        err.contains(&format!(
            "this data directory was written by a newer Alcove (schema {}); this program understands up to schema {current} — install the newer version",
            current + 1
        )),
        "{err}"
    );
    let (ok, text) = run(&init.data, &["user", "list"]);
    assert!(!ok);
    assert!(text.contains("newer Alcove"), "{text}");
    let after = snapshot(&init.data);
    let names = |s: &[(std::path::PathBuf, Vec<u8>, u32)]| -> Vec<String> {
        s.iter()
            .map(|(p, _, m)| format!("{} {m:o}", p.display()))
            .collect()
    };
    assert_eq!(names(&after), names(&before));
    for (a, b) in after.iter().zip(&before) {
        assert!(a.1 == b.1, "{} changed", a.0.display());
    }
}

const CONFIG: &str = r#"hostname = "portal.riverside.example"

[smtp]
host = "mail.riverside.example"
port = 587
from = "portal@riverside.example"
"#;

#[test]
fn the_configuration_travels_inside_the_backup_unless_keep_config_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    std::fs::write(init.data.join("alcove.toml"), CONFIG).unwrap();
    let backup = backup_now(&init.data);

    let restored = dir.path().join("restored");
    let (ok, text) = restore(&restored, &backup, &init.recovery, &[]);
    assert!(ok, "{text}");
    assert!(
        text.contains("The configuration came back from the backup"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(restored.join("alcove.toml")).unwrap(),
        CONFIG
    );

    // A new machine with its own file keeps it when asked.
    let own = "hostname = \"new-box.example\"\n";
    let target = dir.path().join("target");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("alcove.toml"), own).unwrap();
    let (ok, text) = restore(
        &target,
        &backup,
        &init.recovery,
        &["--force", "--keep-config"],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("configuration (alcove.toml) was kept"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("alcove.toml")).unwrap(),
        own
    );
    assert!(target.join("keyring.age").exists());
}
