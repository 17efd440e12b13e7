//! Opening the data directory for use: a store written by an older Alcove is first backed up
//! (a full encrypted backup, to the recovery key, into `DATA_DIR/backups`), then migrated in
//! one transaction that also records the upgrade in the audit log; if the backup or any
//! migration fails, the store is left as it was. A store written by a newer Alcove is
//! refused untouched. The files themselves are `datadir`'s.

use std::path::Path;

use crate::clock::Clock as _;
use crate::crypto::unlock::{self, Passphrase};
use crate::datadir::{self, OpenError, UPGRADE_BACKUP_DIR};
use crate::store::{Store, StoreError, SCHEMA_VERSION};

/// Opens the keyring and the store, upgrading an older store first (see the module).
pub fn open(dir: &Path, passphrase: Option<&Passphrase>) -> Result<Store, OpenError> {
    let (store, found) = datadir::open_unmigrated(dir, passphrase)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        }
        .into());
    }
    if found == SCHEMA_VERSION {
        return Ok(store);
    }
    let now = crate::clock::SystemClock.now();
    let backup = if found > 0 {
        Some(
            upgrade_backup(dir, &store, now).map_err(|cause| OpenError::UpgradeBackup {
                from: found,
                to: SCHEMA_VERSION,
                cause,
            })?,
        )
    } else {
        None
    };
    store.migrate(|tx, from| match &backup {
        Some(name) => super::audit::record(
            tx,
            now,
            &crate::policy::Actor::System("upgrade"),
            super::audit::Event::StoreUpgrade,
            super::audit::AuditTarget::new()
                .field("schema", format_args!("{from}->{SCHEMA_VERSION}"))
                .backup(name),
            super::audit::Outcome::Ok,
        ),
        None => Ok(()),
    })?;
    if let Some(name) = backup {
        println!(
            "Upgraded the data from schema {found} to {SCHEMA_VERSION}; a backup taken just before is in {}.",
            dir.join(UPGRADE_BACKUP_DIR).join(name).display()
        );
    }
    Ok(store)
}

/// A full backup of `store` before it is migrated; returns its file name.
fn upgrade_backup(dir: &Path, store: &Store, now: time::OffsetDateTime) -> Result<String, String> {
    let recovery = unlock::read_recovery_recipient(dir).map_err(|e| e.to_string())?;
    let config = dir.join(crate::config::CONFIG_FILE);
    let config = match config.is_file() {
        true => Some(std::fs::read(&config).map_err(|e| e.to_string())?),
        false => None,
    };
    let written = crate::backup::write_backup(
        store,
        &[recovery],
        config.as_deref(),
        &dir.join(UPGRADE_BACKUP_DIR),
        now,
        &indicatif::ProgressBar::hidden(),
    )
    .map_err(|e| e.to_string())?;
    Ok(written.name)
}
