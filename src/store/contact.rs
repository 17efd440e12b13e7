//! What a client's index rows say about contact, without opening a record: the latest
//! activity in their conversations, their latest form submission, the latest appointment
//! that has begun, and whether one is still to come. Retention's review list reads this
//! for every client (five index lookups each, whatever the store's size); the purge reads
//! the same rows again, all of that client's, inside its own transaction. Submissions and
//! appointments count to the second (their rows' precision), conversations to the
//! nanosecond.

use time::OffsetDateTime;

use super::by_client::{self, Kind};
use super::error::Result;
use super::messages;
use super::record::{ReadTx, WriteTx};
use super::tables;
use crate::ids::AccountId;

/// A client's contact as their records show it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// The latest contact that has happened (absent with no conversation, submission or
    /// begun appointment). A record stamped by a clock that ran ahead can put it after now.
    pub last: Option<OffsetDateTime>,
    /// An appointment is still to come.
    pub upcoming: bool,
}

/// The client's rows in the inboxes' order, submissions and appointments, folded.
fn fold(
    client: AccountId,
    threads: &[Vec<u8>],
    submissions: &[Vec<u8>],
    appointments: &[Vec<u8>],
    now: OffsetDateTime,
) -> Seen {
    let about = messages::about_prefix(client, None).len();
    let mut seen = Seen::default();
    let mut saw = |at: Option<OffsetDateTime>| {
        if let Some(at) = at {
            seen.last = Some(seen.last.map_or(at, |l| l.max(at)));
        }
    };
    threads
        .iter()
        .for_each(|r| saw(messages::activity_of(r, about)));
    submissions
        .iter()
        .for_each(|r| saw(by_client::time_of(r, Kind::Submission)));
    let mut upcoming = false;
    for row in appointments {
        match by_client::time_of(row, Kind::Appointment) {
            Some(at) if at.unix_timestamp() <= now.unix_timestamp() => saw(Some(at)),
            Some(_) => upcoming = true,
            None => {}
        }
    }
    Seen { upcoming, ..seen }
}

/// A client's contact as of `now`, from a handful of index rows.
pub fn seen(tx: &ReadTx<'_>, client: AccountId, now: OffsetDateTime) -> Result<Seen> {
    let first = |table, prefix: &[u8], after: Option<&[u8]>, descending| {
        tx.index_keys(table, prefix, after, descending, 1)
    };
    let mut threads = first(
        tables::THREAD_ORDER,
        &messages::about_prefix(client, Some(true)),
        None,
        false,
    )?;
    threads.extend(first(
        tables::THREAD_ORDER,
        &messages::about_prefix(client, Some(false)),
        None,
        false,
    )?);
    let submissions = first(
        tables::CLIENT_ITEMS,
        &by_client::prefix(client, Kind::Submission),
        None,
        false,
    )?;
    let booked = by_client::prefix(client, Kind::Appointment);
    // Every row of an appointment at or after the next second sorts after this.
    let next_second = by_client::oldest_first(now + time::Duration::seconds(1));
    let boundary = [&booked[..], &next_second].concat();
    let mut appointments = first(tables::CLIENT_ITEMS, &booked, Some(&boundary), true)?;
    appointments.extend(first(
        tables::CLIENT_ITEMS,
        &booked,
        Some(&boundary),
        false,
    )?);
    Ok(fold(client, &threads, &submissions, &appointments, now))
}

/// The same, inside a write, from all of the client's rows (the purge's re-check).
pub fn seen_for_update(tx: &WriteTx<'_>, client: AccountId, now: OffsetDateTime) -> Result<Seen> {
    let rows = |table, prefix: Vec<u8>| tx.index_keys_for_update(table, &prefix);
    let threads = rows(tables::THREAD_ORDER, messages::about_prefix(client, None))?;
    let submissions = rows(
        tables::CLIENT_ITEMS,
        by_client::prefix(client, Kind::Submission),
    )?;
    let appointments = rows(
        tables::CLIENT_ITEMS,
        by_client::prefix(client, Kind::Appointment),
    )?;
    Ok(fold(client, &threads, &submissions, &appointments, now))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use time::Duration;

    use super::*;
    use crate::crypto::{Keyring, Sealer};
    use crate::ids::{AppointmentId, FormId, FormLinkId, SubmissionId};
    use crate::store::appointments::{self, Appointment, Setting};
    use crate::store::messages::test_thread as thread;
    use crate::store::submissions::{self, Submission};
    use crate::store::{Store, StoreError};

    fn appointment(client: AccountId, starts_at: OffsetDateTime) -> Appointment {
        Appointment {
            id: AppointmentId::generate(),
            client,
            starts_at,
            minutes: 50,
            setting: Setting::InPerson,
            note: String::new(),
            reminded: false,
        }
    }

    fn submission(client: AccountId, at: OffsetDateTime) -> Submission {
        Submission {
            id: SubmissionId::generate(),
            form: FormId::generate(),
            form_name: "Intake".into(),
            version: 1,
            client,
            answers: Vec::new(),
            signature: None,
            sha256: String::new(),
            submitted_at: at,
            link: FormLinkId::generate(),
        }
    }

    /// Both readings, which must agree.
    fn both(store: &Store, client: AccountId, now: OffsetDateTime) -> Seen {
        let quick = store.read(|tx| seen(tx, client, now)).unwrap();
        let full = store.write(|tx| seen_for_update(tx, client, now)).unwrap();
        assert_eq!(quick, full, "the lookups and the full reading agree");
        quick
    }

    #[test]
    fn the_latest_contact_of_each_kind_counts_and_only_this_clients() {
        let tmp = tempfile::tempdir().unwrap();
        let store =
            Store::create(&tmp.path().join("s.redb"), Sealer::new(Keyring::generate())).unwrap();
        let now = datetime!(2030-06-01 12:00:00.5 UTC);
        let casey = AccountId::generate();
        let other = AccountId::generate();
        assert_eq!(both(&store, casey, now), Seen::default());

        // Conversations, read and unread: the latest of either group counts.
        let read = now - Duration::days(40);
        let unread = now - Duration::days(90);
        store
            .write(|tx| {
                messages::put_thread(tx, &thread(casey, read, false))?;
                messages::put_thread(tx, &thread(casey, unread, true))?;
                messages::put_thread(tx, &thread(other, now, false))
            })
            .unwrap();
        assert_eq!(both(&store, casey, now).last, Some(read));
        store
            .write(|tx| messages::put_thread(tx, &thread(casey, now - Duration::days(3), true)))
            .unwrap();
        assert_eq!(both(&store, casey, now).last, Some(now - Duration::days(3)));

        // A later submission wins, to the second.
        let submitted = datetime!(2030-05-31 09:30:00.25 UTC);
        store
            .write(|tx| submissions::add(tx, &submission(casey, submitted)))
            .unwrap();
        assert_eq!(
            both(&store, casey, now).last,
            Some(datetime!(2030-05-31 09:30 UTC))
        );

        // An appointment in this very second has begun; one a second later is to come.
        store
            .write(|tx| {
                appointments::add(tx, &appointment(casey, datetime!(2030-06-01 12:00 UTC)))?;
                appointments::add(tx, &appointment(other, now + Duration::days(9)))
            })
            .unwrap();
        let seen = both(&store, casey, now);
        assert_eq!(seen.last, Some(datetime!(2030-06-01 12:00 UTC)));
        assert!(!seen.upcoming, "another client's booking is not this one's");
        store
            .write(|tx| appointments::add(tx, &appointment(casey, now + Duration::seconds(1))))
            .unwrap();
        let seen = both(&store, casey, now);
        assert!(seen.upcoming);
        assert_eq!(seen.last, Some(datetime!(2030-06-01 12:00 UTC)));
        // Seen a day on, that booking has begun and is the latest contact.
        let later = now + Duration::days(1);
        let seen = both(&store, casey, later);
        assert!(!seen.upcoming);
        assert_eq!(seen.last, Some(datetime!(2030-06-01 12:00:01 UTC)));
    }

    #[test]
    fn an_index_row_without_the_stores_seal_is_refused_not_counted() {
        let tmp = tempfile::tempdir().unwrap();
        let store =
            Store::create(&tmp.path().join("s.redb"), Sealer::new(Keyring::generate())).unwrap();
        let now = datetime!(2030-06-01 12:00 UTC);
        let casey = AccountId::generate();
        store
            .write(|tx| appointments::add(tx, &appointment(casey, now + Duration::days(9))))
            .unwrap();
        assert!(both(&store, casey, now).upcoming);
        // The same row, its sealed value replaced, as someone who can write the file but
        // has no key could plant it: every reading refuses it rather than keep the client.
        store
            .write(|tx| {
                let prefix = by_client::prefix(casey, Kind::Appointment);
                let keys = tx.keys_with_prefix(tables::CLIENT_ITEMS, &prefix)?;
                let mut t = tx
                    .txn
                    .open_table(tables::CLIENT_ITEMS.def())
                    .map_err(StoreError::db)?;
                for key in keys {
                    t.insert(key.as_slice(), b"planted".as_slice())
                        .map_err(StoreError::db)?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let full = store.write(|tx| seen_for_update(tx, casey, now));
        assert!(matches!(full, Err(StoreError::Sealed { .. })), "{full:?}");
        let quick = store.read(|tx| seen(tx, casey, now));
        assert!(matches!(quick, Err(StoreError::Sealed { .. })), "{quick:?}");
        let keys = store.write(|tx| by_client::keys_for_update(tx, casey, Kind::Appointment));
        assert!(matches!(keys, Err(StoreError::Sealed { .. })), "{keys:?}");
    }
}
