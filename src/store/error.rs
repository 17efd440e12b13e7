//! Errors of the store layer. They name tables and causes, never record contents.

use crate::crypto::SealError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is already in use by another Alcove process")]
    InUse,
    #[error("database error: {0}")]
    Db(String),
    #[error("a value in table `{table}` did not open: {source}")]
    Sealed {
        table: &'static str,
        source: SealError,
    },
    #[error("a value in table `{table}` is not in the expected format")]
    Format { table: &'static str },
    #[error("this data directory was written by a newer Alcove (schema {found}); this program understands up to schema {supported} — install the newer version. Nothing was changed.")]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("could not read or write the database file: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    pub(super) fn db(e: impl Into<redb::Error>) -> Self {
        match e.into() {
            redb::Error::DatabaseAlreadyOpen => StoreError::InUse,
            redb::Error::Io(io) => StoreError::Io(io),
            other => StoreError::Db(other.to_string()),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
