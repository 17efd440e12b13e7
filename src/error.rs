//! Errors of the command line: each prints as a sentence a practice owner can act on (its
//! `Display`, which already names the cause); the cause stays reachable as its `source`.

use std::net::SocketAddr;

use crate::config::ConfigError;
use crate::crypto::UnlockError;
use crate::datadir::{InitError, OpenError};
use crate::mail::MailError;
use crate::store::StoreError;
use crate::tls::TlsError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Init(#[from] InitError),
    #[error("configuration error: {0}")]
    Mail(#[from] MailError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("could not use the passphrase file: {0}")]
    Passphrase(#[source] UnlockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(
        "could not listen for {what} on {addr}: {source} (is another program using that port?)"
    )]
    Bind {
        what: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the web server stopped with an error: {0}")]
    Server(#[source] std::io::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Admin(String),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    /// A service refused or failed (recording a restore in the restored store).
    #[error(transparent)]
    Service(#[from] crate::domain::ServiceError),
    #[error("could not read the recovery key: {0}")]
    RecoveryKey(#[source] UnlockError),
}
