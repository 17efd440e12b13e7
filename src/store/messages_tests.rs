//! The inboxes' order: a page lists what its rows name, and a row that disagrees with the
//! sealed thread it names (planted, moved, or written wrongly) is refused, not listed.

use time::macros::datetime;
use time::Duration;

use super::test_thread as thread;
use super::*;
use crate::crypto::{Keyring, SealError, Sealer};
use crate::store::{Store, DB_FILE};

fn new_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join(DB_FILE), Sealer::new(Keyring::generate())).unwrap();
    (dir, store)
}

fn page(store: &Store, of: InboxOf) -> Result<Vec<ThreadId>> {
    store.read(|tx| {
        Ok(inbox_page(tx, of, None, 50)?
            .0
            .into_iter()
            .map(|t| t.id)
            .collect())
    })
}

#[test]
fn a_page_lists_unread_first_then_newest_and_only_the_readers_own() {
    let (_dir, store) = new_store();
    let now = datetime!(2030-06-01 12:00 UTC);
    let (casey, robin) = (AccountId::generate(), AccountId::generate());
    let old_unread = thread(casey, now - Duration::days(9), true);
    let new_read = thread(casey, now, false);
    let robins = thread(robin, now - Duration::days(1), false);
    for t in [&old_unread, &new_read, &robins] {
        store.write(|tx| put_thread(tx, t)).unwrap();
    }
    assert_eq!(
        page(&store, InboxOf::Practice).unwrap(),
        [old_unread.id, new_read.id, robins.id]
    );
    assert_eq!(
        page(&store, InboxOf::PracticeAbout(casey)).unwrap(),
        [old_unread.id, new_read.id]
    );
    assert_eq!(page(&store, InboxOf::Client(robin)).unwrap(), [robins.id]);
}

#[test]
fn a_row_naming_another_clients_thread_is_refused_sealed_or_not() {
    let (_dir, store) = new_store();
    let now = datetime!(2030-06-01 12:00 UTC);
    let (casey, robin) = (AccountId::generate(), AccountId::generate());
    let robins = thread(robin, now, false);
    store.write(|tx| put_thread(tx, &robins)).unwrap();
    // Robin's own row, moved under Casey's prefix: the key is all a reader goes by.
    let robin_row = order_keys(&robins)[2].clone();
    let mut moved = InboxOf::Client(casey).prefix();
    moved.extend_from_slice(&robin_row[InboxOf::Client(robin).prefix().len()..]);
    let refused = |store: &Store| {
        let listed = page(store, InboxOf::Client(casey));
        assert!(
            matches!(
                listed,
                Err(StoreError::Sealed {
                    source: SealError::Authentication,
                    ..
                })
            ),
            "{listed:?}"
        );
    };
    // Written with the store's key (as a bug of ours would write it) ...
    store
        .write(|tx| tx.put_index(tables::THREAD_ORDER, &moved))
        .unwrap();
    refused(&store);
    // ... or planted in the file by someone without it.
    store
        .write(|tx| {
            tx.remove_bytes(tables::THREAD_ORDER, &moved)?;
            let mut t = tx
                .txn
                .open_table(tables::THREAD_ORDER.def())
                .map_err(StoreError::db)?;
            t.insert(moved.as_slice(), b"planted".as_slice())
                .map_err(StoreError::db)?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
    refused(&store);
    assert_eq!(page(&store, InboxOf::Client(robin)).unwrap(), [robins.id]);
}

#[test]
fn a_row_naming_no_thread_is_refused_and_the_purge_never_follows_a_wrong_row() {
    let (_dir, store) = new_store();
    let now = datetime!(2030-06-01 12:00 UTC);
    let (casey, robin) = (AccountId::generate(), AccountId::generate());
    let robins = thread(robin, now, false);
    store.write(|tx| put_thread(tx, &robins)).unwrap();
    let is_refused = |r: &Result<Vec<ThreadId>>| {
        matches!(
            r,
            Err(StoreError::Sealed {
                source: SealError::Authentication,
                ..
            })
        )
    };
    // Robin's practice-side row, moved under Casey's: the purge of Casey must not take
    // Robin's conversation with it.
    let robin_row = order_keys(&robins)[1].clone();
    let mut moved = InboxOf::PracticeAbout(casey).prefix();
    moved.extend_from_slice(&robin_row[InboxOf::PracticeAbout(robin).prefix().len()..]);
    store
        .write(|tx| tx.put_index(tables::THREAD_ORDER, &moved))
        .unwrap();
    let purged = store.write(|tx| {
        threads_of_for_update(tx, casey).map(|t| t.into_iter().map(|t| t.id).collect())
    });
    assert!(is_refused(&purged), "{purged:?}");
    // A row whose thread is not there (threads take their rows with them).
    store
        .write(|tx| {
            tx.remove_bytes(tables::THREAD_ORDER, &moved)?;
            let mut gone = InboxOf::Client(casey).prefix();
            gone.push(0);
            gone.extend_from_slice(&[0; 8]);
            gone.extend_from_slice(&ThreadId::generate().0);
            tx.put_index(tables::THREAD_ORDER, &gone)
        })
        .unwrap();
    assert!(is_refused(&page(&store, InboxOf::Client(casey))));
    assert_eq!(page(&store, InboxOf::Client(robin)).unwrap(), [robins.id]);
}
