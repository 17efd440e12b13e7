//! Local administration: `alcove user …` and `alcove audit verify` on the box itself.
//!
//! While the server runs it holds the database lock, so the command line talks to it over a
//! Unix socket in the data directory (owner-only, and the peer must be the same user); when
//! the server is stopped, the command opens the store itself. Either way the work is done by
//! `commands::execute` as the local administrator, audited like any other actor.

pub mod client;
pub mod commands;
pub mod socket;

use serde::{Deserialize, Serialize};

/// File name of the admin socket inside the data directory.
pub const SOCKET_FILE: &str = "admin.sock";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum Request {
    UserList,
    ResetPassword {
        email: String,
    },
    ResetMfa {
        email: String,
    },
    Disable {
        email: String,
    },
    AuditVerify,
    Doctor,
    BackupNow,
    BackupList,
    BackupCheck,
    /// A full restore test ran (`backup verify`, `restore`): remember it for the dashboard.
    RestoreTested {
        ok: bool,
        millis: u64,
        summary: String,
    },
}

/// What commands need besides the services.
#[derive(Clone)]
pub struct Context {
    /// Where links point.
    pub origin: String,
    pub data_dir: std::path::PathBuf,
    pub config: std::sync::Arc<crate::config::Config>,
    /// Draw progress on the terminal (the command runs in the person's own process).
    pub progress: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Response {
    /// Success: text to print.
    Ok { text: String },
    /// Failure: a sentence for the person, and a non-zero exit.
    Failed { message: String },
}
