//! What the retention purge remembers about the clock between runs: the last run that found
//! the clock sane (or the owner's word that it is right), and why the last run refused.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PurgeClock {
    /// The clock at the last purge run that found it sane, or when the owner confirmed it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sane_at: Option<OffsetDateTime>,
    /// The audit head's sequence number then: later checks read only the events after it.
    #[serde(default)]
    pub sane_seq: u64,
    /// Why the last run refused to purge (plain words, no client data); `None` once a run
    /// went through or the owner confirmed the clock.
    #[serde(default)]
    pub refused: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub refused_at: Option<OffsetDateTime>,
    /// Legacy sign-ins (from the audit log, before the profile kept them) were copied into
    /// the client profiles.
    #[serde(default)]
    pub sign_ins_backfilled: bool,
}

impl Record for PurgeClock {
    const TABLE: Table = tables::PRACTICE;
}

const KEY: &[u8] = b"retention_clock";

pub fn load(tx: &ReadTx<'_>) -> Result<PurgeClock> {
    Ok(tx.get(KEY)?.unwrap_or_default())
}

pub fn load_for_update(tx: &WriteTx<'_>) -> Result<PurgeClock> {
    Ok(tx.get(KEY)?.unwrap_or_default())
}

pub fn save(tx: &WriteTx<'_>, clock: &PurgeClock) -> Result<()> {
    tx.put(KEY, clock)
}
