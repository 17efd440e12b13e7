//! Typed records: each record type names its table; transactions seal on write and open
//! on read, so no caller ever handles a sealed byte or a redb type.

use redb::{ReadOnlyTable, ReadableTable};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use super::error::{Result, StoreError};
use super::tables::Table;
use crate::crypto::Sealer;

/// A value kept in one table of the store.
pub trait Record: Serialize + DeserializeOwned {
    const TABLE: Table;
}

fn encode<R: Record>(sealer: &Sealer, key: &[u8], record: &R) -> Result<Vec<u8>> {
    let plain = Zeroizing::new(
        serde_json::to_vec(record).map_err(|_| StoreError::Format { table: R::TABLE.0 })?,
    );
    Ok(sealer.seal(R::TABLE.0, key, &plain))
}

fn decode<R: Record>(sealer: &Sealer, key: &[u8], sealed: &[u8]) -> Result<R> {
    let plain = Zeroizing::new(sealer.open(R::TABLE.0, key, sealed).map_err(|source| {
        StoreError::Sealed {
            table: R::TABLE.0,
            source,
        }
    })?);
    serde_json::from_slice(&plain).map_err(|_| StoreError::Format { table: R::TABLE.0 })
}

/// A write transaction. Committed by `Store::write` when the closure returns `Ok`.
pub struct WriteTx<'a> {
    pub(super) txn: redb::WriteTransaction,
    pub(super) sealer: &'a Sealer,
    /// Something was changed through it (a closure that failed without changing anything
    /// can leave a shared transaction as it was: `batch`).
    pub(super) changed: std::cell::Cell<bool>,
}

impl WriteTx<'_> {
    pub fn put<R: Record>(&self, key: &[u8], record: &R) -> Result<()> {
        self.changed.set(true);
        let sealed = encode(self.sealer, key, record)?;
        let mut table = self
            .txn
            .open_table(R::TABLE.def())
            .map_err(StoreError::db)?;
        table
            .insert(key, sealed.as_slice())
            .map_err(StoreError::db)?;
        Ok(())
    }

    pub fn get<R: Record>(&self, key: &[u8]) -> Result<Option<R>> {
        let table = self
            .txn
            .open_table(R::TABLE.def())
            .map_err(StoreError::db)?;
        let found = table.get(key).map_err(StoreError::db)?;
        found
            .map(|v| decode(self.sealer, key, v.value()))
            .transpose()
    }

    /// Removes a row; true if it was there.
    pub fn remove<R: Record>(&self, key: &[u8]) -> Result<bool> {
        self.changed.set(true);
        let mut table = self
            .txn
            .open_table(R::TABLE.def())
            .map_err(StoreError::db)?;
        let removed = table.remove(key).map_err(StoreError::db)?;
        Ok(removed.is_some())
    }

    /// Removes every row of `R`'s table.
    pub fn clear<R: Record>(&self) -> Result<u64> {
        self.changed.set(true);
        let mut table = self
            .txn
            .open_table(R::TABLE.def())
            .map_err(StoreError::db)?;
        let keys: Vec<Vec<u8>> = table
            .iter()
            .map_err(StoreError::db)?
            .map(|row| row.map(|(k, _)| k.value().to_vec()))
            .collect::<std::result::Result<_, _>>()
            .map_err(StoreError::db)?;
        for key in &keys {
            table.remove(key.as_slice()).map_err(StoreError::db)?;
        }
        Ok(keys.len() as u64)
    }

    /// The row with the greatest key, if any.
    pub fn last<R: Record>(&self) -> Result<Option<(Vec<u8>, R)>> {
        let table = self
            .txn
            .open_table(R::TABLE.def())
            .map_err(StoreError::db)?;
        let last = table.last().map_err(StoreError::db)?;
        match last {
            Some((k, v)) => {
                let key = k.value().to_vec();
                let record = decode(self.sealer, &key, v.value())?;
                Ok(Some((key, record)))
            }
            None => Ok(None),
        }
    }

    /// Every row of `R`'s table, in key order.
    pub fn all<R: Record>(&self) -> Result<Vec<(Vec<u8>, R)>> {
        let table = self
            .txn
            .open_table(R::TABLE.def())
            .map_err(StoreError::db)?;
        let mut out = Vec::new();
        for row in table.iter().map_err(StoreError::db)? {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value().to_vec();
            let record = decode(self.sealer, &key, v.value())?;
            out.push((key, record));
        }
        Ok(out)
    }

    /// Up to `limit` rows of `R`'s table from the key `start` on, in key order: a large
    /// table read a batch at a time.
    pub fn rows_from<R: Record>(&self, start: &[u8], limit: usize) -> Result<Vec<(Vec<u8>, R)>> {
        let table = self
            .txn
            .open_table(R::TABLE.def())
            .map_err(StoreError::db)?;
        let mut out = Vec::new();
        for row in table.range(start..).map_err(StoreError::db)?.take(limit) {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value().to_vec();
            let record = decode(self.sealer, &key, v.value())?;
            out.push((key, record));
        }
        Ok(out)
    }

    /// Seals raw bytes (not a JSON record) into `table`: attachment chunks.
    pub fn put_bytes(&self, table: Table, key: &[u8], plain: &[u8]) -> Result<()> {
        self.changed.set(true);
        let sealed = self.sealer.seal(table.0, key, plain);
        let mut t = self.txn.open_table(table.def()).map_err(StoreError::db)?;
        t.insert(key, sealed.as_slice()).map_err(StoreError::db)?;
        Ok(())
    }

    /// Removes one row of a byte table; true if it was there.
    pub fn remove_bytes(&self, table: Table, key: &[u8]) -> Result<bool> {
        self.changed.set(true);
        let mut t = self.txn.open_table(table.def()).map_err(StoreError::db)?;
        let removed = t.remove(key).map_err(StoreError::db)?;
        Ok(removed.is_some())
    }

    /// Adds an index row: the key is the whole entry and the value an empty sealed value,
    /// so a row cannot be planted or moved to another key without the store's key.
    pub fn put_index(&self, table: Table, key: &[u8]) -> Result<()> {
        self.put_bytes(table, key, &[])
    }

    /// Removes every row of `table` whose key starts with `prefix`; returns how many.
    pub fn remove_prefix(&self, table: Table, prefix: &[u8]) -> Result<u64> {
        self.changed.set(true);
        let keys = self.keys_with_prefix(table, prefix)?;
        let mut t = self.txn.open_table(table.def()).map_err(StoreError::db)?;
        for key in &keys {
            t.remove(key.as_slice()).map_err(StoreError::db)?;
        }
        Ok(keys.len() as u64)
    }

    /// The keys of `table` that start with `prefix`, in order (values stay sealed).
    pub fn keys_with_prefix(&self, table: Table, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let t = self.txn.open_table(table.def()).map_err(StoreError::db)?;
        let keys = t
            .range(prefix..)
            .map_err(StoreError::db)?
            .map(|row| row.map(|(k, _)| k.value().to_vec()))
            .take_while(|k| k.as_ref().map_or(true, |k| k.starts_with(prefix)))
            .collect::<std::result::Result<_, _>>()
            .map_err(StoreError::db)?;
        Ok(keys)
    }

    /// The keys of the index `table` that start with `prefix`, each checked against its
    /// sealed value (as `ReadTx::index_keys`): a row planted without the store's key is an
    /// error, not an entry.
    pub fn index_keys_for_update(&self, table: Table, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let t = self.txn.open_table(table.def()).map_err(StoreError::db)?;
        let mut out = Vec::new();
        for row in t.range(prefix..).map_err(StoreError::db)? {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value();
            if !key.starts_with(prefix) {
                break;
            }
            check_seal(self.sealer, table, key, v.value())?;
            out.push(key.to_vec());
        }
        Ok(out)
    }

    /// Every key of `table` (values stay sealed and unread).
    pub fn keys(&self, table: Table) -> Result<Vec<Vec<u8>>> {
        let t = self.txn.open_table(table.def()).map_err(StoreError::db)?;
        let keys = t
            .iter()
            .map_err(StoreError::db)?
            .map(|row| row.map(|(k, _)| k.value().to_vec()))
            .collect::<std::result::Result<_, _>>()
            .map_err(StoreError::db)?;
        Ok(keys)
    }

    /// Deletes a table with its rows; used only by the schema test hook.
    pub(super) fn drop_table(&self, table: Table) -> Result<()> {
        self.changed.set(true);
        self.txn.delete_table(table.def()).map_err(StoreError::db)?;
        Ok(())
    }

    /// Opens (creating if needed) a table; used by migrations.
    pub(super) fn ensure_table(&self, table: Table) -> Result<()> {
        self.changed.set(true);
        self.txn.open_table(table.def()).map_err(StoreError::db)?;
        Ok(())
    }
}

/// A read transaction: a consistent snapshot.
pub struct ReadTx<'a> {
    pub(super) txn: redb::ReadTransaction,
    pub(super) sealer: &'a Sealer,
}

impl ReadTx<'_> {
    pub(super) fn table(
        &self,
        table: Table,
    ) -> Result<Option<ReadOnlyTable<&'static [u8], &'static [u8]>>> {
        match self.txn.open_table(table.def()) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(StoreError::db(e)),
        }
    }

    pub fn get<R: Record>(&self, key: &[u8]) -> Result<Option<R>> {
        let Some(table) = self.table(R::TABLE)? else {
            return Ok(None);
        };
        let found = table.get(key).map_err(StoreError::db)?;
        found
            .map(|v| decode(self.sealer, key, v.value()))
            .transpose()
    }

    /// Every row of `R`'s table, in key order.
    pub fn all<R: Record>(&self) -> Result<Vec<(Vec<u8>, R)>> {
        let Some(table) = self.table(R::TABLE)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for row in table.iter().map_err(StoreError::db)? {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value().to_vec();
            let record = decode(self.sealer, &key, v.value())?;
            out.push((key, record));
        }
        Ok(out)
    }

    /// Opens raw sealed bytes written by `WriteTx::put_bytes`.
    pub fn get_bytes(&self, table: Table, key: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let Some(t) = self.table(table)? else {
            return Ok(None);
        };
        let found = t.get(key).map_err(StoreError::db)?;
        found
            .map(|v| {
                self.sealer
                    .open(table.0, key, v.value())
                    .map(Zeroizing::new)
                    .map_err(|source| StoreError::Sealed {
                        table: table.0,
                        source,
                    })
            })
            .transpose()
    }

    /// The row with the greatest key, if any.
    pub fn last<R: Record>(&self) -> Result<Option<(Vec<u8>, R)>> {
        let Some(table) = self.table(R::TABLE)? else {
            return Ok(None);
        };
        let last = table.last().map_err(StoreError::db)?;
        let row = last.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()));
        row.map(|(key, sealed)| {
            let record = decode(self.sealer, &key, &sealed)?;
            Ok((key, record))
        })
        .transpose()
    }

    /// Up to `limit` rows of `R`'s table from the key `start` on, in key order: a walk over
    /// a large table a batch at a time, inside one snapshot.
    pub fn rows_from<R: Record>(&self, start: &[u8], limit: usize) -> Result<Vec<(Vec<u8>, R)>> {
        let Some(table) = self.table(R::TABLE)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for row in table.range(start..).map_err(StoreError::db)?.take(limit) {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value().to_vec();
            let record = decode(self.sealer, &key, v.value())?;
            out.push((key, record));
        }
        Ok(out)
    }

    /// The records at `keys` in `R`'s table, in order (`None` where there is none), the
    /// table opened once for all of them: a page of records named by an index.
    pub fn get_each<R: Record, K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Option<R>>> {
        let Some(table) = self.table(R::TABLE)? else {
            return Ok(keys.iter().map(|_| None).collect());
        };
        keys.iter()
            .map(|key| {
                let key = key.as_ref();
                let found = table.get(key).map_err(StoreError::db)?;
                found
                    .map(|v| decode(self.sealer, key, v.value()))
                    .transpose()
            })
            .collect()
    }

    /// Up to `limit` keys of the index `table` that start with `prefix`, each checked
    /// against its sealed value: in key order after `after`, or (`descending`) in reverse
    /// key order before it. Reads the page and a lookup, never the whole index.
    pub fn index_keys(
        &self,
        table: Table,
        prefix: &[u8],
        after: Option<&[u8]>,
        descending: bool,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>> {
        self.index_range(table, prefix, after, descending, limit, true)
    }

    /// As `index_keys`, without opening each row's seal: only for an index whose every key
    /// the caller then checks against the sealed record it names (a row planted or moved
    /// without the store's key matches no record), which costs less than a seal per row.
    pub(super) fn index_keys_checked_by_caller(
        &self,
        table: Table,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>> {
        self.index_range(table, prefix, after, false, limit, false)
    }

    fn index_range(
        &self,
        table: Table,
        prefix: &[u8],
        after: Option<&[u8]>,
        descending: bool,
        limit: usize,
        check_seals: bool,
    ) -> Result<Vec<Vec<u8>>> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let Some(t) = self.table(table)? else {
            return Ok(Vec::new());
        };
        let end = prefix_end(prefix);
        let after = after.filter(|a| a.starts_with(prefix));
        let range = match (descending, after, end.as_deref()) {
            (false, Some(a), _) => t.range::<&[u8]>((Excluded(a), Unbounded)),
            (false, None, _) => t.range::<&[u8]>((Included(prefix), Unbounded)),
            (true, Some(a), _) => t.range::<&[u8]>((Included(prefix), Excluded(a))),
            (true, None, Some(e)) => t.range::<&[u8]>((Included(prefix), Excluded(e))),
            (true, None, None) => t.range::<&[u8]>((Included(prefix), Unbounded)),
        }
        .map_err(StoreError::db)?;
        let rows: Box<dyn Iterator<Item = _>> = if descending {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        let mut out = Vec::new();
        for row in rows {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value();
            if !key.starts_with(prefix) || out.len() == limit {
                break;
            }
            if check_seals {
                check_seal(self.sealer, table, key, v.value())?;
            }
            out.push(key.to_vec());
        }
        Ok(out)
    }

    /// Up to `limit` rows of `R`'s table with keys before `before` (all rows without it),
    /// greatest key first.
    pub fn rows_before<R: Record>(
        &self,
        before: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, R)>> {
        use std::ops::Bound::{Excluded, Unbounded};
        let Some(table) = self.table(R::TABLE)? else {
            return Ok(Vec::new());
        };
        let upper = before.map_or(Unbounded, Excluded);
        let mut out = Vec::new();
        for row in table
            .range::<&[u8]>((Unbounded, upper))
            .map_err(StoreError::db)?
            .rev()
            .take(limit)
        {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value().to_vec();
            let record = decode(self.sealer, &key, v.value())?;
            out.push((key, record));
        }
        Ok(out)
    }

    /// How many rows a table holds.
    pub fn count(&self, table: Table) -> Result<u64> {
        use redb::ReadableTableMetadata as _;
        match self.table(table)? {
            Some(t) => t.len().map_err(StoreError::db),
            None => Ok(0),
        }
    }
}

/// The first key after every key that starts with `prefix` (`None`: no such key).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// An index row's sealed value opens under its key: the row was written with the store's
/// key where it stands (a planted or moved row fails).
fn check_seal(sealer: &Sealer, table: Table, key: &[u8], value: &[u8]) -> Result<()> {
    sealer
        .open(table.0, key, value)
        .map_err(|source| StoreError::Sealed {
            table: table.0,
            source,
        })?;
    Ok(())
}
