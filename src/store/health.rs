//! The store's health after a failed write, and how it heals.
//!
//! redb latches the first I/O error (a full disk, most often): every later transaction is
//! refused until the database is closed and opened again. The store notices that failure,
//! says what it was (`StoreError::DiskFull` when the disk had no room) and reopens the file
//! on the next transaction, so reading goes on. While the disk is known to be full, writes
//! are refused before they reach redb (so it does not latch again), until a trial write of
//! `PROBE_BYTES` to the data directory succeeds. Nothing committed is lost by reopening:
//! redb recovers the last durable commit, and nothing after it was ever acknowledged.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use super::error::StoreError;

/// How much room a trial write must find before the store is reopened.
const PROBE_BYTES: usize = 1024 * 1024;
/// At most one reopen attempt in this interval, so a full disk is not hammered.
const RETRY_EVERY: Duration = Duration::from_millis(500);
/// Name of the trial-write file in the data directory (removed right after).
const PROBE_FILE: &str = ".alcove-space-probe";

/// What the store can do right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Ok,
    /// A write found no room on the disk; nothing after the last commit was saved.
    DiskFull,
    /// A write failed for another reason (an I/O error).
    Failed,
}

const OK: u8 = 0;
const DISK_FULL: u8 = 1;
const FAILED: u8 = 2;

/// Shared by every clone of one store.
#[derive(Debug, Default)]
pub(super) struct Health {
    condition: AtomicU8,
    needs_reopen: AtomicBool,
    /// Writes refused because the disk was full, since the store was opened.
    disk_full_refusals: AtomicU64,
    last_probe: parking_lot::Mutex<Option<Instant>>,
    /// When reopening last failed: the next attempt waits `RETRY_EVERY` after it.
    last_reopen_failure: parking_lot::Mutex<Option<Instant>>,
}

/// True at most once per `RETRY_EVERY` for one `last` slot.
fn due(last: &parking_lot::Mutex<Option<Instant>>) -> bool {
    let mut last = last.lock();
    let now = Instant::now();
    if last.is_some_and(|at| now.duration_since(at) < RETRY_EVERY) {
        return false;
    }
    *last = Some(now);
    true
}

impl Health {
    pub fn condition(&self) -> Condition {
        match self.condition.load(Ordering::Acquire) {
            OK => Condition::Ok,
            DISK_FULL => Condition::DiskFull,
            _ => Condition::Failed,
        }
    }

    pub fn disk_full_refusals(&self) -> u64 {
        self.disk_full_refusals.load(Ordering::Relaxed)
    }

    pub fn needs_reopen(&self) -> bool {
        self.needs_reopen.load(Ordering::Acquire)
    }

    /// The error a caller gets while the store waits to be reopened.
    pub fn refusal(&self) -> StoreError {
        match self.condition() {
            Condition::DiskFull => StoreError::DiskFull,
            _ => StoreError::Unavailable,
        }
    }

    /// Looks at an error on its way out of a transaction: an I/O failure means redb has
    /// latched it, so the file must be reopened before anything else can be done.
    pub fn saw(&self, error: &StoreError) {
        let code = match error {
            StoreError::DiskFull => DISK_FULL,
            StoreError::Io(_) => FAILED,
            // A latched earlier failure whose cause we did not see: keep a known cause.
            StoreError::Unavailable => {
                let _ = self.condition.compare_exchange(
                    OK,
                    FAILED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                self.needs_reopen.store(true, Ordering::Release);
                return;
            }
            _ => return,
        };
        if code == DISK_FULL {
            self.disk_full_refusals.fetch_add(1, Ordering::Relaxed);
        }
        self.condition.store(code, Ordering::Release);
        self.needs_reopen.store(true, Ordering::Release);
    }

    /// A transaction committed: the disk took it.
    pub fn wrote(&self) {
        if self.condition.load(Ordering::Acquire) == FAILED && !self.needs_reopen() {
            self.condition.store(OK, Ordering::Release);
        }
    }

    /// May a write go to redb? Not while the disk is known to be full, unless there is
    /// room again (`probe_room`).
    pub fn admit_write(&self, dir: &Path) -> Result<(), StoreError> {
        if self.probe_room(dir) {
            return Ok(());
        }
        self.disk_full_refusals.fetch_add(1, Ordering::Relaxed);
        Err(StoreError::DiskFull)
    }

    /// False while the disk is known to be full; then a trial write, at most one per
    /// `RETRY_EVERY`, looks whether there is room again.
    pub fn probe_room(&self, dir: &Path) -> bool {
        if self.condition() != Condition::DiskFull {
            return true;
        }
        if due(&self.last_probe) && room_for_probe(dir).is_ok() {
            let _ =
                self.condition
                    .compare_exchange(DISK_FULL, OK, Ordering::AcqRel, Ordering::Acquire);
            tracing::info!("there is room on the disk again: saving resumes");
            return true;
        }
        false
    }

    /// Whether this caller may try to reopen now: not soon after a failed attempt.
    pub fn may_reopen(&self) -> bool {
        self.last_reopen_failure
            .lock()
            .is_none_or(|at| at.elapsed() >= RETRY_EVERY)
    }

    pub fn reopened(&self) {
        *self.last_reopen_failure.lock() = None;
        self.needs_reopen.store(false, Ordering::Release);
    }

    pub fn reopen_failed(&self) {
        *self.last_reopen_failure.lock() = Some(Instant::now());
    }
}

/// Is there room for `PROBE_BYTES` in `dir`? Writes, syncs and removes a trial file.
pub(super) fn room_for_probe(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(PROBE_FILE);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)?;
        file.write_all(&vec![0u8; PROBE_BYTES])?;
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    result.map_err(StoreError::from_io)
}

thread_local! {
    /// How many store transactions this thread has open (a service may read inside a
    /// write). Only the outermost may reopen the file, as that waits for all of them.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The store error last mapped from redb on this thread, so a failure inside a
    /// caller's closure (whose error type the store cannot see) is still noticed.
    static SEEN: Cell<Option<Seen>> = const { Cell::new(None) };
}

#[derive(Clone, Copy)]
enum Seen {
    DiskFull,
    Io,
    Latched,
}

/// Called wherever a redb error becomes a `StoreError`.
pub(super) fn note(error: &StoreError) {
    let seen = match error {
        StoreError::DiskFull => Seen::DiskFull,
        StoreError::Io(_) => Seen::Io,
        StoreError::Unavailable => Seen::Latched,
        _ => return,
    };
    SEEN.with(|s| s.set(Some(seen)));
}

/// Takes the failure noted on this thread since the last call, as an error to look at.
pub(super) fn take_noted() -> Option<StoreError> {
    SEEN.with(Cell::take).map(|s| match s {
        Seen::DiskFull => StoreError::DiskFull,
        Seen::Io => StoreError::Io(std::io::Error::other("an earlier write failed")),
        Seen::Latched => StoreError::Unavailable,
    })
}

/// Marks one open transaction on this thread while alive.
pub(super) struct Depth(usize);

impl Depth {
    pub fn enter() -> Self {
        Self(DEPTH.with(|d| {
            let n = d.get() + 1;
            d.set(n);
            n
        }))
    }

    pub fn outermost(&self) -> bool {
        self.0 == 1
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disk_errors_are_told_apart_from_other_io_errors() {
        let full = std::io::Error::from_raw_os_error(28);
        assert!(matches!(StoreError::from_io(full), StoreError::DiskFull));
        let quota = std::io::Error::from_raw_os_error(122);
        assert!(matches!(StoreError::from_io(quota), StoreError::DiskFull));
        let other = std::io::Error::from_raw_os_error(5);
        assert!(matches!(StoreError::from_io(other), StoreError::Io(_)));
    }

    #[test]
    fn a_full_disk_refuses_writes_until_a_trial_write_finds_room() {
        let dir = tempfile::tempdir().unwrap();
        let health = Health::default();
        health.saw(&StoreError::DiskFull);
        assert_eq!(health.condition(), Condition::DiskFull);
        assert!(health.needs_reopen());
        health.reopened();
        assert!(!health.needs_reopen());
        assert_eq!(
            health.condition(),
            Condition::DiskFull,
            "reopening is not room"
        );
        // Here there is room: the first trial write says so.
        assert!(health.admit_write(dir.path()).is_ok());
        assert_eq!(health.condition(), Condition::Ok);
        assert!(
            !dir.path().join(PROBE_FILE).exists(),
            "the trial file is removed"
        );
        assert_eq!(health.disk_full_refusals(), 1);
    }

    #[test]
    fn only_the_outermost_transaction_of_a_thread_may_reopen() {
        let outer = Depth::enter();
        let inner = Depth::enter();
        assert!(outer.outermost() && !inner.outermost());
        drop(inner);
        drop(outer);
        assert!(Depth::enter().outermost());
    }
}
