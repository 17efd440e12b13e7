//! Read-audit events written in batches: every page view records who read what before the
//! page is served (fail closed), and concurrent views share one write transaction and one
//! flush instead of taking a transaction each behind the store's single writer.
//!
//! Leader and followers: a caller queues its event and, if no batch is being written,
//! writes every queued event in one transaction (its own among them); callers that queue
//! meanwhile wait for the next batch, which one of them writes. Nobody returns before the
//! batch holding their event is on disk, and a batch that fails fails every caller in it.

use std::sync::Arc;

use parking_lot::{Condvar, Mutex};
use time::OffsetDateTime;

use super::audit::{self, AuditTarget, Outcome};
use super::audit_event::Event;
use crate::policy::Actor;
use crate::store::{Store, StoreError};

/// How one caller's batch ended: unset until it is written, then whether it is on disk.
type Slot = Arc<std::sync::OnceLock<bool>>;

/// One queued event, with the slot its caller waits on.
struct Entry {
    at: OffsetDateTime,
    actor: Actor,
    event: Event,
    target: AuditTarget,
    slot: Slot,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Entry>,
    /// A batch is being written.
    writing: bool,
}

#[derive(Default)]
pub struct AuditBatch {
    queue: Mutex<Queue>,
    written: Condvar,
    /// Batches written, for tests.
    batches: std::sync::atomic::AtomicU64,
}

/// Ends a batch however its write ends, a panic included: every caller in it learns the
/// outcome (a batch that did not finish failed), and the next batch may start.
struct Writing<'a> {
    owner: &'a AuditBatch,
    slots: Vec<Slot>,
    durable: bool,
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        for slot in &self.slots {
            let _ = slot.set(self.durable);
        }
        self.owner.queue.lock().writing = false;
        self.owner.written.notify_all();
    }
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
        let slot = Slot::default();
        let mut q = self.queue.lock();
        q.waiting.push(Entry {
            at,
            actor: actor.clone(),
            event,
            target,
            slot: slot.clone(),
        });
        loop {
            if let Some(&durable) = slot.get() {
                return if durable {
                    Ok(())
                } else {
                    Err(store.refusal())
                };
            }
            if q.writing {
                self.written.wait(&mut q);
                continue;
            }
            q.writing = true;
            let batch = std::mem::take(&mut q.waiting);
            drop(q);
            let mut writing = Writing {
                owner: self,
                slots: batch.iter().map(|e| e.slot.clone()).collect(),
                durable: false,
            };
            let result = store.write(|tx| {
                for e in &batch {
                    audit::record(tx, e.at, &e.actor, e.event, &e.target, Outcome::Ok)?;
                }
                Ok::<_, StoreError>(())
            });
            self.batches
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            writing.durable = result.is_ok();
            drop(writing);
            // This caller wrote the batch: a failure comes with its own cause.
            result?;
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
