//! Services: the only code that reads or writes records on behalf of a person or a job.
//! Each takes the actor first, asks `policy::decide`, and writes its audit event in the
//! same transaction as the change.

pub mod accounts;
pub mod appointments;
pub mod attachments;
pub mod audit;
pub mod audit_event;
pub mod auto_reply;
pub mod backup;
pub mod certificate;
pub mod client_chart;
pub mod client_home;
pub mod clients;
pub mod data_dir;
pub mod doctor;
pub mod drill;
mod error;
pub mod form_builder;
pub mod form_check;
pub mod forms;
pub mod home;
pub mod inbox;
#[cfg(test)]
mod lifecycle_tests;
pub mod menu;
pub mod messages;
pub mod notify;
pub mod practice_home;
pub mod restore;
pub mod retention;
pub mod second_step;
pub mod session_seen;
pub mod sessions;
pub mod setup;
pub mod signin;
pub mod storage;
pub mod submissions;
pub mod team;
pub mod templates;
pub mod throttle;

pub use error::ServiceError;

use crate::clock::SharedClock;
use crate::crypto::password::Hasher;
use crate::policy::{self, Action, Actor, Decision, Target};
use crate::store::Store;
use time::Duration;

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimeouts {
    pub practice_idle: Duration,
    pub client_idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        Self {
            practice_idle: Duration::minutes(15),
            client_idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// Size limits people can hit.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub attachment_max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            attachment_max_bytes: attachments::DEFAULT_MAX_BYTES,
        }
    }
}

impl From<&crate::config::AttachmentConfig> for Limits {
    fn from(c: &crate::config::AttachmentConfig) -> Self {
        Self {
            attachment_max_bytes: u64::from(c.max_megabytes) * 1024 * 1024,
        }
    }
}

impl From<&crate::config::SessionConfig> for SessionTimeouts {
    fn from(c: &crate::config::SessionConfig) -> Self {
        Self {
            practice_idle: time::Duration::minutes(c.practice_idle_minutes.into()),
            client_idle: time::Duration::minutes(c.client_idle_minutes.into()),
            absolute: time::Duration::hours(c.absolute_hours.into()),
        }
    }
}

/// Everything a service needs. Cheap to clone. The fields are private to `domain`: other
/// layers call services, which check the policy and audit. Nothing outside `domain`
/// reaches the raw store through it (backups, migrations and restores are services too);
/// work below the services (opening the data directory, the admin socket's lock check)
/// holds its own `Store` from `datadir`.
#[derive(Clone)]
pub struct Services {
    store: Store,
    clock: SharedClock,
    hasher: Hasher,
    timeouts: SessionTimeouts,
    limits: Limits,
    mail: notify::MailSwitch,
    /// Sign-in guesses per address and attempts per network address.
    throttle: throttle::Throttle,
    /// When each session was last used, written to the store only now and then.
    seen: std::sync::Arc<session_seen::SeenSessions>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

impl Services {
    pub fn new(store: Store, clock: SharedClock, timeouts: SessionTimeouts) -> Self {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            store,
            clock,
            hasher: Hasher::new(workers),
            timeouts,
            limits: Limits::default(),
            mail: notify::MailSwitch::default(),
            throttle: throttle::Throttle::default(),
            seen: std::sync::Arc::default(),
        }
    }

    /// What the store can do now (`/healthz`); asking also tries to heal it.
    pub fn store_condition(&self) -> crate::store::Condition {
        self.store.condition()
    }

    /// The size limits the forms and uploads enforce (for the pages that say them).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether an email server is set up.
    pub fn mail_enabled(&self) -> bool {
        self.mail.enabled
    }

    /// Resolves when a service has queued mail (the mail job waits on it).
    pub async fn mail_queued(&self) {
        self.mail.wake.notified().await;
    }

    /// The form token's MAC for a cookie value (CSRF): a blind index under the store's
    /// key, so a token is bound to this practice and this visitor.
    pub fn csrf_mac(&self, cookie_value: &str) -> [u8; 32] {
        self.store
            .blind_index()
            .index("csrf", cookie_value.as_bytes())
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// The practice's time zone, which comes with the clock.
    pub fn zone(&self) -> crate::clock::Zone {
        self.clock.zone()
    }

    /// Asks the policy; a refusal is audited and returned as `Forbidden`.
    pub fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        target: Target,
    ) -> Result<(), ServiceError> {
        match policy::decide(actor, action, target) {
            Decision::Allow => Ok(()),
            Decision::Deny => {
                audit::record_now(
                    &self.store,
                    self.now(),
                    actor,
                    action,
                    target,
                    audit::Outcome::Denied,
                )?;
                Err(ServiceError::Forbidden)
            }
        }
    }

    /// Records a read of client or account data (its own transaction; fail closed).
    pub fn audit_read(
        &self,
        actor: &Actor,
        action: Action,
        target: Target,
    ) -> Result<(), ServiceError> {
        self.record_read(actor, action.into(), target.into())
    }

    /// Records an allowed read and returns once it is on disk (fail closed: the page is
    /// served only then). Concurrent reads share the store's transaction and flush.
    pub(crate) fn record_read(
        &self,
        actor: &Actor,
        event: audit_event::Event,
        target: audit::AuditTarget,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        self.store
            .write(|tx| audit::record(tx, now, actor, event, &target, audit::Outcome::Ok))?;
        Ok(())
    }
}

/// What the services' own tests share.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use super::{Services, SessionTimeouts};
    use crate::clock::ManualClock;
    use crate::crypto::{Keyring, Sealer};
    use crate::store::Store;

    /// Services on a new store in a temporary folder (kept alive by the `TempDir`), with a
    /// clock the test moves.
    pub fn services_at(start: time::OffsetDateTime) -> (tempfile::TempDir, Services, ManualClock) {
        services_in_zone(start, crate::clock::Zone::Machine)
    }

    /// As [`services_at`], with the practice in time zone `zone`.
    pub fn services_in_zone(
        start: time::OffsetDateTime,
        zone: crate::clock::Zone,
    ) -> (tempfile::TempDir, Services, ManualClock) {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create(&dir.path().join("db"), Sealer::new(Keyring::generate())).unwrap();
        let clock = ManualClock::new(start).in_zone(zone);
        let services = Services::new(store, Arc::new(clock.clone()), SessionTimeouts::default());
        (dir, services, clock)
    }
}
