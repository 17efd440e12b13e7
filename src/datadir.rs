//! The data directory: what `init` creates and how its keyring and store are opened (the
//! upgrade of an older store, which takes a backup and records an audit event, is
//! `domain::data_dir`'s).
//!
//! ```text
//! DATA_DIR/
//!   alcove.toml        optional configuration
//!   alcove.redb        the sealed store
//!   keyring.age        data keys, age-encrypted to the unlock and recovery identities
//!   unlock.key         the unlock identity (0600), or
//!   unlock.key.age     the unlock identity, encrypted with the owner's passphrase
//!   recovery.pub       the recovery identity's public key (for backups)
//!   tls/               the self-signed certificate and its key (0600)
//! ```

use std::path::{Path, PathBuf};

use crate::clock::Clock;
use crate::crypto::keyring::KeyringError;
use crate::crypto::unlock::{self, Passphrase, RECOVERY_RECIPIENT_FILE};
use crate::crypto::{Keyring, RecoveryIdentity, Sealer, UnlockError, UnlockIdentity};
use crate::fsutil;
use crate::store::{Store, StoreError, DB_FILE, SCHEMA_VERSION};

pub const KEYRING_FILE: &str = "keyring.age";
/// Where `serve` writes the recovery key when it initializes an empty data directory.
pub const DEFAULT_RECOVERY_FILE: &str = "recovery-key.txt";

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} is already set up as an Alcove data directory; nothing was changed")]
    AlreadyInitialized(String),
    #[error("the recovery key file {0} already exists; choose another path (nothing was changed)")]
    RecoveryFileExists(String),
    #[error("could not create the data directory: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error(transparent)]
    Unlock(#[from] UnlockError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0} is not an Alcove data directory yet; run `alcove init` or `alcove serve` first")]
    NotInitialized(String),
    #[error(transparent)]
    Unlock(#[from] UnlockError),
    #[error("could not open the keyring: {0}")]
    Keyring(#[from] KeyringError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store needs an upgrade from schema {from} to {to}, and the backup taken before it failed, so nothing was changed: {cause}")]
    UpgradeBackup { from: u32, to: u32, cause: String },
    #[error("the store is at schema {found} and needs an upgrade to {to}; `alcove serve` upgrades it (after a backup)")]
    NeedsUpgrade { found: u32, to: u32 },
}

/// True once `init` has finished in `dir` (the keyring is the last file it puts in place).
pub fn is_initialized(dir: &Path) -> bool {
    dir.join(KEYRING_FILE).exists()
}

/// What `init` made.
#[derive(Debug)]
pub struct InitReport {
    pub data_dir: PathBuf,
    pub recovery_file: PathBuf,
    pub passphrase_locked: bool,
}

/// Creates keys, keyring and store in `dir`. Refuses an initialized directory and leaves
/// nothing behind when it fails.
pub fn init(
    dir: &Path,
    passphrase: Option<&Passphrase>,
    recovery_out: &Path,
    clock: &dyn Clock,
) -> Result<InitReport, InitError> {
    if is_initialized(dir) || dir.join(DB_FILE).exists() {
        return Err(InitError::AlreadyInitialized(dir.display().to_string()));
    }
    if recovery_out.exists() {
        return Err(InitError::RecoveryFileExists(
            recovery_out.display().to_string(),
        ));
    }
    let created_dir = !dir.exists();
    // A folder made by hand (to hold alcove.toml) is narrowed to 0700 too.
    fsutil::ensure_private_dir(dir)?;
    let staging = dir.join(".init-staging");
    let _ = std::fs::remove_dir_all(&staging);
    fsutil::ensure_private_dir(&staging)?;

    let result = build(dir, &staging, passphrase, recovery_out, clock);
    let _ = std::fs::remove_dir_all(&staging);
    if result.is_err() {
        let _ = std::fs::remove_file(recovery_out);
        if created_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}

fn build(
    dir: &Path,
    staging: &Path,
    passphrase: Option<&Passphrase>,
    recovery_out: &Path,
    clock: &dyn Clock,
) -> Result<InitReport, InitError> {
    let recovery = RecoveryIdentity::generate();
    let unlock_id = UnlockIdentity::generate();
    let keyring = Keyring::generate();

    let created = clock
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    fsutil::create_private_new(recovery_out, recovery.file_contents(&created).as_bytes())?;

    unlock_id.write_to(staging, passphrase)?;
    fsutil::write_private_atomic(
        &staging.join(RECOVERY_RECIPIENT_FILE),
        format!("{}\n", recovery.recipient()).as_bytes(),
    )?;
    drop(Store::create(
        &staging.join(DB_FILE),
        Sealer::new(keyring.clone()),
    )?);
    // redb creates its file with the umask's mode; the store is for this user alone.
    std::fs::set_permissions(
        staging.join(DB_FILE),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )?;
    keyring.write(
        &staging.join(KEYRING_FILE),
        &[&unlock_id.recipient(), &recovery.recipient()],
    )?;

    // Move into place; the keyring last, since its presence means "initialized".
    let unlock_name = if passphrase.is_some() {
        unlock::SEALED_FILE
    } else {
        unlock::PLAIN_FILE
    };
    for name in [unlock_name, RECOVERY_RECIPIENT_FILE, DB_FILE, KEYRING_FILE] {
        std::fs::rename(staging.join(name), dir.join(name))?;
    }
    fsutil::sync_dir(dir)?;
    Ok(InitReport {
        data_dir: dir.to_owned(),
        recovery_file: recovery_out.to_owned(),
        passphrase_locked: passphrase.is_some(),
    })
}

/// True when the data directory needs the owner's passphrase to open.
pub fn needs_passphrase(dir: &Path) -> bool {
    matches!(
        UnlockIdentity::kind_in(dir),
        Some(unlock::UnlockFile::Passphrase)
    )
}

/// Files and folders Alcove keeps in the data directory, narrowed to 0600 / 0700 at every
/// open (a directory made by an older version, or copied with other modes).
const OWN: &[&str] = &[
    DB_FILE,
    KEYRING_FILE,
    unlock::PLAIN_FILE,
    unlock::SEALED_FILE,
    RECOVERY_RECIPIENT_FILE,
    DEFAULT_RECOVERY_FILE,
    crate::tls::TLS_DIR,
    "backups",
];

/// Narrows the data directory to 0700 and Alcove's own entries in it to 0600 / 0700.
pub fn make_private(dir: &Path) -> std::io::Result<()> {
    fsutil::ensure_private_dir(dir)?;
    for name in OWN {
        let path = dir.join(name);
        if path.symlink_metadata().is_ok() {
            fsutil::make_private(&path)?;
        }
    }
    let tls = dir.join(crate::tls::TLS_DIR);
    if tls.is_dir() {
        for entry in std::fs::read_dir(&tls)? {
            fsutil::make_private(&entry?.path())?;
        }
    }
    Ok(())
}

/// Opens the keyring and the store as they are, and returns the store with the schema
/// version it was written at. Reads the key files; writes nothing but owner-only modes.
/// Nothing is migrated: `domain::data_dir::open` upgrades an older store (after a backup)
/// and refuses a newer one.
pub fn open_unmigrated(
    dir: &Path,
    passphrase: Option<&Passphrase>,
) -> Result<(Store, u32), OpenError> {
    if !is_initialized(dir) {
        return Err(OpenError::NotInitialized(dir.display().to_string()));
    }
    // Best effort: a read-only copy opened for a check stays readable.
    if let Err(e) = make_private(dir) {
        tracing::warn!(error = %e, "could not make the data directory owner-only");
    }
    let identity = UnlockIdentity::load(dir, passphrase)?;
    let keyring = Keyring::read(&dir.join(KEYRING_FILE), identity.identity())?;
    Ok(Store::open_unmigrated(
        &dir.join(DB_FILE),
        Sealer::new(keyring),
    )?)
}

/// Opens a store written at this build's schema. One from another version is refused
/// untouched (`domain::data_dir::open` upgrades an older one).
pub fn open(dir: &Path, passphrase: Option<&Passphrase>) -> Result<Store, OpenError> {
    let (store, found) = open_unmigrated(dir, passphrase)?;
    match found {
        SCHEMA_VERSION => Ok(store),
        found if found > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        }
        .into()),
        found => Err(OpenError::NeedsUpgrade {
            found,
            to: SCHEMA_VERSION,
        }),
    }
}

/// Test hook (`alcove set-schema-version-for-tests`, hidden): moves an unlocked, stopped
/// store's schema record back one migration (undoing it) or ahead of this build.
#[doc(hidden)]
pub fn rewind_schema_for_tests(dir: &Path, version: u32) -> Result<(), OpenError> {
    let identity = UnlockIdentity::load(dir, None)?;
    let keyring = Keyring::read(&dir.join(KEYRING_FILE), identity.identity())?;
    let (store, _) = Store::open_unmigrated(&dir.join(DB_FILE), Sealer::new(keyring))?;
    Ok(store.rewind_schema_for_tests(version)?)
}

/// Where the backup before an upgrade goes: the data directory's own backup folder.
pub const UPGRADE_BACKUP_DIR: &str = "backups";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[test]
    fn init_then_open_and_second_init_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let rec = tmp.path().join("recovery.txt");
        init(&dir, None, &rec, &SystemClock).unwrap();
        assert!(is_initialized(&dir));
        assert!(!dir.join(".init-staging").exists());
        open(&dir, None).unwrap();
        let err = init(&dir, None, &tmp.path().join("other.txt"), &SystemClock).unwrap_err();
        assert!(matches!(err, InitError::AlreadyInitialized(_)));
        assert!(!tmp.path().join("other.txt").exists());
    }

    #[test]
    fn recovery_identity_opens_the_keyring() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let rec = tmp.path().join("recovery.txt");
        init(&dir, None, &rec, &SystemClock).unwrap();
        let recovery = RecoveryIdentity::read(&rec).unwrap();
        Keyring::read(&dir.join(KEYRING_FILE), recovery.identity()).unwrap();
    }

    #[test]
    fn existing_recovery_file_is_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let rec = tmp.path().join("recovery.txt");
        std::fs::write(&rec, "precious").unwrap();
        let err = init(&tmp.path().join("data"), None, &rec, &SystemClock).unwrap_err();
        assert!(matches!(err, InitError::RecoveryFileExists(_)));
        assert_eq!(std::fs::read_to_string(&rec).unwrap(), "precious");
        assert!(!tmp.path().join("data").exists());
    }
}
