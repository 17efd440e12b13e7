//! What can go wrong with a backup file, in words the owner can act on.

use std::path::PathBuf;

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
    #[error("The backup has no usable recipient ({0}).")]
    NoRecipient(#[source] age::EncryptError),
    #[error("The backup's manifest could not be written: {0}.")]
    Manifest(#[source] serde_json::Error),
    #[error(
        "No backup was taken: the recovery key's public half ({file}) cannot be read ({0}).",
        file = crate::crypto::unlock::RECOVERY_RECIPIENT_FILE
    )]
    RecoveryRecipient(#[source] crate::crypto::UnlockError),
    #[error("No backup was taken: the configuration file {} cannot be read ({source}).", path.display())]
    ConfigUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("An old backup ({name}) could not be removed by rotation: {source}.")]
    NotRemoved {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// Object storage (S3) refused or failed `what` (\"upload\", \"list\", …).
    #[error("object storage: could not {what}: {source}")]
    ObjectStorage {
        what: &'static str,
        #[source]
        source: object_store::Error,
    },
    #[error("object storage: could not start: {0}")]
    ObjectStorageRuntime(#[source] std::io::Error),
    #[error("{} is not empty; choose a new folder, or add --force to move its contents aside", .0.display())]
    TargetNotEmpty(PathBuf),
    #[error("a server is running on {}; stop it first", .0.display())]
    ServerRunning(PathBuf),
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
