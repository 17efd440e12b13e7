//! Owner-only modes: whatever the umask, and even when the owner made the data directory by
//! hand (0755, to hold `alcove.toml`), every file Alcove writes there is 0600 and every
//! folder 0700 — the store, keys, certificate, backups, admin socket, and a restored copy.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::kit::{alcove_in_umask, Server};
use crate::visitor::{client_with_portal, set_up_owner};

/// The owner's own file; Alcove reads it and leaves it as the owner made it.
const CONFIG: &str = "alcove.toml";

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

/// Every entry under `dir` whose mode is not owner-only, with its mode (the owner's config
/// file excepted).
fn not_owner_only(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut wrong = Vec::new();
    let mut seen = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        if mode(&folder) != 0o700 {
            wrong.push((folder.clone(), format!("{:o}", mode(&folder))));
        }
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            seen += 1;
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap() != CONFIG && mode(&path) != 0o600 {
                wrong.push((path.clone(), format!("{:o}", mode(&path))));
            }
        }
    }
    assert!(seen >= 4, "only {seen} entries in {}", dir.display());
    wrong
}

fn backup_now(data: &Path, umask: &str) -> PathBuf {
    let out = alcove_in_umask(data, umask)
        .args(["backup", "now"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("Backup written: "))
        .unwrap();
    PathBuf::from(line["Backup written: ".len()..].split(" (").next().unwrap())
}

#[test]
fn every_file_alcove_writes_is_owner_only_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join(CONFIG), "log_level = \"info\"\n").unwrap();
    std::fs::set_permissions(data.join(CONFIG), std::fs::Permissions::from_mode(0o644)).unwrap();

    // First start under the usual umask: init, certificate, store, socket; then data and a
    // backup written by the server.
    let server = Server::start_in_umask(&data, "022", &[]);
    let mut owner = set_up_owner(&server).visitor;
    client_with_portal(&mut owner, &server, "Ana Modes", "ana@example.org");
    backup_now(&data, "022");
    assert!(data.join("admin.sock").exists() && data.join("backups").is_dir());
    assert_eq!(not_owner_only(&data), [], "under umask 022");
    assert_eq!(
        mode(&data.join(CONFIG)),
        0o644,
        "the owner's file is left alone"
    );
    server.stop();

    // Again with no umask at all: nothing Alcove writes may become readable by others.
    let server = Server::start_in_umask(&data, "000", &[]);
    // Backups are named by the second; the first may be less than one old.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let backup = backup_now(&data, "000");
    assert_eq!(not_owner_only(&data), [], "under umask 000");
    server.stop();

    // A restore under umask 000 makes an owner-only data directory too.
    let restored = dir.path().join("restored");
    let out = alcove_in_umask(&restored, "000")
        .arg("restore")
        .arg(&backup)
        .arg("--identity")
        .arg(data.join("recovery-key.txt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(not_owner_only(&restored), [], "a restored directory");
}
