//! `[backup]` in the configuration: plain data, read by the backup job and `alcove backup`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;

/// Scheduled encrypted backups.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// When to back up: a cron expression with seconds, in local time
    /// (`sec min hour day-of-month month day-of-week`).
    pub schedule: String,
    /// When to re-read every backup file and report damage.
    pub check_schedule: String,
    /// When to remind the owner (by email and on the backups page) that a restore drill is
    /// due: monthly by default. A reminder goes out only when no drill ran since the last
    /// one. The drill itself needs the recovery key, which is kept off this computer, so it
    /// is always run by a person: `alcove backup drill --identity KEY`.
    pub drill_schedule: String,
    /// Extra folders (a mounted USB disk) that get a copy of every backup, besides
    /// `DATA_DIR/backups`.
    pub folders: Vec<PathBuf>,
    /// Extra age recipients (`age1…`) who can also open the backups.
    pub recipients: Vec<String>,
    pub keep: Keep,
    /// S3-compatible object storage that gets a copy of every backup.
    pub s3: Option<S3Config>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            schedule: "0 30 2 * * *".into(),
            check_schedule: "0 0 4 * * Sun".into(),
            drill_schedule: "0 0 9 1 * *".into(),
            folders: Vec::new(),
            recipients: Vec::new(),
            keep: Keep::default(),
            s3: None,
        }
    }
}

/// How many backups rotation keeps in each target.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Keep {
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
}

impl Default for Keep {
    fn default() -> Self {
        Self {
            daily: 7,
            weekly: 4,
            monthly: 12,
        }
    }
}

/// `[backup.s3]` in the configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// For S3-compatible services (`https://s3.example.net`); empty means AWS.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub bucket: String,
    /// Folder inside the bucket, for example `alcove/`.
    #[serde(default)]
    pub prefix: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    /// Never logged; prefer `ALCOVE_BACKUP__S3__SECRET_ACCESS_KEY`.
    pub secret_access_key: Secret,
}

fn default_region() -> String {
    "us-east-1".into()
}

impl S3Config {
    /// Plain `http://` only to this machine (a test server or a local gateway).
    pub fn validate(&self) -> Result<(), super::Rule> {
        if self.bucket.is_empty() {
            return Err(super::Rule::S3Bucket);
        }
        if let Some(endpoint) = &self.endpoint {
            let lower = endpoint.to_ascii_lowercase();
            let local = ["http://localhost", "http://127.0.0.1", "http://[::1]"]
                .iter()
                .any(|p| lower.starts_with(p));
            if lower.starts_with("http://") && !local {
                return Err(super::Rule::S3Https);
            }
        }
        Ok(())
    }
}
