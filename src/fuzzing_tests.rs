//! The fuzzers' regression inputs, run on stable: every file under
//! `tests/fuzz_regressions/<target>/` (seeds, and each input that once found a bug) goes
//! through its target's function and must not panic.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::*;

fn folder(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target)
}

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(folder(target))
        .map(|dir| {
            dir.flatten()
                .filter(|e| e.path().is_file())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn replay(target: &str) {
    let run = TARGETS.iter().find(|(n, _)| *n == target).unwrap().1;
    let found = inputs(target);
    assert!(!found.is_empty(), "no regression inputs for {target}");
    for (name, bytes) in found {
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{target}/{name} panicked");
    }
}

#[test]
fn sealed_values_of_any_shape_open_or_are_refused_without_panic() {
    replay("seal_open");
}

#[test]
fn damaged_backup_archives_are_refused_without_panic() {
    replay("backup_tar");
}

#[test]
fn damaged_store_dumps_are_refused_without_panic() {
    replay("store_dump");
}

#[test]
fn malformed_posted_forms_are_refused_without_panic() {
    replay("form_post");
}

#[test]
fn malformed_form_definitions_are_refused_without_panic() {
    replay("form_definition");
}

#[test]
fn malformed_admin_requests_are_refused_without_panic() {
    replay("admin_request");
}

#[test]
fn every_fuzz_target_has_a_regression_folder() {
    for (name, _) in TARGETS {
        assert!(
            folder(name).is_dir(),
            "tests/fuzz_regressions/{name} is missing"
        );
    }
}

/// A seed sealed value, a seed backup and its store dump open all the way (so the fuzzer
/// starts from inputs that reach the deepest checks).
#[test]
fn the_seed_backup_restores() {
    let tar = std::fs::read(folder("backup_tar").join("seed-backup.tar")).unwrap();
    let f = fixture();
    let opened = crate::backup::unpack(&tar[..], f.scratch.path(), &ProgressBar::hidden())
        .expect("the seed backup unpacks");
    let staging = tempfile::tempdir().unwrap();
    crate::commands::rebuild::rebuild(&opened, &f.identity, staging.path()).expect("and restores");
    let sealed = std::fs::read(folder("seal_open").join("seed-message")).unwrap();
    let (table, rest) = piece(&sealed);
    let (key, value) = piece(rest);
    assert!(sealer()
        .open(std::str::from_utf8(table).unwrap(), key, value)
        .is_ok());
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(folder(target)).unwrap();
    std::fs::write(folder(target).join(name), bytes).unwrap();
}

fn framed(table: &str, key: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut out = vec![table.len() as u8];
    out.extend_from_slice(table.as_bytes());
    out.push(key.len() as u8);
    out.extend_from_slice(key);
    out.extend_from_slice(rest);
    out
}

/// Writes the seed inputs (run by hand: `cargo test --lib write_fuzz_seeds -- --ignored`).
#[test]
#[ignore = "writes the seed corpus into tests/fuzz_regressions"]
fn write_fuzz_seeds() {
    let s = sealer();
    let message = s.seal("messages", b"id-1", b"{\"body\":\"hello\"}");
    write(
        "seal_open",
        "seed-message",
        &framed("messages", b"id-1", &message),
    );
    write(
        "seal_open",
        "seed-truncated",
        &framed("t", b"k", &message[..20]),
    );

    // A small real backup under the fixture's keys, decrypted to its tar.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("db"), sealer()).unwrap();
    for n in 0..3 {
        crate::domain::audit::record_now(
            &store,
            time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(n),
            &crate::policy::Actor::LocalAdmin,
            crate::domain::audit::Event::SignOut,
            crate::domain::audit::AuditTarget::practice(),
            crate::domain::audit::Outcome::Ok,
        )
        .unwrap();
    }
    let f = fixture();
    let recipient = f.identity.recipient();
    let written = crate::backup::write_backup(
        &store,
        &[recipient],
        None,
        &dir.path().join("backups"),
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(10),
        &ProgressBar::hidden(),
    )
    .unwrap();
    let file = std::fs::File::open(&written.path).unwrap();
    let mut tar = Vec::new();
    age::Decryptor::new(file)
        .unwrap()
        .decrypt(std::iter::once(f.identity.identity() as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut tar)
        .unwrap();
    write("backup_tar", "seed-backup.tar", &tar);
    let mut archive = tar::Archive::new(&tar[..]);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().starts_with("store") {
            let mut rows = Vec::new();
            entry.read_to_end(&mut rows).unwrap();
            write("store_dump", "seed-rows", &rows);
        }
    }

    write(
        "form_post",
        "seed-urlencoded",
        b"application/x-www-form-urlencoded\ncsrf=abc&q1=Ada+Lovelace&q2=a%40b.org&q2=second&email=yes",
    );
    write(
        "form_post",
        "seed-multipart",
        b"multipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"full_name\"\r\n\r\nAda\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--XyZ--\r\n",
    );
    for (n, text) in BUILTINS.iter().enumerate() {
        write(
            "form_definition",
            &format!("seed-builtin-{n}.json"),
            text.as_bytes(),
        );
    }
    let def = builtin_form(BUILTINS[1], time::OffsetDateTime::UNIX_EPOCH).unwrap();
    write(
        "form_definition",
        "seed-stored.json",
        &serde_json::to_vec(&def).unwrap(),
    );
    use crate::admin::Request;
    for (n, request) in [
        Request::UserList,
        Request::ResetPassword {
            email: "owner@example.org".into(),
        },
        Request::Disable {
            email: "a@b.c".into(),
        },
        Request::AuditVerify,
        Request::BackupNow,
        Request::RestoreTested {
            ok: true,
            millis: 1200,
            summary: "Backup taken …".into(),
        },
    ]
    .into_iter()
    .enumerate()
    {
        let mut line = serde_json::to_vec(&request).unwrap();
        line.push(b'\n');
        write("admin_request", &format!("seed-{n}.json"), &line);
    }
}
