//! Scheduled backups: runs land in the data directory and in every backup folder, a copy
//! altered afterwards is reported by `backup check`, a bad schedule stops the start naming
//! its key, and a run missed while the computer was off runs once at start.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::backups::run;
use crate::kit::{init_data_dir, Server};

#[test]
fn scheduled_backups_land_in_every_folder_and_a_bad_schedule_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let usb = dir.path().join("usb");
    let folders = format!("[\"{}\"]", usb.display());
    let err = Server::try_start_with(&data, &[], &[("ALCOVE_BACKUP__SCHEDULE", "0 99 * * * *")])
        .err()
        .expect("a bad schedule stops the start");
    assert!(err.contains("backup.schedule"), "{err}");

    let server = Server::start_with(
        &data,
        &[],
        &[
            ("ALCOVE_BACKUP__SCHEDULE", "*/2 * * * * *"),
            ("ALCOVE_BACKUP__FOLDERS", &folders),
        ],
    );
    let mut found = false;
    let backups_in = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .unwrap()
                            .to_string_lossy()
                            .starts_with("alcove-")
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for _ in 0..100 {
        let local = backups_in(&data.join("backups")).len();
        let copies = backups_in(&usb).len();
        if local > 0 && copies > 0 {
            found = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(found, "a scheduled backup landed in both folders");
    drop(server);

    // A copy altered on the USB disk is reported by `backup check`.
    for copy in backups_in(&usb) {
        let mut bytes = std::fs::read(&copy).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::write(&copy, bytes).unwrap();
    }
    let (ok, text) = run(&data, &["backup", "check"]);
    assert!(
        !ok && text.contains("changed since it was written"),
        "{text}"
    );
}

#[test]
fn a_backup_missed_while_the_computer_was_off_runs_once_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    // The last backup ran long ago; the yearly schedule's run since then was missed.
    {
        let store = alcove::datadir::open(&init.data, None).unwrap();
        let long_ago = time::OffsetDateTime::now_utc() - time::Duration::days(400);
        store
            .write(|tx| {
                tx.put(
                    b"backup",
                    &alcove::store::backups::JobStatus {
                        last_run: Some(long_ago),
                        ok: true,
                        summary: String::new(),
                        millis: 0,
                        next_run: None,
                    },
                )
            })
            .unwrap();
    }
    let server = Server::start_with(
        &init.data,
        &[],
        &[("ALCOVE_BACKUP__SCHEDULE", "0 0 3 1 1 *")],
    );
    let mut taken = 0;
    for _ in 0..100 {
        taken = std::fs::read_dir(init.data.join("backups"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("alcove-"))
                    .count()
            })
            .unwrap_or(0);
        if taken > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(taken, 1, "the missed run ran once");
    std::thread::sleep(Duration::from_millis(500));
    drop(server);
    let (ok, list) = run(&init.data, &["backup", "list"]);
    assert!(ok && list.matches("alcove-").count() == 1, "{list}");
}
