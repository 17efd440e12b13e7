//! The audit log: every access to client data and every security event appends one event
//! to a hash chain, in the same transaction as the change it records (fail closed: if the
//! event cannot be written, nothing is). Events hold ids, never names or content.

use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub use super::audit_event::{AuditTarget, Event};
use crate::policy::Actor;
pub use crate::store::audit::AuditFilter;
use crate::store::audit::{self, AuditEvent};
use crate::store::{Store, StoreError, WriteTx};

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn hash_of(event: &AuditEvent) -> String {
    let mut unsealed = event.clone();
    unsealed.hash = String::new();
    // Field order is fixed by the struct, so the JSON is canonical.
    let json = serde_json::to_vec(&unsealed).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// Appends one event inside `tx`.
pub fn record(
    tx: &WriteTx<'_>,
    now: OffsetDateTime,
    actor: &Actor,
    event: impl Into<Event>,
    target: impl Into<AuditTarget>,
    outcome: Outcome,
) -> Result<(), StoreError> {
    let (event, target) = (event.into(), target.into());
    // An empty log follows its anchor, if retention left one (the purge keeps the newest
    // event, so only a log that never had one starts at 1).
    let (seq, prev) = match audit::last(tx)? {
        Some(last) => (last.seq + 1, last.hash),
        None => match audit::anchor_for_update(tx)? {
            Some(anchor) => (anchor.seq, anchor.prev),
            None => (1, GENESIS.to_owned()),
        },
    };
    let mut event = AuditEvent {
        seq,
        at: now.format(&Rfc3339).unwrap_or_default(),
        actor: actor.audit_id(),
        role: actor.audit_role().to_owned(),
        action: event.name().to_owned(),
        target: target.as_str().to_owned(),
        ip: actor.ip().map(|ip| ip.to_string()).unwrap_or_default(),
        outcome: outcome.name().to_owned(),
        prev,
        hash: String::new(),
    };
    event.hash = hash_of(&event);
    audit::append(tx, &event)
}

/// Appends one event in a transaction of its own (for reads and refused attempts).
pub fn record_now(
    store: &Store,
    now: OffsetDateTime,
    actor: &Actor,
    event: impl Into<Event>,
    target: impl Into<AuditTarget>,
    outcome: Outcome,
) -> Result<(), StoreError> {
    let (event, target) = (event.into(), target.into());
    store.write(|tx| record(tx, now, actor, event, target.clone(), outcome))
}

/// What `verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum ChainState {
    Intact { events: u64, head: String },
    Broken { position: u64, problem: String },
}

/// Walks the whole chain, a batch at a time inside one snapshot, and reports the first
/// event that is missing, out of order, altered or unreadable.
pub fn verify(store: &Store) -> Result<ChainState, StoreError> {
    use std::ops::ControlFlow::{Break, Continue};
    store.read(|tx| {
        // After retention purged the oldest events, the chain starts at the recorded anchor.
        let (first, mut prev) = match audit::anchor(tx)? {
            Some(a) => (a.seq, a.prev),
            None => (1u64, GENESIS.to_owned()),
        };
        let mut expected = first;
        let mut broken = None;
        let walked = audit::walk(tx, first, |event| {
            let problem = if event.seq != expected {
                Some(format!(
                    "event {expected} is missing or out of order (found event {} there)",
                    event.seq
                ))
            } else if event.prev != prev {
                Some(format!(
                    "event {expected} does not follow event {}",
                    expected - 1
                ))
            } else if hash_of(event) != event.hash {
                Some(format!("event {expected} was altered after it was written"))
            } else {
                None
            };
            if let Some(problem) = problem {
                broken = Some(problem);
                return Break(());
            }
            prev = event.hash.clone();
            expected += 1;
            Continue(())
        });
        match walked {
            Ok(()) => {}
            Err(StoreError::Sealed { .. }) | Err(StoreError::Format { .. }) => {
                broken = Some(
                    "an event cannot be opened: it was altered or moved to another position"
                        .to_owned(),
                )
            }
            Err(e) => return Err(e),
        }
        Ok(match broken {
            Some(problem) => ChainState::Broken {
                position: expected,
                problem,
            },
            None => ChainState::Intact {
                events: expected - 1,
                head: prev,
            },
        })
    })
}

impl crate::domain::Services {
    /// A page of the audit log, newest first, narrowed to a client or an account by their
    /// indexes: it reads the page and an index lookup, never the whole log.
    pub fn audit_page(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        before: Option<u64>,
    ) -> Result<AuditPage, crate::domain::ServiceError> {
        use crate::policy::{Action, Target};
        self.authorize(actor, Action::ViewAudit, Target::Practice)?;
        let mut target = AuditTarget::practice();
        if let Some(c) = filter.client {
            target = target.field("about", c);
        }
        if let Some(a) = filter.account {
            target = target.field("by", a);
        }
        self.record_read(actor, Action::ViewAudit.into(), target)?;
        let (events, next) = self
            .store
            .read(|tx| audit::page(tx, filter, before, AUDIT_PAGE))?;
        Ok(AuditPage { events, next })
    }
}

/// Events on one page of the audit log.
pub const AUDIT_PAGE: usize = 50;

/// One page of the audit log.
pub struct AuditPage {
    /// Newest first.
    pub events: Vec<AuditEvent>,
    /// The `before` of the next (older) page, when there may be one.
    pub next: Option<u64>,
}

impl super::Services {
    /// `alcove audit verify` for someone allowed to: walks the whole chain; an intact walk
    /// is itself recorded, after the walk.
    pub fn verify_audit(&self, actor: &Actor) -> Result<ChainState, super::ServiceError> {
        use crate::policy::{Action, Target};
        self.authorize(actor, Action::VerifyAudit, Target::Practice)?;
        let state = verify(&self.store)?;
        if matches!(state, ChainState::Intact { .. }) {
            // The walk succeeded either way; an event that cannot be appended now shows up
            // as the next walk's problem, not as this one's.
            let _ = self.audit_read(actor, Action::VerifyAudit, Target::Practice);
        }
        Ok(state)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests start their manual clocks at the real time
mod tests {
    use super::*;
    use crate::crypto::{Keyring, Sealer};

    fn store_with_events(n: u64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create(&dir.path().join("db"), Sealer::new(Keyring::generate())).unwrap();
        for i in 0..n {
            record_now(
                &store,
                OffsetDateTime::now_utc(),
                &Actor::LocalAdmin,
                Event::SignOut,
                AuditTarget::new().field("target", i),
                Outcome::Ok,
            )
            .unwrap();
        }
        (dir, store)
    }

    #[test]
    fn concurrent_reads_share_commits_and_each_is_in_the_chain_when_answered() {
        use crate::ids::{AccountId, Role};
        use crate::policy::{Action, Target};
        let (_dir, services, _clock) =
            crate::domain::testing::services_at(OffsetDateTime::now_utc());
        let commits = services.store.commits();
        let clients: Vec<AccountId> = (0..64).map(|_| AccountId::generate()).collect();
        std::thread::scope(|scope| {
            for client in &clients {
                let services = &services;
                scope.spawn(move || {
                    let actor = Actor::account(AccountId::generate(), Role::Clinician, None);
                    for _ in 0..10 {
                        services
                            .audit_read(&actor, Action::ViewClient, Target::Client(*client))
                            .unwrap();
                        // Answered: the event is in the store already.
                        let filter = audit::AuditFilter {
                            client: Some(*client),
                            account: None,
                        };
                        let (mine, _) = services
                            .store
                            .read(|tx| audit::page(tx, filter, None, 50))
                            .unwrap();
                        assert!(!mine.is_empty());
                    }
                });
            }
        });
        let head = services.store.read(audit::head).unwrap().unwrap();
        assert!(head.seq >= 640);
        assert_eq!(
            verify(&services.store).unwrap(),
            ChainState::Intact {
                events: head.seq,
                head: head.hash,
            }
        );
        let took = services.store.commits() - commits;
        assert!(took < 640 / 2, "640 reads took {took} commits");
    }

    #[test]
    fn the_audit_page_reads_the_text_the_literals_used_to_write() {
        use crate::ids::{AccountId, Role, ThreadId};
        let (_dir, services, _clock) =
            crate::domain::testing::services_at(OffsetDateTime::now_utc());
        let (client, thread) = (AccountId([7; 16]), ThreadId([8; 16]));
        let actor = Actor::account(AccountId([9; 16]), Role::Owner, None);
        services
            .store
            .write(|tx| {
                record(
                    tx,
                    services.now(),
                    &actor,
                    Event::SignInSuccessTotp,
                    AuditTarget::new().account(AccountId([9; 16])),
                    Outcome::Ok,
                )?;
                record(
                    tx,
                    services.now(),
                    &actor,
                    crate::policy::Action::ReadThread,
                    AuditTarget::new().client(client).thread(thread),
                    Outcome::Ok,
                )
            })
            .unwrap();
        let shown = services
            .audit_page(&actor, AuditFilter::default(), None)
            .unwrap()
            .events;
        let rows: Vec<_> = shown
            .iter()
            .map(|e| (e.action.as_str(), e.target.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("audit.view", "practice"),
                (
                    "thread.read",
                    "client:07070707070707070707070707070707 thread:08080808080808080808080808080808"
                ),
                ("signin.success.totp", "account:09090909090909090909090909090909"),
            ]
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let (_d, store) = store_with_events(5);
        assert!(matches!(
            verify(&store).unwrap(),
            ChainState::Intact { events: 5, .. }
        ));
    }

    #[test]
    fn an_edited_event_is_caught() {
        let (_d, store) = store_with_events(5);
        store
            .write(|tx| {
                let mut e: AuditEvent = tx.get(&audit::key(3))?.unwrap();
                e.action = "nothing.to.see".into();
                audit::append(tx, &e)
            })
            .unwrap();
        assert_eq!(
            verify(&store).unwrap(),
            ChainState::Broken {
                position: 3,
                problem: "event 3 was altered after it was written".into()
            }
        );
    }

    #[test]
    fn an_edited_event_with_a_recomputed_hash_breaks_the_next_link() {
        let (_d, store) = store_with_events(5);
        store
            .write(|tx| {
                let mut e: AuditEvent = tx.get(&audit::key(2))?.unwrap();
                e.outcome = "denied".into();
                e.hash = hash_of(&e);
                audit::append(tx, &e)
            })
            .unwrap();
        assert!(matches!(
            verify(&store).unwrap(),
            ChainState::Broken { position: 3, .. }
        ));
    }

    #[test]
    fn a_deleted_event_is_caught() {
        let (_d, store) = store_with_events(5);
        store
            .write(|tx| tx.remove::<AuditEvent>(&audit::key(4)).map(|_| ()))
            .unwrap();
        assert!(matches!(
            verify(&store).unwrap(),
            ChainState::Broken { position: 4, .. }
        ));
    }

    #[test]
    fn reordered_events_are_caught() {
        let (_d, store) = store_with_events(5);
        store
            .write(|tx| {
                let e2: AuditEvent = tx.get(&audit::key(2))?.unwrap();
                let e3: AuditEvent = tx.get(&audit::key(3))?.unwrap();
                tx.put(&audit::key(2), &e3)?;
                tx.put(&audit::key(3), &e2)
            })
            .unwrap();
        assert!(matches!(
            verify(&store).unwrap(),
            ChainState::Broken { position: 2, .. }
        ));
    }
}
