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

#[test]
fn every_recipient_restores_and_an_old_style_keyring_is_named_as_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::create(&dir.path().join("a.redb"), Sealer::new(Keyring::generate())).unwrap();
    let recovery = identity_file(
        dir.path(),
        "recovery.txt",
        &age::x25519::Identity::generate(),
    );
    let extra = identity_file(dir.path(), "extra.txt", &age::x25519::Identity::generate());
    let stranger = identity_file(
        dir.path(),
        "stranger.txt",
        &age::x25519::Identity::generate(),
    );
    let hidden = ProgressBar::hidden();
    let written = write_backup(
        &store,
        &[recovery.recipient(), extra.recipient()],
        None,
        &dir.path().join("out"),
        crate::clock::Clock::now(&crate::clock::SystemClock),
        &hidden,
    )
    .unwrap();
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
