//! A data directory rebuilt from an opened backup in a staging folder: a new machine unlock
//! key, the keyring re-wrapped to it and to the recovery key, the store rebuilt and checked
//! against the manifest, the audit chain verified. `verify` does it in a scratch folder,
//! `restore` before moving the result into place.

use std::path::Path;

use crate::backup::{BackupError, Opened};
use crate::crypto::unlock::RECOVERY_RECIPIENT_FILE;
use crate::crypto::{Keyring, RecoveryIdentity, Sealer, UnlockIdentity};
use crate::datadir::KEYRING_FILE;
use crate::domain::audit::{self, ChainState};
use crate::store::dump::read_row;
use crate::store::{Store, DB_FILE};

/// What a verify or restore found.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub created_at: String,
    pub alcove_version: String,
    pub counts: std::collections::BTreeMap<String, u64>,
    pub audit_events: u64,
}

impl std::fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Backup taken {} by Alcove {}.",
            self.created_at, self.alcove_version
        )?;
        writeln!(
            f,
            "Audit log: {} events, chain intact and matching the backup's manifest.",
            self.audit_events
        )?;
        writeln!(f, "Records per table:")?;
        for (table, n) in &self.counts {
            writeln!(f, "    {table:<20} {n}")?;
        }
        Ok(())
    }
}

/// Builds a complete data directory in `staging` (which must exist and be empty) from an
/// opened backup, and checks it.
pub fn rebuild(
    opened: &Opened,
    identity: &RecoveryIdentity,
    staging: &Path,
) -> Result<(Store, RestoreReport), BackupError> {
    let keyring_bytes = std::fs::read(opened.dir.path().join("keyring.age"))?;
    let keyring = Keyring::decrypt(&keyring_bytes, identity.identity()).map_err(|e| match e {
        crate::crypto::keyring::KeyringError::WrongKey if opened.manifest.recipients.is_empty() => {
            BackupError::KeyringNotForKey(
                "the backup was made by an earlier Alcove, which locked the keyring to the recovery key only; restore it with the recovery key",
            )
        }
        crate::crypto::keyring::KeyringError::WrongKey => BackupError::KeyringNotForKey(
            "it should open with every key the file was made for, so the backup was altered; try another copy",
        ),
        _ => BackupError::Damaged("its keyring does not open".into()),
    })?;
    let mut rows = opened
        .pieces
        .iter()
        .flat_map(|piece| PieceRows::open(piece));
    let (store, counts) = Store::restore(
        &staging.join(DB_FILE),
        Sealer::new(keyring.clone()),
        &mut rows,
    )
    .map_err(|e| match e {
        crate::store::StoreError::Io(io) => {
            BackupError::Damaged(format!("its records are cut off ({io})"))
        }
        crate::store::StoreError::Format { .. } => {
            BackupError::NotAlcove("it holds an unknown table".into())
        }
        crate::store::StoreError::Sealed { .. } => {
            BackupError::Damaged("its records do not open with its keyring".into())
        }
        other => BackupError::Store(other),
    })?;
    // Tables the backup had with no rows are absent from `counts`.
    let expected: std::collections::BTreeMap<String, u64> = opened
        .manifest
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    if counts != expected {
        return Err(BackupError::Damaged(
            "the number of records does not match its manifest".into(),
        ));
    }
    let events = match audit::verify(&store)? {
        ChainState::Intact { events, head } => {
            let matches = match &opened.manifest.audit_head {
                Some(h) => h.seq == events && h.hash == head,
                None => events == 0,
            };
            if !matches {
                return Err(BackupError::Damaged(
                    "its audit log does not end where its manifest says".into(),
                ));
            }
            events
        }
        ChainState::Broken { problem, .. } => {
            return Err(BackupError::Damaged(format!(
                "its audit log is broken: {problem}"
            )))
        }
    };
    std::fs::set_permissions(
        staging.join(DB_FILE),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )?;
    let unlock = UnlockIdentity::generate();
    unlock.write_to(staging, None)?;
    crate::fsutil::write_private_atomic(
        &staging.join(RECOVERY_RECIPIENT_FILE),
        format!("{}\n", identity.recipient()).as_bytes(),
    )?;
    keyring.write(
        &staging.join(KEYRING_FILE),
        &[&unlock.recipient(), &identity.recipient()],
    )?;
    Ok((
        store,
        RestoreReport {
            created_at: opened.manifest.created_at.clone(),
            alcove_version: opened.manifest.alcove_version.clone(),
            counts: opened.manifest.counts.clone(),
            audit_events: events,
        },
    ))
}

/// Rows of one snapshot piece.
struct PieceRows {
    reader: Option<std::io::BufReader<std::fs::File>>,
    error: Option<std::io::Error>,
}

impl PieceRows {
    fn open(path: &Path) -> Self {
        match std::fs::File::open(path) {
            Ok(f) => Self {
                reader: Some(std::io::BufReader::new(f)),
                error: None,
            },
            Err(e) => Self {
                reader: None,
                error: Some(e),
            },
        }
    }
}

impl Iterator for PieceRows {
    type Item = std::io::Result<crate::store::dump::Row>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        let reader = self.reader.as_mut()?;
        match read_row(reader) {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => {
                self.reader = None;
                None
            }
            Err(e) => {
                self.reader = None;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
#[path = "rebuild_tests.rs"]
mod tests;
