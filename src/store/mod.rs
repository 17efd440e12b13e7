//! The store: one redb file, every value sealed. The only module that names redb types.
//!
//! Writes are durable when `Store::write` returns (redb's default immediate durability);
//! callers acknowledge a change to a person only after that.

/// An opaque id: 128 random bits, shown (and parsed from URLs) as hex.
macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        pub struct $name(pub [u8; 16]);

        impl $name {
            pub fn generate() -> Self {
                let mut bytes = [0u8; 16];
                crate::crypto::random::fill(&mut bytes);
                Self(bytes)
            }

            /// Parses the hex form used in URLs; anything else is `None`.
            pub fn parse(text: &str) -> Option<Self> {
                Some(Self(hex::decode(text).ok()?.try_into().ok()?))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }
    };
}

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod backups;
pub mod dump;
mod error;
pub mod forms;
pub mod invites;
pub mod messages;
mod migrations;
pub mod outbox;
pub mod practice;
mod record;
pub mod sessions;
pub mod setup_tokens;
pub mod tables;
pub mod templates;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{Result, StoreError};
pub use migrations::SCHEMA_VERSION;
pub use record::{ReadTx, Record, WriteTx};

use crate::crypto::{BlindIndexer, Sealer};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "alcove.redb";

/// The sealed store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// Every transaction holds this shared (re-entrantly, as a service may read inside a
    /// write); compaction alone takes it exclusively.
    db: parking_lot::RwLock<redb::Database>,
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
        Self::open_or_create(path, sealer)
    }

    fn open_or_create(path: &Path, sealer: Sealer) -> Result<Self> {
        let db = redb::Database::create(path).map_err(StoreError::db)?;
        Self::from_db(db, sealer, path)
    }

    /// Wraps an open database and applies pending migrations.
    fn from_db(db: redb::Database, sealer: Sealer, path: &Path) -> Result<Self> {
        let index = BlindIndexer::new(sealer.keyring().index_key());
        let store = Self {
            inner: Arc::new(Inner {
                db: parking_lot::RwLock::new(db),
                sealer,
                index,
                path: path.to_owned(),
            }),
        };
        migrations::apply(&store)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn blind_index(&self) -> &BlindIndexer {
        &self.inner.index
    }

    /// Runs `f` in one write transaction and commits durably if it returns `Ok`;
    /// on `Err` nothing it did is kept.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&WriteTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let db = self.inner.db.read_recursive();
        let txn = db.begin_write().map_err(StoreError::db)?;
        let tx = WriteTx {
            txn,
            sealer: &self.inner.sealer,
        };
        let value = f(&tx)?;
        tx.txn.commit().map_err(StoreError::db)?;
        Ok(value)
    }

    /// Rewrites the file without its free space, so removed records leave no bytes behind.
    /// Waits until no transaction is open, and holds new ones off meanwhile.
    pub fn compact(&self) -> Result<bool> {
        let mut db = self.inner.db.write();
        db.compact().map_err(StoreError::db)
    }

    /// Runs `f` against one consistent snapshot.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&ReadTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let db = self.inner.db.read_recursive();
        let txn = redb::ReadableDatabase::begin_read(&*db).map_err(StoreError::db)?;
        let tx = ReadTx {
            txn,
            sealer: &self.inner.sealer,
        };
        f(&tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Keyring;
    use practice::PracticeProfile;

    fn count(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).filter(|w| *w == needle).count()
    }

    #[test]
    fn canary_written_through_the_store_never_reaches_the_file_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let canary = "CANARY-7f3a9c-Jane-Doe-panic-attacks";
        {
            let store = Store::create(&path, Sealer::new(Keyring::generate())).unwrap();
            store
                .write(|tx| {
                    practice::save(
                        tx,
                        &PracticeProfile {
                            name: canary.to_owned(),
                        },
                    )
                })
                .unwrap();
            let back = store.read(practice::load).unwrap();
            assert_eq!(back.name, canary);
        }
        let raw = std::fs::read(&path).unwrap();
        assert!(raw.len() > 1000, "the database file was written");
        assert_eq!(count(&raw, canary.as_bytes()), 0);
        assert_eq!(count(&raw, b"Jane-Doe"), 0);
    }

    #[test]
    fn store_opened_with_another_keyring_refuses_to_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        drop(Store::create(&path, Sealer::new(Keyring::generate())).unwrap());
        let err = Store::open(&path, Sealer::new(Keyring::generate())).unwrap_err();
        assert!(
            matches!(err, StoreError::Sealed { table: "meta", .. }),
            "{err}"
        );
    }

    #[test]
    fn failed_write_keeps_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create(&dir.path().join(DB_FILE), Sealer::new(Keyring::generate())).unwrap();
        let result: std::result::Result<(), StoreError> = store.write(|tx| {
            practice::save(
                tx,
                &PracticeProfile {
                    name: "half".into(),
                },
            )?;
            Err(StoreError::Db("simulated failure".into()))
        });
        assert!(result.is_err());
        let profile = store.read(practice::load).unwrap();
        assert_ne!(profile.name, "half");
    }

    #[test]
    fn second_open_of_a_held_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let ring = Keyring::generate();
        let _held = Store::create(&path, Sealer::new(ring.clone())).unwrap();
        let err = Store::open(&path, Sealer::new(ring)).unwrap_err();
        assert!(matches!(err, StoreError::InUse), "{err}");
    }
}
