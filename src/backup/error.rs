//! What can go wrong with a backup file, in words the owner can act on.

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("This file is not an Alcove backup (it is not an age-encrypted file).")]
    NotAge,
    #[error("This backup file was not made for this key: it opens only with the keys it was encrypted to (the recovery key and any extra backup recipients). Nothing was changed.")]
    WrongKey,
    /// The file opened with the key, but the keyring inside it did not.
    #[error(
        "This key opens the backup file, but not the keyring inside it: {0}. Nothing was changed."
    )]
    KeyringNotForKey(&'static str),
    #[error("The backup file is damaged or incomplete: {0}. Nothing was changed; try another copy of the backup.")]
    Damaged(String),
    #[error("This file is not an Alcove backup: {0}. Nothing was changed.")]
    NotAlcove(String),
    #[error("{0}")]
    Refused(String),
    #[error("The backup was written to {written}, but could not be copied to {failed}.")]
    NotCopied { written: String, failed: String },
    #[error("could not read or write files: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Keyring(#[from] crate::crypto::keyring::KeyringError),
    #[error(transparent)]
    Unlock(#[from] crate::crypto::UnlockError),
}
