//! The store's own guarantees: nothing in clear in the file, one keyring, a failed write
//! keeps nothing, one process at a time, and concurrent writes sharing one flush.

use super::*;
use crate::crypto::Keyring;
use practice::PracticeProfile;

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[test]
fn canary_written_through_the_store_never_reaches_the_file_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let canary = "CANARY-7f3a9c-Jane-Doe-panic-attacks";
    {
        let store = Store::create(&path, Sealer::new(Keyring::generate())).unwrap();
        store
            .write(|tx| {
                practice::save(
                    tx,
                    &PracticeProfile {
                        name: canary.to_owned(),
                    },
                )
            })
            .unwrap();
        let back = store.read(practice::load).unwrap();
        assert_eq!(back.name, canary);
    }
    let raw = std::fs::read(&path).unwrap();
    assert!(raw.len() > 1000, "the database file was written");
    assert_eq!(count(&raw, canary.as_bytes()), 0);
    assert_eq!(count(&raw, b"Jane-Doe"), 0);
}

#[test]
fn store_opened_with_another_keyring_refuses_to_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    drop(Store::create(&path, Sealer::new(Keyring::generate())).unwrap());
    let err = Store::open(&path, Sealer::new(Keyring::generate())).unwrap_err();
    assert!(
        matches!(err, StoreError::Sealed { table: "meta", .. }),
        "{err}"
    );
}

#[test]
fn failed_write_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join(DB_FILE), Sealer::new(Keyring::generate())).unwrap();
    let result: std::result::Result<(), StoreError> = store.write(|tx| {
        practice::save(
            tx,
            &PracticeProfile {
                name: "half".into(),
            },
        )?;
        Err(StoreError::Format { table: "simulated" })
    });
    assert!(result.is_err());
    let profile = store.read(practice::load).unwrap();
    assert_ne!(profile.name, "half");
}

/// A new store in a new folder: the folder, the file's path, its keyring and the store.
fn new_store() -> (tempfile::TempDir, std::path::PathBuf, Keyring, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let ring = Keyring::generate();
    let store = Store::create(&path, Sealer::new(ring.clone())).unwrap();
    (dir, path, ring, store)
}

#[test]
fn second_open_of_a_held_database_is_refused() {
    let (_dir, path, ring, _held) = new_store();
    let err = Store::open(&path, Sealer::new(ring)).unwrap_err();
    assert!(matches!(err, StoreError::InUse), "{err}");
}

#[test]
fn concurrent_writes_share_flushes_and_all_are_on_disk_after_reopen() {
    let (_dir, path, keyring, store) = new_store();
    let flushes = store.commits();
    let session = |n: u32| sessions::Session {
        account: crate::ids::AccountId::generate(),
        stage: sessions::SessionStage::Full,
        created_at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(n.into()),
        last_seen: time::OffsetDateTime::UNIX_EPOCH,
        reauth_at: None,
    };
    let key = |n: u32| {
        let mut k = [0u8; 32];
        k[..4].copy_from_slice(&n.to_le_bytes());
        k
    };
    std::thread::scope(|scope| {
        for t in 0..16u32 {
            let store = &store;
            scope.spawn(move || {
                for i in 0..25 {
                    let n = t * 100 + i;
                    store
                        .write(|tx| sessions::put(tx, &key(n), &session(n)))
                        .unwrap();
                }
            });
        }
    });
    let took = store.commits() - flushes;
    assert!(
        took < 400,
        "16 writers at once shared no flush: {took} for 400 writes"
    );
    drop(store);
    let store = Store::open(&path, Sealer::new(keyring)).unwrap();
    let found = store
        .read(|tx| {
            let mut found = 0;
            for t in 0..16u32 {
                for i in 0..25 {
                    let n = t * 100 + i;
                    let s: Option<sessions::Session> = tx.get(&key(n))?;
                    found += usize::from(s.is_some_and(|s| s.created_at == session(n).created_at));
                }
            }
            Ok::<_, StoreError>(found)
        })
        .unwrap();
    assert_eq!(found, 400);
}
