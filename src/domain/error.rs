//! What a service call can fail with. Messages are for people and carry no record content.

use crate::crypto::password::PasswordProblem;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("you do not have access to that")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A field the person typed is not acceptable; `field` names the form field.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Password(#[from] PasswordProblem),
    #[error("Please confirm your password and code again to continue.")]
    ReauthRequired,
    /// A reply into a closed conversation. Carries what the page needs to offer sending it
    /// as a new conversation instead (never shown in logs).
    #[error("the conversation is closed")]
    ThreadClosed(super::messages::ClosedThread),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A backup could not be taken, read or copied; the message says why in plain words.
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    /// The password hashing pool gave no answer (it is shutting down).
    #[error("internal error: password hashing failed")]
    PasswordHashing,
    /// A stored file lacks one of its chunks.
    #[error("internal error: an attachment chunk is missing")]
    ChunkMissing,
}

impl ServiceError {
    /// A refusal the page answers by showing the form again with what was typed: a field
    /// that needs another look, or a full disk (nothing was saved).
    pub fn keeps_draft(&self) -> bool {
        matches!(
            self,
            ServiceError::Invalid { .. } | ServiceError::Store(StoreError::DiskFull)
        )
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field,
            message: message.into(),
        }
    }
}
