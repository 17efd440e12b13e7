//! One writer, group commit: concurrent writes share one redb transaction and one flush.
//!
//! Callers take turns, first come first served, holding the open transaction one at a
//! time, each on its own thread. A caller runs its closure in the transaction; if others
//! are waiting it hands the transaction on and waits, else it commits (durably) for every
//! caller in it, and each of them is answered only then. So 64 concurrent writers cost a
//! few transactions and flushes instead of 64 of each, and every caller still returns only
//! once its change is on disk.
//!
//! A closure that fails having changed nothing (a refusal decided on what it read: a used
//! link, a closed conversation) stays in its batch: its error is its answer once the batch
//! is on disk, since what it read may be what an earlier caller in the batch wrote. A
//! closure that fails after changing something leaves that in the shared transaction, and
//! redb has no savepoint inside a transaction that has been written. So then the whole
//! batch is aborted and every caller in it runs its closure again in a transaction of its
//! own ("alone"), where a failure touches nobody else and its error is the caller's answer,
//! as it was before batching. Each caller runs at most twice; closures are `Fn` so that
//! running again is safe. A caller whose closure fails as the first of its batch simply
//! aborts it: nobody else was in it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::record::WriteTx;
use super::{health, Store, StoreError};

/// Most callers in one transaction: bounds how long the last of them waits.
const MAX_MEMBERS: usize = 64;

/// How a batch ended, for the callers waiting in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// On disk.
    Committed,
    /// Aborted because one of its callers failed (or panicked): each runs again, alone.
    Again,
    /// The commit failed: nothing of it is kept.
    Failed,
}

/// Where the callers of one batch learn how it ended. Each batch has its own, so an end
/// wakes only the callers in it.
#[derive(Default)]
struct Ending {
    outcome: Mutex<Option<Outcome>>,
    ended: Condvar,
}

impl Ending {
    /// Sets the outcome (the first one set stands) and wakes the callers waiting for it.
    fn end(&self, outcome: Outcome) {
        let mut set = self.outcome.lock();
        set.get_or_insert(outcome);
        drop(set);
        self.ended.notify_all();
    }

    fn wait(&self) -> Outcome {
        let mut set = self.outcome.lock();
        loop {
            if let Some(outcome) = *set {
                return outcome;
            }
            self.ended.wait(&mut set);
        }
    }
}

/// Ends a batch with `Again` if it is dropped before it ended (a closure panicked while the
/// transaction was in its hands), so that nobody waits for it forever.
struct Unended(Arc<Ending>);

impl Drop for Unended {
    fn drop(&mut self) {
        self.0.end(Outcome::Again);
    }
}

/// The transaction being gathered, with the callers already in it.
struct Open {
    txn: redb::WriteTransaction,
    ending: Unended,
    members: usize,
}

/// A caller waiting for its turn; woken alone when the turn is handed to it.
#[derive(Default)]
struct Waiter {
    granted: Mutex<bool>,
    woken: Condvar,
}

#[derive(Default)]
struct State {
    open: Option<Open>,
    /// Someone holds the turn (running a closure, committing, aborting).
    busy: bool,
    /// The callers waiting for their turn, first come first served.
    queue: std::collections::VecDeque<Arc<Waiter>>,
    /// Turns asked for since the store was opened (tests watch it).
    issued: u64,
}

impl State {
    /// Hands the turn to the first caller waiting, or frees it.
    fn pass_turn(&mut self) {
        match self.queue.pop_front() {
            Some(next) => {
                *next.granted.lock() = true;
                next.woken.notify_one();
            }
            None => self.busy = false,
        }
    }
}

#[derive(Default)]
pub(super) struct Batcher {
    state: Mutex<State>,
    /// Durable commits made, for tests and benchmarks.
    commits: AtomicU64,
}

/// Why a caller's write did not happen; nothing of it is kept either way.
pub(super) enum NotWritten<E> {
    /// The closure's own error.
    Closure(E),
    /// The store failed (beginning or committing the transaction).
    Store(StoreError),
}

/// One caller's turn: while it is held nobody else touches the transaction. Dropped (a
/// panic included), it passes the turn on, unless it was handed on with the transaction.
struct Turn<'a> {
    batcher: &'a Batcher,
    held: bool,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if self.held {
            self.batcher.state.lock().pass_turn();
        }
    }
}

/// Where a caller's shared turn ended.
enum Shared<T, E> {
    Done(Result<T, NotWritten<E>>),
    /// The batch was aborted: run again, alone.
    Alone,
}

impl Batcher {
    /// Runs `f` in a transaction shared with the callers waiting meanwhile, and returns
    /// once the transaction holding its change is on disk.
    pub fn write<T, E>(
        &self,
        store: &Store,
        db: &redb::Database,
        f: &dyn Fn(&WriteTx<'_>) -> Result<T, E>,
    ) -> Result<T, NotWritten<E>> {
        let (turn, open) = self.take_turn();
        match self.run_shared(store, db, turn, open, f) {
            Shared::Done(result) => result,
            Shared::Alone => {
                let (turn, open) = self.take_turn();
                self.run_alone(store, db, turn, open, f)
            }
        }
    }

    /// Waits for this caller's turn; with it comes the transaction being gathered, if any.
    fn take_turn(&self) -> (Turn<'_>, Option<Open>) {
        let mut state = self.state.lock();
        state.issued += 1;
        if state.busy {
            let waiter = Arc::new(Waiter::default());
            state.queue.push_back(waiter.clone());
            drop(state);
            let mut granted = waiter.granted.lock();
            while !*granted {
                waiter.woken.wait(&mut granted);
            }
            drop(granted);
            state = self.state.lock();
        } else {
            state.busy = true;
        }
        let open = state.open.take();
        let turn = Turn {
            batcher: self,
            held: true,
        };
        (turn, open)
    }

    fn run_shared<T, E>(
        &self,
        store: &Store,
        db: &redb::Database,
        mut turn: Turn<'_>,
        open: Option<Open>,
        f: &dyn Fn(&WriteTx<'_>) -> Result<T, E>,
    ) -> Shared<T, E> {
        let mut open = match open {
            Some(open) => open,
            None => match begin(store, db) {
                Ok(open) => open,
                Err(e) => return Shared::Done(Err(NotWritten::Store(e))),
            },
        };
        let (txn, result, unchanged) = run(store, open.txn, f);
        open.txn = txn;
        let answer = match result {
            Ok(value) => Ok(value),
            Err(e) if open.members == 0 => {
                abort(store, open.txn);
                return Shared::Done(Err(NotWritten::Closure(e)));
            }
            // Nothing of it is in the transaction: the others' writes go on.
            Err(e) if unchanged => Err(NotWritten::Closure(e)),
            Err(_) => {
                // What it wrote cannot be taken out of the others' transaction.
                abort(store, open.txn);
                open.ending.0.end(Outcome::Again);
                drop(turn);
                return Shared::Alone;
            }
        };
        open.members += 1;
        let ending = open.ending.0.clone();
        let mut state = self.state.lock();
        if !state.queue.is_empty() && open.members < MAX_MEMBERS {
            // Somebody is waiting: they add to this transaction, and the last one commits.
            turn.held = false;
            state.open = Some(open);
            state.pass_turn();
            drop(state);
            return match ending.wait() {
                Outcome::Committed => Shared::Done(answer),
                Outcome::Again => Shared::Alone,
                Outcome::Failed => Shared::Done(Err(NotWritten::Store(store.refusal()))),
            };
        }
        drop(state);
        let committed = self.commit(store, open);
        drop(turn);
        Shared::Done(committed.map_err(NotWritten::Store).and(answer))
    }

    /// Runs `f` in a transaction nobody else joins; a batch gathered meanwhile is
    /// committed first.
    fn run_alone<T, E>(
        &self,
        store: &Store,
        db: &redb::Database,
        turn: Turn<'_>,
        open: Option<Open>,
        f: &dyn Fn(&WriteTx<'_>) -> Result<T, E>,
    ) -> Result<T, NotWritten<E>> {
        if let Some(open) = open {
            // Its callers learn how it went from its ending; this caller's write is apart.
            let _ = self.commit(store, open);
        }
        let mut open = begin(store, db).map_err(NotWritten::Store)?;
        let (txn, result, _) = run(store, open.txn, f);
        open.txn = txn;
        let value = match result {
            Ok(value) => value,
            Err(e) => {
                abort(store, open.txn);
                return Err(NotWritten::Closure(e));
            }
        };
        let committed = self.commit(store, open);
        drop(turn);
        committed.map(|()| value).map_err(NotWritten::Store)
    }

    /// Commits the batch durably and tells every caller waiting in it.
    fn commit(&self, store: &Store, open: Open) -> Result<(), StoreError> {
        let result = open
            .txn
            .commit()
            .map_err(|e| store.failed(StoreError::db(e)));
        self.commits.fetch_add(1, Ordering::Relaxed);
        let outcome = match result {
            Ok(()) => {
                store.inner.health.wrote();
                Outcome::Committed
            }
            Err(_) => Outcome::Failed,
        };
        open.ending.0.end(outcome);
        result
    }

    /// Durable commits made since the store was opened.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

fn begin(store: &Store, db: &redb::Database) -> Result<Open, StoreError> {
    let txn = db
        .begin_write()
        .map_err(|e| store.failed(StoreError::db(e)))?;
    Ok(Open {
        txn,
        ending: Unended(Arc::default()),
        members: 0,
    })
}

/// Runs `f` in `txn` and gives the transaction back with the closure's result, and whether
/// the transaction is as it was (nothing changed through it, no redb call failed in it).
fn run<T, E>(
    store: &Store,
    txn: redb::WriteTransaction,
    f: &dyn Fn(&WriteTx<'_>) -> Result<T, E>,
) -> (redb::WriteTransaction, Result<T, E>, bool) {
    let tx = WriteTx {
        txn,
        sealer: &store.inner.sealer,
        changed: std::cell::Cell::new(false),
    };
    health::take_noted();
    let result = f(&tx);
    let mut unchanged = !tx.changed.get();
    if result.is_err() {
        // The closure's error type may hide a redb failure: the thread noted it.
        if let Some(seen) = health::take_noted() {
            store.inner.health.saw(&seen);
            unchanged = false;
        }
    }
    (tx.txn, result, unchanged)
}

fn abort(store: &Store, txn: redb::WriteTransaction) {
    if let Err(e) = txn.abort() {
        store.failed(StoreError::db(e));
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
