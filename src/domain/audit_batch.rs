//! Read-audit events written in batches: every page view records who read what before the
//! page is served (fail closed), and concurrent views share one write transaction and one
//! flush instead of taking a transaction each behind the store's single writer.
//!
//! Leader and followers: a caller queues its event and, if no batch is being written,
//! writes every queued event in one transaction (its own among them); callers that queue
//! meanwhile wait for the next batch, which one of them writes. Nobody returns before the
//! batch holding their event is on disk, and a batch that fails fails every caller in it.

use parking_lot::{Condvar, Mutex};
use time::OffsetDateTime;

use super::audit::{self, AuditTarget, Outcome};
use super::audit_event::Event;
use crate::policy::Actor;
use crate::store::{Store, StoreError};

/// One queued event.
struct Entry {
    at: OffsetDateTime,
    actor: Actor,
    event: Event,
    target: AuditTarget,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Entry>,
    /// The ticket the next queued event gets (tickets start at 1).
    next: u64,
    /// Every ticket up to this one was written (or failed).
    done: u64,
    /// A batch is being written.
    writing: bool,
    /// Ticket ranges whose batch failed (rare: a full disk, a failed flush).
    failed: Vec<(u64, u64)>,
}

#[derive(Default)]
pub struct AuditBatch {
    queue: Mutex<Queue>,
    written: Condvar,
    /// Batches written, for tests.
    batches: std::sync::atomic::AtomicU64,
}

impl AuditBatch {
    /// Records `event` (an allowed read) and returns once it is on disk.
    pub fn record(
        &self,
        store: &Store,
        at: OffsetDateTime,
        actor: &Actor,
        event: Event,
        target: AuditTarget,
    ) -> Result<(), StoreError> {
        let mut q = self.queue.lock();
        q.next = q.next.max(q.done + 1);
        let ticket = q.next;
        q.next += 1;
        q.waiting.push(Entry {
            at,
            actor: actor.clone(),
            event,
            target,
        });
        loop {
            if q.done >= ticket {
                let lost = q.failed.iter().any(|&(a, b)| (a..=b).contains(&ticket));
                return if lost { Err(store.refusal()) } else { Ok(()) };
            }
            if q.writing {
                self.written.wait(&mut q);
                continue;
            }
            q.writing = true;
            let batch = std::mem::take(&mut q.waiting);
            let (first, last) = (q.done + 1, q.next - 1);
            drop(q);
            let result = store.write(|tx| {
                for e in &batch {
                    audit::record(tx, e.at, &e.actor, e.event, &e.target, Outcome::Ok)?;
                }
                Ok::<_, StoreError>(())
            });
            self.batches
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            q = self.queue.lock();
            q.writing = false;
            q.done = last;
            if result.is_err() {
                q.failed.push((first, last));
            }
            // Callers look as soon as their batch is done; old failures need not stay.
            if q.failed.len() > 1024 {
                q.failed.drain(..512);
            }
            drop(q);
            self.written.notify_all();
            if ticket <= last {
                return result;
            }
            q = self.queue.lock();
        }
    }

    /// Batches written since start.
    #[cfg(test)]
    pub fn batches(&self) -> u64 {
        self.batches.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Keyring, Sealer};
    use crate::ids::AccountId;
    use crate::policy::{Action, Role, Target};

    #[test]
    fn concurrent_reads_share_batches_and_every_one_is_in_the_chain_when_answered() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create(&dir.path().join("db"), Sealer::new(Keyring::generate())).unwrap();
        let batch = AuditBatch::default();
        let at = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let clients: Vec<AccountId> = (0..64).map(|_| AccountId::generate()).collect();
        std::thread::scope(|scope| {
            for client in &clients {
                let (store, batch) = (&store, &batch);
                scope.spawn(move || {
                    let actor = Actor::Account {
                        id: AccountId::generate(),
                        role: Role::Clinician,
                        ip: None,
                    };
                    for _ in 0..10 {
                        let target = AuditTarget::from(Target::Client(*client));
                        batch
                            .record(store, at, &actor, Action::ViewClient.into(), target)
                            .unwrap();
                        // Answered: the event is in the store already.
                        let filter = crate::store::audit::AuditFilter {
                            client: Some(*client),
                            account: None,
                        };
                        let (mine, _) = store
                            .read(|tx| crate::store::audit::page(tx, filter, None, 50))
                            .unwrap();
                        assert!(!mine.is_empty());
                    }
                });
            }
        });
        assert_eq!(
            audit::verify(&store).unwrap(),
            audit::ChainState::Intact {
                events: 640,
                head: store.read(crate::store::audit::head).unwrap().unwrap().hash,
            }
        );
        assert!(
            batch.batches() < 640 / 2,
            "640 reads took {} batches",
            batch.batches()
        );
    }
}
