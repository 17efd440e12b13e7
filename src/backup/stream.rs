//! Reading a backup straight into the new store, for `restore`: the store's rows go from
//! the decrypting tar into `load` as they arrive, with no scratch copy on disk; the small
//! files (keyring, configuration, manifest) are kept in memory. Every check `unpack` makes
//! is made here too, the manifest's last, once the whole file was read — so whatever
//! `load` built stays in its staging folder until the caller has seen the result.

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::Path;

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::manifest::{FileEntry, Manifest};
use super::read::{checked_manifest, damaged, decrypting, entry_name};
use super::BackupError;
use crate::crypto::RecoveryIdentity;
use crate::store::dump::{read_row, Row};

/// What a streamed backup held besides its rows, checked against its manifest.
pub struct Streamed {
    pub manifest: Manifest,
    pub keyring: Vec<u8>,
    pub config: Option<Vec<u8>>,
}

impl std::fmt::Debug for Streamed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streamed")
            .field("files", &self.manifest.files.len())
            .finish_non_exhaustive()
    }
}

/// The decrypted bytes (a tar) of the backup `file`, for `stream_backup`.
pub fn decrypt_backup(file: &Path, identity: &RecoveryIdentity) -> Result<impl Read, BackupError> {
    decrypting(file, identity)
}

/// Hands the rows of a decrypted backup (`tar`) to `load`, then reads the rest and checks
/// every file against the manifest. A problem with the backup itself (damage, a newer
/// format, a file that does not match the manifest) is reported ahead of `load`'s own
/// error.
pub fn stream_backup<T>(
    tar: impl Read,
    progress: &ProgressBar,
    load: impl FnOnce(&mut dyn Iterator<Item = std::io::Result<Row>>) -> Result<T, BackupError>,
) -> Result<(Streamed, T), BackupError> {
    let mut archive = tar::Archive::new(tar);
    let mut side = Side::default();
    let loaded = {
        let mut rows = TarRows {
            entries: archive.entries().map_err(damaged)?,
            current: None,
            side: &mut side,
            progress,
        };
        let loaded = load(&mut rows);
        // The rest of the file (the keyring, the manifest; after a loader's refusal, the
        // other pieces too) is read here, so the backup's own problems are found.
        for _ in rows.by_ref() {}
        loaded
    };
    if let Some(problem) = side.failure.take() {
        return Err(problem);
    }
    // Read to the very end: age checks its last chunk there.
    std::io::copy(&mut archive.into_inner(), &mut std::io::sink()).map_err(damaged)?;
    // A backup of a newer format, or one that does not match its manifest, says so before
    // whatever the loader made of its rows.
    let manifest = checked_manifest(side.manifest.as_deref(), side.found)?;
    let value = loaded?;
    let keyring = side
        .keyring
        .ok_or_else(|| BackupError::NotAlcove("it holds no keyring".into()))?;
    Ok((
        Streamed {
            manifest,
            keyring,
            config: side.config,
        },
        value,
    ))
}

#[derive(Default)]
struct Side {
    /// Every file read, with its size and hash.
    found: BTreeMap<String, FileEntry>,
    manifest: Option<Vec<u8>>,
    keyring: Option<Vec<u8>>,
    config: Option<Vec<u8>>,
    /// Why the walk stopped, when the backup (not the loader) was at fault.
    failure: Option<BackupError>,
}

/// Counts and hashes what is read through it, and keeps the first read error (the
/// decryption's, as opposed to a malformed row).
struct Hashing<R> {
    inner: R,
    digest: Sha256,
    size: u64,
    error: Option<std::io::Error>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.digest.update(&buf[..n]);
                self.size += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let seen = std::io::Error::new(e.kind(), e.to_string());
                self.error.get_or_insert(e);
                Err(seen)
            }
        }
    }
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            digest: Sha256::new(),
            size: 0,
            error: None,
        }
    }

    fn entry(self) -> FileEntry {
        FileEntry {
            size: self.size,
            sha256: hex::encode(self.digest.finalize()),
        }
    }
}

type Piece<'a, R> = (String, BufReader<Hashing<tar::Entry<'a, R>>>);

/// The rows of every `store/` piece in turn; other files go into `side`.
struct TarRows<'a, 's, R: Read> {
    entries: tar::Entries<'a, R>,
    current: Option<Piece<'a, R>>,
    side: &'s mut Side,
    progress: &'s ProgressBar,
}

impl<R: Read> TarRows<'_, '_, R> {
    fn fail(&mut self, problem: BackupError) -> Option<std::io::Result<Row>> {
        self.side.failure.get_or_insert(problem);
        Some(Err(std::io::Error::other("the backup cannot be read")))
    }
}

impl<R: Read> Iterator for TarRows<'_, '_, R> {
    type Item = std::io::Result<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.side.failure.is_some() {
            return None;
        }
        loop {
            if let Some((_, reader)) = &mut self.current {
                let before = reader.get_ref().size;
                let row = read_row(reader);
                let after = reader.get_ref().size;
                self.progress.inc(after - before);
                match row {
                    Ok(Some(row)) => return Some(Ok(row)),
                    Ok(None) => {
                        // A file cut at a row boundary ends the piece "cleanly": the
                        // decryption's own error says otherwise.
                        if let Some(inner) = reader.get_mut().error.take() {
                            return self.fail(damaged(inner));
                        }
                        if let Some((name, reader)) = self.current.take() {
                            let hashing = reader.into_inner();
                            self.side.found.insert(name, hashing.entry());
                        }
                        continue;
                    }
                    Err(e) => {
                        let problem = match reader.get_mut().error.take() {
                            Some(inner) => damaged(inner),
                            None if e.kind() == std::io::ErrorKind::InvalidData => {
                                BackupError::Damaged(format!("its records are malformed ({e})"))
                            }
                            None => BackupError::Damaged(format!("its records are cut off ({e})")),
                        };
                        return self.fail(problem);
                    }
                }
            }
            let mut item = match self.entries.next()? {
                Ok(item) => item,
                Err(e) => return self.fail(damaged(e)),
            };
            let name = match entry_name(&item, &self.side.found) {
                Ok(name) => name,
                Err(problem) => return self.fail(problem),
            };
            if name.starts_with("store/") {
                let reader = BufReader::with_capacity(64 * 1024, Hashing::new(item));
                self.current = Some((name, reader));
                continue;
            }
            // (At most 16 MiB: `entry_name` checked its size.)
            let mut hashing = Hashing::new(&mut item);
            let mut bytes = Vec::new();
            if let Err(e) = hashing.read_to_end(&mut bytes) {
                return self.fail(damaged(e));
            }
            self.progress.inc(bytes.len() as u64);
            let entry = hashing.entry();
            match name.as_str() {
                "manifest.json" => self.side.manifest = Some(bytes),
                "keyring.age" => self.side.keyring = Some(bytes),
                _ => self.side.config = Some(bytes),
            }
            // (The manifest too, so a second one is refused; its own check sets it aside.)
            self.side.found.insert(name, entry);
        }
    }
}
