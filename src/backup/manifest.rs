//! `manifest.json`: what a backup holds, so a restore can prove it got all of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The format this build writes and reads.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub size: u64,
    pub sha256: String,
}

/// The newest audit event when the snapshot was taken.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub alcove_version: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub schema_version: u32,
    /// Rows per table.
    pub counts: BTreeMap<String, u64>,
    /// Every other file in the tar.
    pub files: BTreeMap<String, FileEntry>,
    pub audit_head: Option<AuditHead>,
    /// The public keys the file and its keyring are encrypted to (absent in backups made
    /// before the keyring was locked to them; those restore with the recovery key only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}
