//! Writing a backup file: rows from one read transaction go, piece by piece, through tar
//! and age into a temporary file in the target folder; the file is fsynced and only then
//! renamed to its final name, so a crash never leaves a final name that does not decrypt.
//! Names are unique: one backup is written at a time, and a name already taken moves on by
//! a millisecond.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::manifest::{AuditHead, FileEntry, Manifest, FORMAT};
use super::BackupError;
use crate::store::Store;

/// Bytes of rows per piece of the snapshot (one tar entry each).
const PIECE: usize = 8 * 1024 * 1024;

/// One backup is written at a time in this process (the server, or the CLI when no server
/// runs; the store's file lock keeps it to one of them), so picking a free name and taking
/// it cannot race.
static WRITING: parking_lot::Mutex<()> = parking_lot::const_mutex(());

/// A written backup.
#[derive(Debug, Clone)]
pub struct Written {
    pub name: String,
    /// The time in its name (unique among the backups in its folder).
    pub at: OffsetDateTime,
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
    pub manifest: Manifest,
}

/// Counts and hashes what passes through.
struct Hashing<W: Write> {
    inner: W,
    digest: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn entry<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    bytes: &[u8],
    mtime: u64,
) -> std::io::Result<FileEntry> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)?;
    Ok(FileEntry {
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// Removes temporary files a crash may have left in `dir`.
fn clear_partials(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".alcove-") && name.ends_with(".partial") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The first name at or after `now` (to the millisecond) that `dir` does not hold yet.
fn free_name(dir: &Path, now: OffsetDateTime) -> (String, OffsetDateTime) {
    let whole_ms = now.replace_nanosecond(now.millisecond() as u32 * 1_000_000);
    let mut at = whole_ms.unwrap_or(now);
    loop {
        let name = super::file_name(at);
        let taken = dir.join(&name).exists() || dir.join(format!(".{name}.partial")).exists();
        if !taken {
            return (name, at);
        }
        at += time::Duration::milliseconds(1);
    }
}

/// Writes `alcove-<time>.tar.age` into `dir` from a snapshot of `store`, encrypted to
/// `recipients` (and its keyring to exactly them too). Nothing is left under a final name
/// unless all of it was written, and no earlier backup is ever replaced.
pub fn write_backup(
    store: &Store,
    recipients: &[age::x25519::Recipient],
    config: Option<&[u8]>,
    dir: &Path,
    now: OffsetDateTime,
    progress: &ProgressBar,
) -> Result<Written, BackupError> {
    let _one_at_a_time = WRITING.lock();
    crate::fsutil::create_private_dir(dir)?;
    clear_partials(dir);
    let (name, at) = free_name(dir, now);
    let path = dir.join(&name);
    let partial = dir.join(format!(".{name}.partial"));
    let result = write_to(store, recipients, config, &partial, now, progress);
    match result {
        Ok((size, sha256, manifest)) => {
            std::fs::rename(&partial, &path)?;
            crate::fsutil::sync_dir(dir)?;
            Ok(Written {
                name,
                at,
                path,
                size,
                sha256,
                manifest,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn write_to(
    store: &Store,
    recipients: &[age::x25519::Recipient],
    config: Option<&[u8]>,
    partial: &Path,
    now: OffsetDateTime,
    progress: &ProgressBar,
) -> Result<(u64, String, Manifest), BackupError> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(partial)?;
    let hashing = Hashing {
        inner: std::io::BufWriter::new(file),
        digest: Sha256::new(),
        size: 0,
    };
    let recipient_names: Vec<String> = recipients.iter().map(|r| r.to_string()).collect();
    let recipients: Vec<&dyn age::Recipient> = recipients
        .iter()
        .map(|r| r as &dyn age::Recipient)
        .collect();
    let encryptor = age::Encryptor::with_recipients(recipients.iter().copied())
        .map_err(BackupError::NoRecipient)?;
    let age_writer = encryptor.wrap_output(hashing)?;
    let mut tar = tar::Builder::new(age_writer);
    let mtime = now.unix_timestamp().max(0) as u64;
    let mut files = BTreeMap::new();

    // One read transaction: the rows and the chain head belong to the same moment.
    let (counts, head) = store.read(|tx| {
        let mut piece_no = 0u32;
        let counts = tx.dump(PIECE, |piece| {
            let name = format!("store/{piece_no:05}.bin");
            piece_no += 1;
            let e = entry(&mut tar, &name, piece, mtime)?;
            progress.inc(piece.len() as u64);
            files.insert(name, e);
            Ok(())
        })?;
        let head = crate::store::audit::head(tx)?;
        Ok::<_, crate::store::StoreError>((counts, head))
    })?;
    // The keyring the store runs on, locked to the backup's own recipients: whoever can
    // open the file can restore it, and the machine key (which stays behind) is not one.
    let keyring = store.encrypted_keyring(&recipients)?;
    files.insert(
        "keyring.age".to_owned(),
        entry(&mut tar, "keyring.age", &keyring, mtime)?,
    );
    // The configuration (mail server, hostname, backup targets) comes back with a restore.
    if let Some(bytes) = config {
        files.insert(
            super::CONFIG_ENTRY.to_owned(),
            entry(&mut tar, super::CONFIG_ENTRY, bytes, mtime)?,
        );
    }
    let manifest = Manifest {
        format: FORMAT,
        alcove_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: now.format(&Rfc3339).unwrap_or_default(),
        schema_version: store.schema_version()?,
        counts,
        files,
        audit_head: head.map(|e| AuditHead {
            seq: e.seq,
            hash: e.hash,
        }),
        recipients: recipient_names,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(BackupError::Manifest)?;
    entry(&mut tar, "manifest.json", &json, mtime)?;
    let age_writer = tar.into_inner()?;
    let mut hashing = age_writer.finish()?;
    hashing.flush()?;
    let file: File = hashing
        .inner
        .into_inner()
        .map_err(|e| BackupError::Io(e.into_error()))?;
    file.sync_all()?;
    Ok((
        hashing.size,
        hex::encode(hashing.digest.finalize()),
        manifest,
    ))
}
