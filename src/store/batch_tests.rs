//! The shared transaction: a caller that fails or panics in a batch costs the others
//! nothing but a second run (and a refusal that changed nothing, not even that), and
//! conflicting writers see each other as if one at a time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;

use crate::crypto::{Keyring, Sealer};
use crate::store::sessions::{self, Session, SessionStage};
use crate::store::{Store, StoreError, DB_FILE};

fn new_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join(DB_FILE), Sealer::new(Keyring::generate())).unwrap();
    (dir, store)
}

fn key(n: u32) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..4].copy_from_slice(&n.to_le_bytes());
    k
}

fn session(n: u32) -> Session {
    Session {
        account: crate::ids::AccountId::generate(),
        stage: SessionStage::Full,
        created_at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(n.into()),
        last_seen: time::OffsetDateTime::UNIX_EPOCH,
        reauth_at: None,
    }
}

fn stored(store: &Store, n: u32) -> Option<time::OffsetDateTime> {
    store
        .read(|tx| tx.get::<Session>(&key(n)))
        .unwrap()
        .map(|s| s.created_at)
}

/// Turns asked for so far (the store's creation took some).
fn issued(store: &Store) -> u64 {
    store.inner.batch.state.lock().issued
}

/// Blocks (inside a closure holding the transaction, say) until `callers` more than `base`
/// have asked for a turn, so that the ones after it are sure to join its batch.
fn until_queued(store: &Store, base: u64, callers: u64) {
    while issued(store) < base + callers {
        std::thread::yield_now();
    }
}

const REFUSED: StoreError = StoreError::Format { table: "refused" };

#[test]
fn a_caller_failing_after_others_in_its_batch_leaves_their_writes_and_none_of_its_own() {
    let (_dir, store) = new_store();
    let base = issued(&store);
    let first_runs = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            store.write(|tx| {
                first_runs.fetch_add(1, Ordering::SeqCst);
                sessions::put(tx, &key(1), &session(1))?;
                if first_runs.load(Ordering::SeqCst) == 1 {
                    until_queued(&store, base, 2);
                }
                Ok::<_, StoreError>(())
            })
        });
        until_queued(&store, base, 1);
        let second = store.write(|tx| {
            sessions::put(tx, &key(2), &session(2))?;
            Err::<(), _>(REFUSED)
        });
        assert!(matches!(
            second,
            Err(StoreError::Format { table: "refused" })
        ));
        first.join().unwrap().unwrap();
    });
    assert_eq!(first_runs.load(Ordering::SeqCst), 2, "run again, alone");
    assert_eq!(stored(&store, 1), Some(session(1).created_at));
    assert_eq!(
        stored(&store, 2),
        None,
        "nothing of the failed write is kept"
    );
}

#[test]
fn a_caller_refusing_without_writing_stays_in_its_batch_and_is_answered_after_its_commit() {
    let (_dir, store) = new_store();
    let base = issued(&store);
    let commits = store.commits();
    let first_runs = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            store.write(|tx| {
                first_runs.fetch_add(1, Ordering::SeqCst);
                sessions::put(tx, &key(1), &session(1))?;
                until_queued(&store, base, 2);
                Ok::<_, StoreError>(())
            })
        });
        until_queued(&store, base, 1);
        // Refuses on what the first caller wrote in the same, not yet committed batch.
        let second = store.write(|tx| match tx.get::<Session>(&key(1))? {
            Some(_) => Err(REFUSED),
            None => sessions::put(tx, &key(2), &session(2)),
        });
        assert!(matches!(
            second,
            Err(StoreError::Format { table: "refused" })
        ));
        assert_eq!(
            stored(&store, 1),
            Some(session(1).created_at),
            "a refusal is answered only once what it rests on is on disk"
        );
        first.join().unwrap().unwrap();
    });
    assert_eq!(first_runs.load(Ordering::SeqCst), 1, "nobody ran again");
    assert_eq!(store.commits() - commits, 1, "one commit for both");
    assert_eq!(stored(&store, 2), None);
}

#[test]
fn a_caller_failing_first_in_its_batch_costs_the_next_one_nothing() {
    let (_dir, store) = new_store();
    let base = issued(&store);
    let second_runs = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            store.write(|tx| {
                sessions::put(tx, &key(1), &session(1))?;
                until_queued(&store, base, 2);
                Err::<(), _>(REFUSED)
            })
        });
        until_queued(&store, base, 1);
        store
            .write(|tx| {
                second_runs.fetch_add(1, Ordering::SeqCst);
                sessions::put(tx, &key(2), &session(2))
            })
            .unwrap();
        assert!(first.join().unwrap().is_err());
    });
    assert_eq!(second_runs.load(Ordering::SeqCst), 1);
    assert_eq!(stored(&store, 1), None);
    assert_eq!(stored(&store, 2), Some(session(2).created_at));
}

#[test]
fn a_caller_panicking_in_a_batch_leaves_the_others_written_and_the_store_usable() {
    let (_dir, store) = new_store();
    let base = issued(&store);
    std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            store.write(|tx| {
                sessions::put(tx, &key(1), &session(1))?;
                until_queued(&store, base, 2);
                Ok::<_, StoreError>(())
            })
        });
        until_queued(&store, base, 1);
        let second = scope.spawn(|| {
            store.write(|tx| -> Result<(), StoreError> {
                sessions::put(tx, &key(2), &session(2))?;
                panic!("a closure that panics while the batch is in its hands");
            })
        });
        assert!(second.join().is_err(), "the panic reaches its own caller");
        first.join().unwrap().unwrap();
    });
    assert_eq!(stored(&store, 1), Some(session(1).created_at));
    assert_eq!(stored(&store, 2), None);
    store
        .write(|tx| sessions::put(tx, &key(3), &session(3)))
        .unwrap();
    assert_eq!(stored(&store, 3), Some(session(3).created_at));
}

#[test]
fn of_twenty_callers_claiming_one_key_at_once_exactly_one_holds_it() {
    let (_dir, store) = new_store();
    for round in 0..10u32 {
        let slot = 1000 + round;
        let start = Barrier::new(20);
        let won: Vec<u32> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..20u32)
                .map(|n| {
                    let (store, start) = (&store, &start);
                    scope.spawn(move || {
                        start.wait();
                        store
                            .write(|tx| {
                                if tx.get::<Session>(&key(slot))?.is_some() {
                                    return Err(REFUSED);
                                }
                                sessions::put(tx, &key(slot), &session(n))?;
                                Ok(n)
                            })
                            .ok()
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().unwrap())
                .collect()
        });
        assert_eq!(won.len(), 1, "round {round}: {won:?} all hold the key");
        assert_eq!(stored(&store, slot), Some(session(won[0]).created_at));
    }
}
