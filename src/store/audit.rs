//! Audit events as stored: one row per event, keyed by sequence number, each holding the
//! hash of the one before. The chain logic lives in `domain::audit`.

use serde::{Deserialize, Serialize};

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};

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

pub fn append(tx: &WriteTx<'_>, event: &AuditEvent) -> Result<()> {
    tx.put(&key(event.seq), event)
}

/// Every event in sequence order, inside a write transaction.
pub fn all_write(tx: &WriteTx<'_>) -> Result<Vec<AuditEvent>> {
    Ok(tx
        .all::<AuditEvent>()?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// Every event in sequence order, with the key it is stored under.
pub fn all(tx: &ReadTx<'_>) -> Result<Vec<(Vec<u8>, AuditEvent)>> {
    tx.all()
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

/// Removes events `1..before` (those older than the retention period) and records the
/// anchor the chain then starts from. Returns how many went.
pub fn purge_before(tx: &WriteTx<'_>, before: u64) -> Result<u64> {
    let mut removed = 0;
    let mut prev = None;
    let start = tx.get::<AuditAnchor>(ANCHOR_KEY)?.map_or(1, |a| a.seq);
    for seq in start..before {
        if let Some(event) = tx.get::<AuditEvent>(&key(seq))? {
            tx.remove::<AuditEvent>(&key(seq))?;
            prev = Some(event.hash);
            removed += 1;
        }
    }
    if let Some(prev) = prev {
        tx.put(ANCHOR_KEY, &AuditAnchor { seq: before, prev })?;
    }
    Ok(removed)
}
