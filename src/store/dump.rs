//! Raw copies of the whole store for backups: every row of every table, values still
//! sealed, read from one read transaction (a consistent snapshot while the server keeps
//! serving); and a new database built from such rows (restore).
//!
//! Row format, repeated: table name length (u16 BE), name, key length (u32 BE), key,
//! value length (u32 BE), value.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use redb::ReadableTable;

use super::error::{Result, StoreError};
use super::tables::{self, Table};
use super::{ReadTx, Store};
use crate::crypto::Sealer;

/// One raw row: table name, key, sealed value.
pub type Row = (String, Vec<u8>, Vec<u8>);

/// Rows per table, as written or read.
pub type Counts = BTreeMap<String, u64>;

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(e)
}

impl ReadTx<'_> {
    /// Hands every row of every table to `sink`, in pieces of about `piece_size` bytes.
    /// Returns rows per table.
    pub fn dump(
        &self,
        piece_size: usize,
        mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<Counts> {
        let mut counts = Counts::new();
        let mut piece = Vec::with_capacity(piece_size + 1024);
        for table in tables::ALL {
            let Some(t) = self.table(*table)? else {
                continue;
            };
            let mut n = 0u64;
            for row in t.iter().map_err(StoreError::db)? {
                let (k, v) = row.map_err(StoreError::db)?;
                encode_row(&mut piece, table.0, k.value(), v.value());
                n += 1;
                if piece.len() >= piece_size {
                    sink(&piece).map_err(io)?;
                    piece.clear();
                }
            }
            counts.insert(table.0.to_owned(), n);
        }
        if !piece.is_empty() {
            sink(&piece).map_err(io)?;
        }
        Ok(counts)
    }
}

fn encode_row(out: &mut Vec<u8>, table: &str, key: &[u8], value: &[u8]) {
    out.extend_from_slice(&(table.len() as u16).to_be_bytes());
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(&(key.len() as u32).to_be_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

/// Reads rows back; `None` at a clean end. A cut-off row is an error.
pub fn read_row(input: &mut impl Read) -> std::io::Result<Option<Row>> {
    let mut len2 = [0u8; 2];
    match input.read_exact(&mut len2) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut name = vec![0u8; u16::from_be_bytes(len2) as usize];
    input.read_exact(&mut name)?;
    let mut field = || -> std::io::Result<Vec<u8>> {
        let mut len4 = [0u8; 4];
        input.read_exact(&mut len4)?;
        let len = u32::from_be_bytes(len4) as usize;
        if len > 64 * 1024 * 1024 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a row is implausibly large",
            ));
        }
        // Grown as bytes arrive: a length alone never reserves memory.
        let mut buf = Vec::new();
        input.by_ref().take(len as u64).read_to_end(&mut buf)?;
        if buf.len() != len {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(buf)
    };
    let key = field()?;
    let value = field()?;
    let name = String::from_utf8(name)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad table name"))?;
    Ok(Some((name, key, value)))
}

impl Store {
    /// Builds a new database at `path` (which must not exist) from dumped rows, in one
    /// transaction, then opens it (applying newer migrations if the rows are older).
    /// Unknown tables are refused.
    pub fn restore(
        path: &Path,
        sealer: Sealer,
        rows: &mut dyn Iterator<Item = std::io::Result<Row>>,
    ) -> Result<(Self, Counts)> {
        let counts = Self::load_new(path, rows)?;
        Ok((Self::open(path, sealer)?, counts))
    }

    /// The first half of `restore`: the new database file at `path` holding the rows, not
    /// opened (no key is needed to copy sealed rows; a streamed backup's keyring comes
    /// after them).
    pub fn load_new(
        path: &Path,
        rows: &mut dyn Iterator<Item = std::io::Result<Row>>,
    ) -> Result<Counts> {
        if path.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the database file already exists",
            )));
        }
        // Owner-only from the start, whatever the umask.
        crate::fsutil::create_private_new(path, b"")?;
        let db = super::open_db(path).map_err(StoreError::db)?;
        load(&db, rows)
    }

    /// The same as `restore`, into a database held in memory (the fuzzer's way in: the
    /// same row checks and migrations, without a file per attempt).
    #[cfg(any(test, feature = "fuzzing"))]
    pub fn restore_in_memory(
        sealer: Sealer,
        rows: &mut dyn Iterator<Item = std::io::Result<Row>>,
    ) -> Result<(Self, Counts)> {
        let db = redb::Builder::new()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(StoreError::db)?;
        let counts = load(&db, rows)?;
        Ok((Self::from_db(db, sealer, Path::new(""))?, counts))
    }
}

/// Writes dumped rows into `db` in one transaction. Unknown tables are refused.
fn load(
    db: &redb::Database,
    rows: &mut dyn Iterator<Item = std::io::Result<Row>>,
) -> Result<Counts> {
    let mut counts = Counts::new();
    let txn = db.begin_write().map_err(StoreError::db)?;
    for row in rows {
        let (name, key, value) = row.map_err(io)?;
        let table: Table = *tables::ALL
            .iter()
            .find(|t| t.0 == name)
            .ok_or(StoreError::Format { table: "backup" })?;
        let mut t = txn.open_table(table.def()).map_err(StoreError::db)?;
        t.insert(key.as_slice(), value.as_slice())
            .map_err(StoreError::db)?;
        *counts.entry(name).or_default() += 1;
    }
    txn.commit().map_err(StoreError::db)?;
    Ok(counts)
}
