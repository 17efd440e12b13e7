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

/// Every event in sequence order, with the key it is stored under.
pub fn all(tx: &ReadTx<'_>) -> Result<Vec<(Vec<u8>, AuditEvent)>> {
    tx.all()
}
