//! Errors of the store layer. They name tables and causes, never record contents.

use crate::crypto::SealError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is already in use by another Alcove process")]
    InUse,
    /// redb's own error, for what the variants below do not tell apart.
    #[error("database error: {0}")]
    Db(#[source] redb::Error),
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
    /// The disk had no room for a write; nothing of that transaction was saved.
    #[error("the disk is full: nothing was saved")]
    DiskFull,
    /// An earlier write failed and the database waits to be reopened.
    #[error("the database is reopening after a failed write")]
    Unavailable,
    /// The test hook was asked to go back more than the one migration it can undo.
    #[doc(hidden)]
    #[error("the test hook cannot undo the migrations down to schema {0}")]
    RewindTooFar(u32),
}

impl StoreError {
    pub(super) fn db(e: impl Into<redb::Error>) -> Self {
        let error = match e.into() {
            redb::Error::DatabaseAlreadyOpen => StoreError::InUse,
            redb::Error::Io(io) => StoreError::from_io(io),
            redb::Error::PreviousIo | redb::Error::DatabaseClosed => StoreError::Unavailable,
            other => StoreError::Db(other),
        };
        super::health::note(&error);
        error
    }

    /// A full disk (or quota) is told apart from other I/O errors.
    pub(super) fn from_io(io: std::io::Error) -> Self {
        const ENOSPC: i32 = 28;
        const EDQUOT: i32 = 122;
        if io.kind() == std::io::ErrorKind::StorageFull
            || matches!(io.raw_os_error(), Some(ENOSPC | EDQUOT))
        {
            StoreError::DiskFull
        } else {
            StoreError::Io(io)
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
