//! The store: one redb file, every value sealed. The only module that names redb types.
//!
//! Writes are durable when `Store::write` returns: concurrent writes share one transaction
//! and one flush to disk (`batch`); callers acknowledge a change to a person only after
//! that. A failed write (a full disk)
//! is reported as such, and the store reopens itself once there is room again (`health`).

pub mod accounts;
pub mod appointments;
pub mod attachments;
pub mod audit;
pub mod backups;
mod batch;
pub mod by_client;
pub mod contact;
pub mod dump;
mod error;
pub mod forms;
mod health;
pub mod invites;
pub mod messages;
mod migrations;
pub mod outbox;
pub mod practice;
pub mod preferences;
mod record;
pub mod retention;
pub mod sessions;
pub mod setup_tokens;
pub mod submissions;
pub mod tables;
pub mod templates;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{Result, StoreError};
pub use health::Condition;
pub use migrations::SCHEMA_VERSION;
pub use record::{ReadTx, Record, WriteTx};

use crate::crypto::{BlindIndexer, Sealer};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "alcove.redb";

/// redb's page cache. Its default (1 GiB) would let the cache alone pass the memory bound
/// of a small box; 32 MiB holds the hot pages of a group practice's store (sessions,
/// accounts, recent messages and the audit tail).
/// `store.cache_megabytes` changes it for the process.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;

static CACHE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(CACHE_BYTES);

/// Sets the page cache of the stores this process opens from now on (the setting
/// `store.cache_megabytes`, read before any store is opened).
pub fn set_cache_megabytes(megabytes: u32) {
    let bytes = (megabytes as usize).saturating_mul(1024 * 1024);
    CACHE.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// Opens (or creates) the redb file with the store's settings.
fn open_db(path: &Path) -> std::result::Result<redb::Database, redb::DatabaseError> {
    redb::Builder::new()
        .set_cache_size(CACHE.load(std::sync::atomic::Ordering::Relaxed))
        .create(path)
}

/// The sealed store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// Every transaction holds this shared (re-entrantly, as a service may read inside a
    /// write); compaction and reopening alone take it exclusively. `None` only while a
    /// reopen after a failed write has not succeeded yet.
    db: parking_lot::RwLock<Option<redb::Database>>,
    health: health::Health,
    /// The one writer: concurrent writes share a transaction, first come first served
    /// (redb's own lock would let a thread that writes again at once win over writers
    /// already waiting, so a long run of small transactions, the purge, held them off).
    batch: batch::Batcher,
    sealer: Sealer,
    index: BlindIndexer,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Creates a new database at `path` (which must not exist) and applies every migration.
    pub fn create(path: &Path, sealer: Sealer) -> Result<Self> {
        if path.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the database file already exists",
            )));
        }
        // redb would create the file with the umask's mode; make it owner-only first.
        crate::fsutil::create_private_new(path, b"")?;
        Self::open_or_create(path, sealer)
    }

    /// Opens an existing database and applies pending migrations.
    pub fn open(path: &Path, sealer: Sealer) -> Result<Self> {
        if !path.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the database file is missing",
            )));
        }
        let (store, _) = Self::open_unmigrated(path, sealer)?;
        migrations::apply(&store, |_, _| Ok(()))?;
        Ok(store)
    }

    fn open_or_create(path: &Path, sealer: Sealer) -> Result<Self> {
        let store = Self::open_raw(path, sealer)?;
        migrations::refuse_too_new(migrations::version(&store)?)?;
        migrations::apply(&store, |_, _| Ok(()))?;
        Ok(store)
    }

    /// Opens an existing database without migrating it, with the schema version it was
    /// written at (0 for an empty file). Only reads: an upgrade decides what comes next.
    pub fn open_unmigrated(path: &Path, sealer: Sealer) -> Result<(Self, u32)> {
        if !path.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the database file is missing",
            )));
        }
        // A newer Alcove's file is recognised read-only, before anything can write to it
        // (opening it for writing already rewrites its header).
        if let Ok(db) = redb::ReadOnlyDatabase::open(path) {
            let txn = redb::ReadableDatabase::begin_read(&db).map_err(StoreError::db)?;
            let peek = ReadTx {
                txn,
                sealer: &sealer,
            };
            migrations::refuse_too_new(migrations::version_in(&peek)?)?;
        }
        let store = Self::open_raw(path, sealer)?;
        let version = migrations::version(&store)?;
        Ok((store, version))
    }

    /// Applies every pending migration in one transaction with the version bump and
    /// whatever `after` adds (given the version migrated from); on any error nothing is
    /// kept. Refuses a store newer than this build.
    pub fn migrate(&self, after: impl Fn(&WriteTx<'_>, u32) -> Result<()>) -> Result<()> {
        migrations::refuse_too_new(migrations::version(self)?)?;
        migrations::apply(self, after)
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> Result<u32> {
        migrations::version(self)
    }

    /// Test hook: sets the store back to `version` (undoing the last migration when it is
    /// one below this build's, so that a restart really migrates), or ahead of this build.
    #[doc(hidden)]
    pub fn rewind_schema_for_tests(&self, version: u32) -> Result<()> {
        migrations::rewind(self, version)
    }

    fn open_raw(path: &Path, sealer: Sealer) -> Result<Self> {
        let db = open_db(path).map_err(StoreError::db)?;
        Self::from_db(db, sealer, path)
    }

    /// Wraps an open database and applies pending migrations.
    fn from_db(db: redb::Database, sealer: Sealer, path: &Path) -> Result<Self> {
        let index = BlindIndexer::new(sealer.keyring().index_key());
        let store = Self {
            inner: Arc::new(Inner {
                db: parking_lot::RwLock::new(Some(db)),
                health: health::Health::default(),
                batch: batch::Batcher::default(),
                sealer,
                index,
                path: path.to_owned(),
            }),
        };
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The store file's length in bytes (0 if it cannot be read).
    pub fn file_len(&self) -> u64 {
        std::fs::metadata(&self.inner.path).map_or(0, |m| m.len())
    }

    pub fn blind_index(&self) -> &BlindIndexer {
        &self.inner.index
    }

    /// The keyring this store runs on, encrypted to `recipients` (for a backup). The key
    /// material leaves the store only this way.
    pub fn encrypted_keyring(
        &self,
        recipients: &[&dyn age::Recipient],
    ) -> std::result::Result<Vec<u8>, crate::crypto::keyring::KeyringError> {
        self.inner.sealer.keyring().encrypt(recipients)
    }

    /// Runs `f` in a write transaction and returns once it is on disk; on `Err` nothing
    /// it did is kept. The transaction may be shared with writes made meanwhile (`batch`),
    /// so `f` may run twice, the first run's writes thrown away: it must do nothing but
    /// read and write through `tx` (a `Store::read` inside it would miss what earlier
    /// writes of the same transaction changed; a `Store::write` inside it waits forever).
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl Fn(&WriteTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let depth = health::Depth::enter();
        self.inner.health.admit_write(self.dir())?;
        let guard = self.usable(&depth)?;
        let db = guard.as_ref().ok_or_else(|| self.inner.health.refusal())?;
        match self.inner.batch.write(self, db, &f) {
            Ok(value) => Ok(value),
            Err(batch::NotWritten::Closure(e)) => Err(e),
            Err(batch::NotWritten::Store(e)) => Err(E::from(e)),
        }
    }

    /// The error a write gets when the store cannot take it now (a full disk, a failed
    /// flush waiting for the reopen).
    pub fn refusal(&self) -> StoreError {
        self.inner.health.refusal()
    }

    /// Runs `f` against one consistent snapshot.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&ReadTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let depth = health::Depth::enter();
        let guard = self.usable(&depth)?;
        let db = guard.as_ref().ok_or_else(|| self.inner.health.refusal())?;
        let txn =
            redb::ReadableDatabase::begin_read(db).map_err(|e| self.failed(StoreError::db(e)))?;
        let tx = ReadTx {
            txn,
            sealer: &self.inner.sealer,
        };
        f(&tx)
    }

    /// Rewrites the file without its free space, so removed records leave no bytes behind.
    /// Waits until no transaction is open, and holds new ones off meanwhile.
    pub fn compact(&self) -> Result<bool> {
        let mut db = self.inner.db.write();
        let db = db.as_mut().ok_or_else(|| self.inner.health.refusal())?;
        db.compact().map_err(|e| self.failed(StoreError::db(e)))
    }

    /// What the store can do now. While the disk is known to be full this tries a trial
    /// write (so a health probe alone notices that there is room again), and reopens the
    /// file if a failed write left it refusing transactions.
    pub fn condition(&self) -> Condition {
        let depth = health::Depth::enter();
        self.inner.health.probe_room(self.dir());
        drop(self.usable(&depth));
        self.inner.health.condition()
    }

    fn dir(&self) -> &Path {
        self.inner.path.parent().unwrap_or(Path::new("."))
    }

    /// How many writes were refused for a full disk since the server started.
    pub fn disk_full_refusals(&self) -> u64 {
        self.inner.health.disk_full_refusals()
    }

    /// How many durable commits the store's writes took since it was opened (several
    /// writes share one: `batch`): what the request path's tests and benchmarks count.
    pub fn commits(&self) -> u64 {
        self.inner.batch.commits()
    }

    /// Records what a failed redb call means for the store, and passes the error on.
    fn failed(&self, error: StoreError) -> StoreError {
        health::take_noted();
        self.inner.health.saw(&error);
        error
    }

    /// The database, reopened first if a failed write left it refusing transactions. Only
    /// the outermost transaction of a thread reopens: it waits for every open one to end.
    fn usable(
        &self,
        depth: &health::Depth,
    ) -> Result<parking_lot::RwLockReadGuard<'_, Option<redb::Database>>> {
        let health = &self.inner.health;
        if health.needs_reopen() {
            if !depth.outermost() || !health.may_reopen() {
                return Err(health.refusal());
            }
            self.reopen()?;
        }
        Ok(self.inner.db.read_recursive())
    }

    /// Closes and opens the file again, which clears redb's latched failure. Needs no free
    /// space beyond the file's own header, so reading resumes even on a full disk.
    fn reopen(&self) -> Result<()> {
        let health = &self.inner.health;
        let Some(mut db) = self
            .inner
            .db
            .try_write_for(std::time::Duration::from_secs(5))
        else {
            health.reopen_failed();
            return Err(health.refusal());
        };
        if !health.needs_reopen() {
            return Ok(());
        }
        // Close first: the file lock must be released before the file is opened again.
        *db = None;
        let opened = open_db(&self.inner.path).map_err(StoreError::db);
        health::take_noted();
        match opened {
            Ok(fresh) => {
                *db = Some(fresh);
                health.reopened();
                tracing::info!("the store was reopened after a failed write");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "the store could not be reopened yet");
                health.reopen_failed();
                health.saw(&e);
                Err(health.refusal())
            }
        }
    }
}

#[cfg(test)]
mod tests;
