//! What one client has, by kind — appointments, form links, submissions, files — so a
//! chart section (or the purge) reads that client's own rows instead of the whole table. Index rows (empty sealed values)
//! keyed by client id, kind, a sort key and the record's own key; the records stay where
//! they are. The keys hold no content; they show when a record was made (or, for an
//! appointment, when it is).

use time::OffsetDateTime;

use super::error::Result;
use super::record::{ReadTx, WriteTx};
use super::tables;
use crate::ids::AccountId;

/// Which of a client's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Soonest first.
    Appointment = 1,
    /// Newest first.
    FormLink = 2,
    /// Newest first.
    Submission = 3,
    /// Oldest first: files sent in conversations or uploaded with forms.
    Attachment = 4,
}

/// Sorts as the times do.
pub fn oldest_first(at: OffsetDateTime) -> [u8; 8] {
    super::audit::time_key(at.unix_timestamp())
}

/// Sorts newest first.
pub fn newest_first(at: OffsetDateTime) -> [u8; 8] {
    (u64::MAX - u64::from_be_bytes(oldest_first(at))).to_be_bytes()
}

/// The rows of one client's records of one kind start with this.
pub(super) fn prefix(client: AccountId, kind: Kind) -> Vec<u8> {
    let mut key = client.0.to_vec();
    key.push(kind as u8);
    key
}

fn row(client: AccountId, kind: Kind, sort: [u8; 8], record: &[u8]) -> Vec<u8> {
    [&prefix(client, kind)[..], &sort, record].concat()
}

/// The time a row's sort key holds, to the second (`row` is a whole index row).
pub(super) fn time_of(row: &[u8], kind: Kind) -> Option<OffsetDateTime> {
    let sort: [u8; 8] = row.get(17..25)?.try_into().ok()?;
    let mut key = u64::from_be_bytes(sort);
    if matches!(kind, Kind::FormLink | Kind::Submission) {
        key = u64::MAX - key;
    }
    OffsetDateTime::from_unix_timestamp((key ^ (1 << 63)) as i64).ok()
}

/// Notes that the record stored under `record` belongs to `client`.
pub fn note(
    tx: &WriteTx<'_>,
    client: AccountId,
    kind: Kind,
    sort: [u8; 8],
    record: &[u8],
) -> Result<()> {
    tx.put_index(tables::CLIENT_ITEMS, &row(client, kind, sort, record))
}

/// Forgets what `note` noted (the record is being removed).
pub fn forget(
    tx: &WriteTx<'_>,
    client: AccountId,
    kind: Kind,
    sort: [u8; 8],
    record: &[u8],
) -> Result<()> {
    tx.remove_bytes(tables::CLIENT_ITEMS, &row(client, kind, sort, record))
        .map(|_| ())
}

/// The keys of up to `limit` of the client's records of `kind`, in their order, from the
/// sort key `from` on (all of them without it).
pub fn keys(
    tx: &ReadTx<'_>,
    client: AccountId,
    kind: Kind,
    from: Option<[u8; 8]>,
    limit: usize,
) -> Result<Vec<Vec<u8>>> {
    let prefix = prefix(client, kind);
    // Every row with sort key `from` is longer than this start, so comes after it.
    let start = from.map(|f| [&prefix[..], &f].concat());
    let rows = tx.index_keys(
        tables::CLIENT_ITEMS,
        &prefix,
        start.as_deref(),
        false,
        limit,
    )?;
    Ok(rows
        .into_iter()
        .map(|r| r[prefix.len() + 8..].to_vec())
        .collect())
}

/// The keys of every one of the client's records of `kind`, inside a write (switching an
/// account off withdraws its links): the client's own rows, not the table.
pub fn keys_for_update(tx: &WriteTx<'_>, client: AccountId, kind: Kind) -> Result<Vec<Vec<u8>>> {
    let prefix = prefix(client, kind);
    Ok(tx
        .index_keys_for_update(tables::CLIENT_ITEMS, &prefix)?
        .into_iter()
        .map(|r| r[prefix.len() + 8..].to_vec())
        .collect())
}
