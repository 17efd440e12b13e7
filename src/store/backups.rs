//! What the server knows about its backups (name, size, digest, where copies went) and
//! about its scheduled jobs (last run, result, next run), and what the last restore
//! voided. No client data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupRecord {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub size: u64,
    pub sha256: String,
    /// Folders holding a copy.
    pub targets: Vec<String>,
    pub counts: BTreeMap<String, u64>,
}

impl Record for BackupRecord {
    const TABLE: Table = tables::BACKUPS;
}

/// A scheduled job's last run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobStatus {
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_run: Option<OffsetDateTime>,
    pub ok: bool,
    /// What happened, in a sentence (no client data).
    pub summary: String,
    /// How long it took, in milliseconds.
    pub millis: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_run: Option<OffsetDateTime>,
}

impl Record for JobStatus {
    const TABLE: Table = tables::JOBS;
}

/// Links a restore voided, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidedLinks {
    pub invitations: usize,
    pub password_resets: usize,
    pub email_confirmations: usize,
    pub form_links: usize,
}

impl VoidedLinks {
    pub fn total(&self) -> usize {
        self.invitations + self.password_resets + self.email_confirmations + self.form_links
    }
}

/// The last restore into this store, for the owner's home.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestoreNotice {
    #[serde(with = "time::serde::rfc3339")]
    pub restored_at: OffsetDateTime,
    /// The backup file's name.
    pub backup: String,
    pub voided: VoidedLinks,
}

// One row beside the practice's profile: a table of its own would need a migration.
impl Record for RestoreNotice {
    const TABLE: Table = tables::PRACTICE;
}

const RESTORE_NOTICE_KEY: &[u8] = b"restore_notice";

pub fn restore_notice(tx: &ReadTx<'_>) -> Result<Option<RestoreNotice>> {
    tx.get(RESTORE_NOTICE_KEY)
}

pub fn save_restore_notice(tx: &WriteTx<'_>, notice: &RestoreNotice) -> Result<()> {
    tx.put(RESTORE_NOTICE_KEY, notice)
}
