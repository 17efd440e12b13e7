//! Audit events as stored: one row per event, keyed by sequence number, each holding the
//! hash of the one before. The chain logic lives in `domain::audit`.

use serde::{Deserialize, Serialize};

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::AccountId;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEvent {
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub outcome: String,
    /// Hex SHA-256 of the previous event (zeros for the first).
    pub prev: String,
    /// Hex SHA-256 over every field above.
    pub hash: String,
}

impl Record for AuditEvent {
    const TABLE: Table = tables::AUDIT;
}

pub fn key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub fn last(tx: &WriteTx<'_>) -> Result<Option<AuditEvent>> {
    Ok(tx.last::<AuditEvent>()?.map(|(_, e)| e))
}

/// The newest event, seen from a read transaction (the chain head for a backup).
pub fn head(tx: &ReadTx<'_>) -> Result<Option<AuditEvent>> {
    Ok(tx.last::<AuditEvent>()?.map(|(_, e)| e))
}

/// Appends an event with its index rows (by client, by account, by time).
pub fn append(tx: &WriteTx<'_>, event: &AuditEvent) -> Result<()> {
    tx.put(&key(event.seq), event)?;
    index(tx, event)
}

/// Writes `event`'s index rows (also used by the migration that built the indexes).
pub(super) fn index(tx: &WriteTx<'_>, event: &AuditEvent) -> Result<()> {
    for (table, key) in index_keys(event) {
        tx.put_index(table, &key)?;
    }
    Ok(())
}

/// The index rows of one event: one per client its target names, one for the account
/// that acted, one for its time.
fn index_keys(event: &AuditEvent) -> Vec<(Table, Vec<u8>)> {
    let seq = key(event.seq);
    let mut out: Vec<(Table, Vec<u8>)> = Vec::new();
    for client in clients_in(&event.target) {
        let row = [&client.0[..], &seq].concat();
        if !out.iter().any(|(_, k)| *k == row) {
            out.push((tables::AUDIT_BY_CLIENT, row));
        }
    }
    if let Some(account) = account_of(&event.actor) {
        out.push((tables::AUDIT_BY_ACCOUNT, [&account.0[..], &seq].concat()));
    }
    out.push((
        tables::AUDIT_BY_TIME,
        [&time_key(seconds_of(event)), &seq[..]].concat(),
    ));
    out
}

/// The people a stored target is about: `client:<id>` parts (their records) and
/// `account:<id>` parts (their account: switched off, a reset link, an alert), so that
/// "events about this client" holds both.
fn clients_in(target: &str) -> impl Iterator<Item = AccountId> + '_ {
    target
        .split(' ')
        .filter_map(|part| {
            part.strip_prefix("client:")
                .or_else(|| part.strip_prefix("account:"))
        })
        .filter_map(AccountId::parse)
}

/// The account a stored actor names (`account:<id>`); jobs and visitors have none.
fn account_of(actor: &str) -> Option<AccountId> {
    actor.strip_prefix("account:").and_then(AccountId::parse)
}

fn seconds_of(event: &AuditEvent) -> i64 {
    time::OffsetDateTime::parse(&event.at, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or_default()
}

/// Unix seconds as a key that sorts as the times do (the sign bit flipped).
pub fn time_key(seconds: i64) -> [u8; 8] {
    ((seconds as u64) ^ (1 << 63)).to_be_bytes()
}

/// What a page of the audit log is narrowed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Events about this client (their records or their account).
    pub client: Option<AccountId>,
    /// Events this account did.
    pub account: Option<AccountId>,
}

/// One page of the audit log, newest first: up to `limit` events older than the event
/// `before` (a sequence number a previous page returned), narrowed by `filter`, and the
/// sequence number the next page goes on from when older events may follow. Reads the
/// page and an index lookup; with both filters the client's index is walked and each
/// event's account checked, a page of keys at a time.
pub fn page(
    tx: &ReadTx<'_>,
    filter: AuditFilter,
    before: Option<u64>,
    limit: usize,
) -> Result<(Vec<AuditEvent>, Option<u64>)> {
    let (table, prefix) = match (filter.client, filter.account) {
        (Some(client), _) => (tables::AUDIT_BY_CLIENT, client.0.to_vec()),
        (None, Some(account)) => (tables::AUDIT_BY_ACCOUNT, account.0.to_vec()),
        (None, None) => {
            let before = before.map(key);
            let mut rows =
                tx.rows_before::<AuditEvent>(before.as_ref().map(|k| &k[..]), limit + 1)?;
            let more = rows.len() > limit;
            rows.truncate(limit);
            let next = if more {
                rows.last().map(|(_, e)| e.seq)
            } else {
                None
            };
            return Ok((rows.into_iter().map(|(_, e)| e).collect(), next));
        }
    };
    let batch = limit + 1;
    let mut out: Vec<AuditEvent> = Vec::with_capacity(limit);
    let mut cursor = before.map(|seq| [&prefix[..], &key(seq)].concat());
    loop {
        let keys = tx.index_keys(table, &prefix, cursor.as_deref(), true, batch)?;
        for row in &keys {
            if out.len() == limit {
                return Ok((out.clone(), out.last().map(|e| e.seq)));
            }
            let mut seq = [0u8; 8];
            seq.copy_from_slice(&row[row.len() - 8..]);
            let Some(event) = tx.get::<AuditEvent>(&seq)? else {
                continue;
            };
            let about = filter
                .client
                .is_none_or(|c| clients_in(&event.target).any(|x| x == c));
            let by = filter
                .account
                .is_none_or(|a| account_of(&event.actor) == Some(a));
            if about && by {
                out.push(event);
            }
        }
        if keys.len() < batch {
            return Ok((out, None));
        }
        cursor = keys.last().cloned();
    }
}

/// Removes `event`'s index rows (the purge of old events).
fn unindex(tx: &WriteTx<'_>, event: &AuditEvent) -> Result<()> {
    for (table, key) in index_keys(event) {
        tx.remove_bytes(table, &key)?;
    }
    Ok(())
}

/// Every event in sequence order, with the key it is stored under (tests: a real log is
/// walked, see `walk`).
#[cfg(test)]
pub fn all(tx: &ReadTx<'_>) -> Result<Vec<(Vec<u8>, AuditEvent)>> {
    tx.all()
}

/// Hands every event from `first` on to `each`, in sequence order, a batch at a time
/// (the log can hold millions: they are never all in memory), until `each` says stop.
pub fn walk(
    tx: &ReadTx<'_>,
    first: u64,
    mut each: impl FnMut(&AuditEvent) -> std::ops::ControlFlow<()>,
) -> Result<()> {
    const BATCH: usize = 4096;
    let mut start = key(first).to_vec();
    loop {
        let rows = tx.rows_from::<AuditEvent>(&start, BATCH)?;
        for (_, event) in &rows {
            if each(event).is_break() {
                return Ok(());
            }
        }
        match rows.last() {
            Some((_, last)) if rows.len() == BATCH => start = key(last.seq + 1).to_vec(),
            _ => return Ok(()),
        }
    }
}

/// Up to `limit` events from sequence number `first` on, in order: for a walk that takes a
/// read transaction per batch, so that no snapshot is held for the whole log (redb keeps
/// every page a reader may see until it ends, and the first commit after a long reader
/// frees them all, holding other writers meanwhile).
pub fn events_from(tx: &ReadTx<'_>, first: u64, limit: usize) -> Result<Vec<AuditEvent>> {
    Ok(tx
        .rows_from::<AuditEvent>(&key(first), limit)?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// Where the kept chain starts once the oldest events were purged by retention: the first
/// kept sequence number and the hash it must follow.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditAnchor {
    pub seq: u64,
    pub prev: String,
}

impl Record for AuditAnchor {
    const TABLE: Table = tables::META;
}

const ANCHOR_KEY: &[u8] = b"audit_anchor";

pub fn anchor(tx: &ReadTx<'_>) -> Result<Option<AuditAnchor>> {
    tx.get(ANCHOR_KEY)
}

/// The anchor, seen from a write transaction (where an empty log's next event follows).
pub fn anchor_for_update(tx: &WriteTx<'_>) -> Result<Option<AuditAnchor>> {
    tx.get(ANCHOR_KEY)
}

/// Removes the oldest events while `old` says so, at most `limit` of them, and re-anchors
/// the chain at the first one kept. The newest event always stays, however old: it is the
/// head the next event follows and the one a verification reaches. Returns how many went
/// and whether the walk reached an event to keep or the end of the log (`false`: call
/// again, in another transaction).
pub fn purge_oldest(
    tx: &WriteTx<'_>,
    limit: usize,
    old: impl Fn(&AuditEvent) -> bool,
) -> Result<(u64, bool)> {
    let start = tx.get::<AuditAnchor>(ANCHOR_KEY)?.map_or(1, |a| a.seq);
    let newest = last(tx)?.map_or(0, |e| e.seq);
    let rows = tx.rows_from::<AuditEvent>(&key(start), limit)?;
    let mut done = rows.len() < limit;
    let mut removed = 0;
    let mut last = None;
    for (k, event) in rows {
        if !old(&event) || event.seq == newest {
            done = true;
            break;
        }
        tx.remove::<AuditEvent>(&k)?;
        unindex(tx, &event)?;
        removed += 1;
        last = Some(event);
    }
    if let Some(last) = last {
        let anchor = AuditAnchor {
            seq: last.seq + 1,
            prev: last.hash,
        };
        tx.put(ANCHOR_KEY, &anchor)?;
    }
    Ok((removed, done))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Keyring, Sealer};
    use crate::store::Store;

    fn event(seq: u64, actor: AccountId, client: Option<AccountId>, at: &str) -> AuditEvent {
        AuditEvent {
            seq,
            at: at.into(),
            actor: format!("account:{actor}"),
            role: "owner".into(),
            action: "client.read".into(),
            target: client.map_or("practice".into(), |c| format!("client:{c} thread:00")),
            ip: String::new(),
            outcome: "ok".into(),
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn seqs(page: &(Vec<AuditEvent>, Option<u64>)) -> Vec<u64> {
        page.0.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn pages_follow_the_index_of_a_client_an_account_or_both_and_the_purge_drops_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let store =
            Store::create(&tmp.path().join("s.redb"), Sealer::new(Keyring::generate())).unwrap();
        let (ann, bo) = (AccountId::generate(), AccountId::generate());
        let (casey, dana) = (AccountId::generate(), AccountId::generate());
        // 1..=120: Ann acts on odd events, Bo on even; every third is about Casey, every
        // fifth about Dana, the rest about the practice.
        store
            .write(|tx| {
                for seq in 1..=120u64 {
                    let actor = if seq % 2 == 1 { ann } else { bo };
                    let client = match seq {
                        s if s % 3 == 0 => Some(casey),
                        s if s % 5 == 0 => Some(dana),
                        _ => None,
                    };
                    append(tx, &event(seq, actor, client, "2026-03-01T10:00:00Z"))?;
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .unwrap();
        let page = |filter, before| store.read(|tx| page(tx, filter, before, 10)).unwrap();
        let all = AuditFilter::default();
        let first = page(all, None);
        assert_eq!(seqs(&first), (111..=120).rev().collect::<Vec<_>>());
        assert_eq!(first.1, Some(111));
        let second = page(all, first.1);
        assert_eq!(seqs(&second), (101..=110).rev().collect::<Vec<_>>());

        let about_casey = AuditFilter {
            client: Some(casey),
            account: None,
        };
        let casey_first = page(about_casey, None);
        assert_eq!(
            seqs(&casey_first),
            (0..10).map(|i| 120 - 3 * i).collect::<Vec<_>>()
        );
        let mut every = seqs(&casey_first);
        let mut next = casey_first.1;
        while let Some(before) = next {
            let more = page(about_casey, Some(before));
            every.extend(seqs(&more));
            next = more.1;
        }
        assert_eq!(every, (1..=40).rev().map(|i| 3 * i).collect::<Vec<_>>());

        // An event about Casey's account (switched off, a reset link) is about Casey.
        store
            .write(|tx| {
                let mut e = event(121, ann, None, "2026-03-01T10:00:00Z");
                e.target = format!("account:{casey}");
                append(tx, &e)
            })
            .unwrap();
        assert_eq!(seqs(&page(about_casey, None))[..2], [121, 120]);
        let casey_by_bo = AuditFilter {
            client: Some(casey),
            account: Some(bo),
        };
        let both = page(casey_by_bo, None);
        assert_eq!(
            seqs(&both),
            (0..10).map(|i| 120 - 6 * i).collect::<Vec<_>>()
        );
        let by_ann = AuditFilter {
            client: None,
            account: Some(ann),
        };
        assert!(page(by_ann, None).0.iter().all(|e| e.seq % 2 == 1));

        // The purge of events 1..61 takes their index rows with them.
        let (gone, done) = store
            .write(|tx| purge_oldest(tx, 100, |e| e.seq < 61))
            .unwrap();
        assert_eq!((gone, done), (60, true));
        let mut kept = Vec::new();
        let mut next = None;
        loop {
            let p = page(about_casey, next);
            kept.extend(seqs(&p));
            match p.1 {
                Some(n) => next = Some(n),
                None => break,
            }
        }
        let expected: Vec<u64> = std::iter::once(121)
            .chain((21..=40).rev().map(|i| 3 * i))
            .collect();
        assert_eq!(kept, expected);
        let rows = store.read(|tx| tx.count(tables::AUDIT_BY_CLIENT)).unwrap();
        assert_eq!(rows, 21 + 8, "Casey's 21 kept events and Dana's 8");
        assert_eq!(
            store.read(|tx| tx.count(tables::AUDIT_BY_TIME)).unwrap(),
            61
        );
    }
}
