//! A data directory rebuilt from an opened backup in a staging folder: a new machine unlock
//! key, the keyring re-wrapped to it and to the recovery key, the store rebuilt and checked
//! against the manifest, the audit chain verified. `verify` does it in a scratch folder,
//! `restore` before moving the result into place.

use std::path::Path;

use crate::backup::{stream_backup, BackupError, Manifest, Opened};
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
    let keyring = open_keyring(&keyring_bytes, &opened.manifest, identity)?;
    let mut rows = opened
        .pieces
        .iter()
        .flat_map(|piece| PieceRows::open(piece));
    let counts = Store::load_new(&staging.join(DB_FILE), &mut rows).map_err(not_restored)?;
    settle(&opened.manifest, keyring, &counts, identity, staging)
}

/// The same as `open_backup` then `rebuild`, reading the backup once: the rows of `tar`
/// (a decrypted backup, `backup::decrypt_backup`) go into the staging store as they come
/// (no scratch copy), and every check is made before the caller moves anything into
/// place. Also returns the configuration file the backup carried.
pub fn rebuild_streaming(
    tar: impl std::io::Read,
    identity: &RecoveryIdentity,
    staging: &Path,
    progress: &indicatif::ProgressBar,
) -> Result<(Store, RestoreReport, Option<Vec<u8>>), BackupError> {
    let db = staging.join(DB_FILE);
    // Rows that do not read are the stream's to report; an I/O error here is this
    // computer's (a full disk), not the backup's.
    let (streamed, counts) = stream_backup(tar, progress, |rows| {
        Store::load_new(&db, rows).map_err(|e| match e {
            crate::store::StoreError::Io(io) => BackupError::Io(io),
            other => not_restored(other),
        })
    })?;
    let keyring = open_keyring(&streamed.keyring, &streamed.manifest, identity)?;
    let (store, report) = settle(&streamed.manifest, keyring, &counts, identity, staging)?;
    Ok((store, report, streamed.config))
}

/// The backup's keyring, opened with the key it was restored with.
fn open_keyring(
    bytes: &[u8],
    manifest: &Manifest,
    identity: &RecoveryIdentity,
) -> Result<Keyring, BackupError> {
    Keyring::decrypt(bytes, identity.identity()).map_err(|e| match e {
        crate::crypto::keyring::KeyringError::WrongKey if manifest.recipients.is_empty() => {
            BackupError::KeyringNotForKey(
                "the backup was made by an earlier Alcove, which locked the keyring to the recovery key only; restore it with the recovery key",
            )
        }
        crate::crypto::keyring::KeyringError::WrongKey => BackupError::KeyringNotForKey(
            "it should open with every key the file was made for, so the backup was altered; try another copy",
        ),
        _ => BackupError::Damaged("its keyring does not open".into()),
    })
}

/// What a store error while rebuilding says about the backup.
fn not_restored(e: crate::store::StoreError) -> BackupError {
    match e {
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
    }
}

/// Opens the rebuilt store with the backup's keyring (applying newer migrations), checks
/// it against the manifest and the audit chain, and writes the new machine's keys.
fn settle(
    manifest: &Manifest,
    keyring: Keyring,
    counts: &crate::store::dump::Counts,
    identity: &RecoveryIdentity,
    staging: &Path,
) -> Result<(Store, RestoreReport), BackupError> {
    let store =
        Store::open(&staging.join(DB_FILE), Sealer::new(keyring.clone())).map_err(not_restored)?;
    // Tables the backup had with no rows are absent from `counts`.
    let expected: std::collections::BTreeMap<String, u64> = manifest
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    if *counts != expected {
        return Err(BackupError::Damaged(
            "the number of records does not match its manifest".into(),
        ));
    }
    let events = match audit::verify(&store)? {
        ChainState::Intact { events, head } => {
            let matches = match &manifest.audit_head {
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
            created_at: manifest.created_at.clone(),
            alcove_version: manifest.alcove_version.clone(),
            counts: manifest.counts.clone(),
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
