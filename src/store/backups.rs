//! What the server knows about its backups (name, size, digest, where copies went) and
//! about its scheduled jobs (last run, result, next run). No client data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::record::Record;
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
