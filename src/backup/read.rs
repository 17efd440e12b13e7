//! Opening a backup file: decrypt with the recovery identity and unpack into a private
//! scratch folder, checking every file against the manifest. Nothing outside the scratch
//! folder is touched, and the folder is removed when the result is dropped.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::manifest::{FileEntry, Manifest, FORMAT};
use super::BackupError;
use crate::crypto::RecoveryIdentity;

/// Largest single file accepted inside a backup (a snapshot piece is about 8 MiB).
const MAX_ENTRY: u64 = 256 * 1024 * 1024;
/// Largest keyring, configuration or manifest (held in memory by `restore`).
const SMALL_MAX: u64 = 16 * 1024 * 1024;

/// An unpacked, checked backup.
#[derive(Debug)]
pub struct Opened {
    pub manifest: Manifest,
    /// Holds `keyring.age` and `store/*.bin`; removed on drop.
    pub dir: tempfile::TempDir,
    /// The snapshot pieces, in order.
    pub pieces: Vec<PathBuf>,
    /// The configuration file it carries, if any (inside `dir`).
    pub config: Option<PathBuf>,
}

pub(super) fn damaged(e: std::io::Error) -> BackupError {
    BackupError::Damaged(match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "it ends too early (truncated)".into(),
        _ => "part of it does not decrypt (altered or corrupted)".into(),
    })
}

/// A file name allowed inside a backup.
fn allowed(name: &str) -> bool {
    name == "manifest.json"
        || name == "keyring.age"
        || name == super::CONFIG_ENTRY
        || name
            .strip_prefix("store/")
            .and_then(|n| n.strip_suffix(".bin"))
            .is_some_and(|n| n.len() == 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Decrypts and unpacks `file` into a new folder under `scratch_parent`, then checks the
/// manifest's list, sizes and hashes.
pub fn open_backup(
    file: &Path,
    identity: &RecoveryIdentity,
    scratch_parent: &Path,
    progress: &ProgressBar,
) -> Result<Opened, BackupError> {
    unpack(decrypting(file, identity)?, scratch_parent, progress)
}

/// The decrypted bytes of a backup file (a tar).
pub(super) fn decrypting(
    file: &Path,
    identity: &RecoveryIdentity,
) -> Result<impl Read, BackupError> {
    let input = std::fs::File::open(file)?;
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(input))
        .map_err(|_| BackupError::NotAge)?;
    decryptor
        .decrypt(std::iter::once(identity.identity() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => BackupError::WrongKey,
            age::DecryptError::Io(io) => damaged(io),
            _ => BackupError::Damaged("its header does not decrypt".into()),
        })
}

/// Unpacks a decrypted backup (`tar` bytes) into a new folder under `scratch_parent` and
/// checks it: only the expected names, regular files of bounded size, each once, and the
/// manifest's list, sizes and hashes. Every byte here comes from the backup file.
pub fn unpack(
    reader: impl Read,
    scratch_parent: &Path,
    progress: &ProgressBar,
) -> Result<Opened, BackupError> {
    let dir = tempfile::Builder::new()
        .prefix(".alcove-verify-")
        .tempdir_in(scratch_parent)?;
    std::fs::create_dir(dir.path().join("store"))?;
    let mut archive = tar::Archive::new(reader);
    let mut found: BTreeMap<String, FileEntry> = BTreeMap::new();
    let mut manifest_bytes = None;
    for item in archive.entries().map_err(damaged)? {
        let mut item = item.map_err(damaged)?;
        let name = entry_name(&item, &found)?;
        let mut digest = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        let mut keep = Vec::new();
        // Written under our own name for it, never a path taken from the archive.
        let mut out = if name == "manifest.json" {
            None
        } else {
            Some(crate::fsutil::create_private_file(&dir.path().join(&name))?)
        };
        loop {
            let n = item.read(&mut buf).map_err(damaged)?;
            if n == 0 {
                break;
            }
            digest.update(&buf[..n]);
            size += n as u64;
            progress.inc(n as u64);
            match &mut out {
                Some(f) => f.write_all(&buf[..n])?,
                None => keep.extend_from_slice(&buf[..n]),
            }
        }
        if let Some(f) = out {
            f.sync_all()?;
        } else {
            manifest_bytes = Some(keep);
        }
        found.insert(
            name,
            FileEntry {
                size,
                sha256: hex::encode(digest.finalize()),
            },
        );
    }
    // Read to the very end: age checks its last chunk there, which catches a file cut off
    // just after the archive's own end.
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink()).map_err(damaged)?;
    let manifest = checked_manifest(manifest_bytes.as_deref(), found)?;
    let pieces = manifest
        .files
        .keys()
        .filter(|k| k.starts_with("store/"))
        .map(|k| dir.path().join(k))
        .collect();
    let config = manifest
        .files
        .contains_key(super::CONFIG_ENTRY)
        .then(|| dir.path().join(super::CONFIG_ENTRY));
    Ok(Opened {
        manifest,
        dir,
        pieces,
        config,
    })
}

/// The name of an entry, if it is one a backup may hold (a regular file of bounded size,
/// not seen before in this archive).
pub(super) fn entry_name<R: Read>(
    item: &tar::Entry<'_, R>,
    found: &BTreeMap<String, FileEntry>,
) -> Result<String, BackupError> {
    let name = item
        .path()
        .map_err(|_| BackupError::NotAlcove("a file inside has an unreadable name".into()))?
        .to_string_lossy()
        .into_owned();
    if !allowed(&name) || item.header().entry_type() != tar::EntryType::Regular {
        return Err(BackupError::NotAlcove(format!(
            "it holds an unexpected file ({name})"
        )));
    }
    let max = if name.starts_with("store/") {
        MAX_ENTRY
    } else {
        SMALL_MAX
    };
    if item.size() > max || found.contains_key(&name) {
        return Err(BackupError::NotAlcove(format!("{name} is not as expected")));
    }
    Ok(name)
}

/// The manifest, once every other file was read: its format, and every file it lists
/// found with its size and hash (`found`: what the archive held, the manifest aside).
pub(super) fn checked_manifest(
    manifest_bytes: Option<&[u8]>,
    mut found: BTreeMap<String, FileEntry>,
) -> Result<Manifest, BackupError> {
    let manifest: Manifest = manifest_bytes
        .and_then(|b| serde_json::from_slice(b).ok())
        .ok_or_else(|| BackupError::NotAlcove("it has no readable manifest".into()))?;
    if manifest.format != FORMAT {
        return Err(BackupError::NotAlcove(format!(
            "it has format {}, and this Alcove reads format {FORMAT}; use a newer Alcove",
            manifest.format
        )));
    }
    found.remove("manifest.json");
    if found != manifest.files {
        let missing: Vec<&String> = manifest
            .files
            .keys()
            .filter(|k| !found.contains_key(*k))
            .collect();
        return Err(BackupError::Damaged(if missing.is_empty() {
            "a file inside does not match the manifest's hash".into()
        } else {
            format!(
                "files listed in the manifest are missing ({} of them)",
                missing.len()
            )
        }));
    }
    if !manifest.files.contains_key("keyring.age") {
        return Err(BackupError::NotAlcove("it holds no keyring".into()));
    }
    Ok(manifest)
}
