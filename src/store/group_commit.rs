//! Group commit: each write transaction commits without a flush to disk, then waits until
//! one flush covers it. Whoever finds no flush running does it, for every commit made so
//! far; writes that arrive meanwhile wait for the next one. So 64 concurrent writers cost
//! a handful of flushes instead of 64, and each caller is still answered only once its
//! change is on disk.
//!
//! Why it is sound: a flush is an empty write transaction with immediate durability, and
//! redb makes every earlier non-durable commit durable with it. A commit's number is taken
//! after its commit returned, and a flush notes the number it covers before it begins, so
//! a flush covers every number at or below the one it noted. When a flush fails, every
//! commit it would have covered is reported failed: redb latches the failure, the store
//! reopens on its last durable state, and those changes are gone, as their callers are told.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Condvar, Mutex};

#[derive(Debug, Default)]
pub(super) struct GroupCommit {
    /// Number of the last non-durable commit.
    committed: AtomicU64,
    state: Mutex<State>,
    flushed: Condvar,
    /// Flushes done, for tests and benchmarks.
    flushes: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    /// Every commit up to this number is on disk.
    durable: u64,
    /// A flush is running.
    flushing: bool,
    /// The commits up to this number were lost with a failed flush.
    lost_up_to: u64,
}

/// Why a caller's change is not on disk.
pub(super) enum NotDurable<E> {
    /// This caller's flush failed, with this error.
    Flush(E),
    /// Another caller's flush, which covered this change, failed.
    Lost,
}

impl GroupCommit {
    /// Notes a commit that has returned; the number to wait for.
    pub fn committed(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Returns once commit `seq` is on disk, flushing if nobody else is.
    pub fn wait_durable<E>(
        &self,
        seq: u64,
        flush: impl Fn() -> Result<(), E>,
    ) -> Result<(), NotDurable<E>> {
        let mut state = self.state.lock();
        loop {
            if state.durable >= seq {
                return Ok(());
            }
            if state.lost_up_to >= seq {
                return Err(NotDurable::Lost);
            }
            if state.flushing {
                self.flushed.wait(&mut state);
                continue;
            }
            state.flushing = true;
            let covers = self.committed.load(Ordering::Acquire);
            drop(state);
            let result = flush();
            self.flushes.fetch_add(1, Ordering::Relaxed);
            state = self.state.lock();
            state.flushing = false;
            match result {
                Ok(()) => state.durable = state.durable.max(covers),
                Err(e) => {
                    state.lost_up_to = state.lost_up_to.max(covers);
                    drop(state);
                    self.flushed.notify_all();
                    return Err(NotDurable::Flush(e));
                }
            }
            self.flushed.notify_all();
        }
    }

    /// Flushes done since the store was opened.
    pub fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn one_flush_serves_every_commit_made_before_it() {
        let group = GroupCommit::default();
        let a = group.committed();
        let b = group.committed();
        assert!(group.wait_durable(a, || Ok::<_, ()>(())).is_ok());
        assert_eq!(group.flushes(), 1);
        assert!(group.wait_durable(b, || Ok::<_, ()>(())).is_ok());
        assert_eq!(group.flushes(), 1, "b was covered by a's flush");
        let c = group.committed();
        assert!(group.wait_durable(c, || Ok::<_, ()>(())).is_ok());
        assert_eq!(group.flushes(), 2);
    }

    #[test]
    fn a_failed_flush_fails_every_commit_it_covered_and_no_later_one() {
        let group = GroupCommit::default();
        let a = group.committed();
        let b = group.committed();
        assert!(matches!(
            group.wait_durable(a, || Err("disk full")),
            Err(NotDurable::Flush("disk full"))
        ));
        assert!(matches!(
            group.wait_durable(b, || Ok::<_, &str>(())),
            Err(NotDurable::Lost)
        ));
        let c = group.committed();
        assert!(group.wait_durable(c, || Ok::<_, &str>(())).is_ok());
    }

    #[test]
    fn concurrent_writers_share_flushes_and_none_returns_before_its_flush() {
        let group = GroupCommit::default();
        let durable = AtomicU64::new(0);
        let in_flush = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for _ in 0..32 {
                scope.spawn(|| {
                    for _ in 0..20 {
                        let seq = group.committed();
                        group
                            .wait_durable(seq, || {
                                assert!(!in_flush.swap(true, Ordering::SeqCst), "one at a time");
                                let covers = group.committed.load(Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(2));
                                durable.fetch_max(covers, Ordering::SeqCst);
                                in_flush.store(false, Ordering::SeqCst);
                                Ok::<_, ()>(())
                            })
                            .unwrap_or_else(|_| panic!("flush failed"));
                        assert!(
                            durable.load(Ordering::SeqCst) >= seq,
                            "answered before its flush"
                        );
                    }
                });
            }
        });
        assert!(
            group.flushes() < 32 * 20 / 2,
            "640 commits took {} flushes",
            group.flushes()
        );
    }
}
