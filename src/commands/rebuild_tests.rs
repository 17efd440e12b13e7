//! Who can restore a backup: every key it was encrypted to, and no other; a key that opens
//! the file but not its keyring is told which of the two failed.

use age::secrecy::ExposeSecret;
use indicatif::ProgressBar;

use super::rebuild;
use crate::backup::{open_backup, write_backup, BackupError};
use crate::crypto::{Keyring, RecoveryIdentity, Sealer};
use crate::store::Store;

fn identity_file(
    dir: &std::path::Path,
    name: &str,
    id: &age::x25519::Identity,
) -> RecoveryIdentity {
    let path = dir.join(name);
    std::fs::write(&path, format!("{}\n", id.to_string().expose_secret())).unwrap();
    RecoveryIdentity::read(&path).unwrap()
}

/// A new store in `dir` and a backup of it, encrypted to `to`, carrying `config`.
fn backed_up(
    dir: &std::path::Path,
    to: &[age::x25519::Recipient],
    config: Option<&[u8]>,
) -> (Store, crate::backup::Written) {
    let store = Store::create(&dir.join("a.redb"), Sealer::new(Keyring::generate())).unwrap();
    let written = write_backup(
        &store,
        to,
        config,
        &dir.join("out"),
        crate::clock::Clock::now(&crate::clock::SystemClock),
        &ProgressBar::hidden(),
    )
    .unwrap();
    (store, written)
}

#[test]
fn every_recipient_restores_and_an_old_style_keyring_is_named_as_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let new_id = |name| identity_file(dir.path(), name, &age::x25519::Identity::generate());
    let (recovery, extra, stranger) = (
        new_id("recovery.txt"),
        new_id("extra.txt"),
        new_id("stranger.txt"),
    );
    let hidden = ProgressBar::hidden();
    let (store, written) = backed_up(dir.path(), &[recovery.recipient(), extra.recipient()], None);
    assert_eq!(written.manifest.recipients.len(), 2);
    for id in [&recovery, &extra] {
        let opened = open_backup(&written.path, id, dir.path(), &hidden).unwrap();
        let staging = tempfile::tempdir_in(dir.path()).unwrap();
        rebuild(&opened, id, staging.path()).unwrap();
    }
    let refused = open_backup(&written.path, &stranger, dir.path(), &hidden).unwrap_err();
    assert!(matches!(refused, BackupError::WrongKey), "{refused}");
    assert!(refused
        .to_string()
        .contains("backup file was not made for this key"));

    // A backup as older versions wrote it: the keyring locked to the recovery key only.
    let mut opened = open_backup(&written.path, &extra, dir.path(), &hidden).unwrap();
    let old_keyring = store.encrypted_keyring(&[&recovery.recipient()]).unwrap();
    std::fs::write(opened.dir.path().join("keyring.age"), old_keyring).unwrap();
    let staging = tempfile::tempdir_in(dir.path()).unwrap();
    let altered = rebuild(&opened, &extra, staging.path())
        .unwrap_err()
        .to_string();
    assert!(
        altered.contains("not the keyring inside it") && altered.contains("altered"),
        "{altered}"
    );
    opened.manifest.recipients.clear();
    let staging = tempfile::tempdir_in(dir.path()).unwrap();
    let old = rebuild(&opened, &extra, staging.path())
        .unwrap_err()
        .to_string();
    assert!(
        old.contains("not the keyring inside it")
            && old.contains("restore it with the recovery key"),
        "{old}"
    );
    let staging = tempfile::tempdir_in(dir.path()).unwrap();
    rebuild(&opened, &recovery, staging.path()).unwrap();
}

/// `backup` decrypted, its tar rewritten by `change` (name, bytes), encrypted again to
/// `to`: a backup made by someone holding the recipient, not by Alcove.
fn rewritten(
    backup: &std::path::Path,
    id: &RecoveryIdentity,
    to: &age::x25519::Recipient,
    out: &std::path::Path,
    change: impl Fn(&str, &mut Vec<u8>),
) {
    use std::io::{Read, Write};
    let file = std::fs::File::open(backup).unwrap();
    let decryptor = age::Decryptor::new(std::io::BufReader::new(file)).unwrap();
    let mut tar_bytes = Vec::new();
    decryptor
        .decrypt(std::iter::once(id.identity() as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut tar_bytes)
        .unwrap();
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    let mut builder = tar::Builder::new(Vec::new());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        change(&name, &mut bytes);
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        builder
            .append_data(&mut header, &name, bytes.as_slice())
            .unwrap();
    }
    let tar_bytes = builder.into_inner().unwrap();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(to as &dyn age::Recipient)).unwrap();
    let mut writer = encryptor
        .wrap_output(std::fs::File::create(out).unwrap())
        .unwrap();
    writer.write_all(&tar_bytes).unwrap();
    writer.finish().unwrap();
}

#[test]
fn a_streamed_restore_checks_every_piece_against_the_manifest_and_keeps_nothing_else() {
    use super::rebuild_streaming;
    let dir = tempfile::tempdir().unwrap();
    let recovery = identity_file(
        dir.path(),
        "recovery.txt",
        &age::x25519::Identity::generate(),
    );
    let hidden = ProgressBar::hidden();
    let (_store, written) = backed_up(
        dir.path(),
        &[recovery.recipient()],
        Some(b"[practice]\nname = \"Riverside\"\n"),
    );

    // As written: the same rows, and the configuration it carried.
    let staging = tempfile::tempdir_in(dir.path()).unwrap();
    let (restored, report, config) = rebuild_streaming(
        crate::backup::decrypt_backup(&written.path, &recovery).unwrap(),
        &recovery,
        staging.path(),
        &hidden,
    )
    .unwrap();
    assert_eq!(report.counts, written.manifest.counts);
    assert_eq!(
        config.as_deref(),
        Some(&b"[practice]\nname = \"Riverside\"\n"[..])
    );
    drop(restored);

    // The backup re-made by someone holding its recipient, changed by `change`.
    let remade = |name: &str, change: &dyn Fn(&str, &mut Vec<u8>)| {
        let out = dir.path().join(name);
        rewritten(
            &written.path,
            &recovery,
            &recovery.recipient(),
            &out,
            change,
        );
        out
    };
    // What a streamed restore of `file` says when it refuses it.
    let refused_as = |file: &std::path::Path| {
        let staging = tempfile::tempdir_in(dir.path()).unwrap();
        let tar = crate::backup::decrypt_backup(file, &recovery).unwrap();
        rebuild_streaming(tar, &recovery, staging.path(), &hidden)
            .unwrap_err()
            .to_string()
    };

    // One byte of a sealed value changed inside a piece, the file otherwise well made:
    // the rows load, and the piece's hash refuses it once the manifest is read.
    let altered = remade("altered.tar.age", &|name, bytes| {
        if name.starts_with("store/") {
            if let Some(last) = bytes.last_mut() {
                *last ^= 1;
            }
        }
    });
    let refused = refused_as(&altered);
    assert!(refused.contains("does not match the manifest"), "{refused}");

    // A piece cut in the middle of a row: named as cut off, not as a decryption failure.
    let cut = remade("cut.tar.age", &|name, bytes| {
        if name.starts_with("store/") {
            bytes.truncate(bytes.len() - 3);
        }
    });
    let refused = refused_as(&cut);
    assert!(refused.contains("cut off"), "{refused}");

    // A newer Alcove's backup: a table this one does not know, and a newer format in the
    // manifest (read last). The format is named, not the table.
    let newer = remade("newer.tar.age", &|name, bytes| {
        if name == "store/00000.bin" {
            let table = b"from_the_future";
            bytes.extend_from_slice(&(table.len() as u16).to_be_bytes());
            bytes.extend_from_slice(table);
            for field in [&b"key"[..], &b"value"[..]] {
                bytes.extend_from_slice(&(field.len() as u32).to_be_bytes());
                bytes.extend_from_slice(field);
            }
        }
        if name == "manifest.json" {
            let mut m: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let format = m["format"].as_u64().unwrap();
            m["format"] = serde_json::json!(format + 1);
            *bytes = serde_json::to_vec(&m).unwrap();
        }
    });
    let refused = refused_as(&newer);
    assert!(refused.contains("use a newer Alcove"), "{refused}");
}
