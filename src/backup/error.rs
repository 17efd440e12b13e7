//! What can go wrong with a backup file, in words the owner can act on.

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("This file is not an Alcove backup (it is not an age-encrypted file).")]
    NotAge,
    #[error("This backup was not made for this recovery key (or the key file is not a recovery key). Nothing was changed.")]
    WrongKey,
    #[error("The backup file is damaged or incomplete: {0}. Nothing was changed; try another copy of the backup.")]
    Damaged(String),
    #[error("This file is not an Alcove backup: {0}. Nothing was changed.")]
    NotAlcove(String),
    #[error("{0}")]
    Refused(String),
    #[error("could not read or write files: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Keyring(#[from] crate::crypto::keyring::KeyringError),
    #[error(transparent)]
    Unlock(#[from] crate::crypto::UnlockError),
}
