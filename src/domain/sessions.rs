//! Sessions: a 256-bit random token in the cookie, only its blind index in the store; idle
//! and absolute timeouts from the injected clock; a new token at every sign-in step.

use time::OffsetDateTime;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::crypto::random;
use crate::policy::{Actor, Role};
use crate::store::accounts::{self, Account, AccountStatus};
use crate::store::sessions::{self, Session, SessionStage};
use crate::store::{StoreError, WriteTx};

const INDEX_DOMAIN: &str = "session";

/// A session token as the cookie carries it. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// What a presented session token turned out to be.
#[derive(Debug)]
pub enum Resolved {
    Valid {
        session: Session,
        account: Box<Account>,
    },
    /// It was valid but timed out (idle or absolute); it is gone now.
    TimedOut,
    /// Unknown, signed out, or the account is disabled.
    Invalid,
}

impl Services {
    pub(super) fn session_index(&self, token: &str) -> [u8; 32] {
        self.store
            .blind_index()
            .index(INDEX_DOMAIN, token.as_bytes())
    }

    /// Creates a session inside `tx` and returns its token.
    pub(super) fn start_session(
        &self,
        tx: &WriteTx<'_>,
        account: &Account,
        stage: SessionStage,
        now: OffsetDateTime,
        reauthenticated: bool,
    ) -> Result<SessionToken, StoreError> {
        let token = random::token();
        let session = Session {
            account: account.id,
            stage,
            created_at: now,
            last_seen: now,
            reauth_at: reauthenticated.then_some(now),
        };
        sessions::put(tx, &self.session_index(&token), &session)?;
        // A client past the password (and the second step, if any) is in contact: retention
        // counts it. Re-read here, so nothing else of the profile is written back stale.
        if account.role == Role::Client && stage != SessionStage::AwaitingTotp {
            if let Some(mut profile) = accounts::profile_for_update(tx, account.id)? {
                profile.last_sign_in = Some(now);
                accounts::put_profile(tx, account.id, &profile)?;
            }
        }
        Ok(SessionToken(token))
    }

    fn idle_limit(&self, role: Role) -> time::Duration {
        if role.is_practice() {
            self.timeouts.practice_idle
        } else {
            self.timeouts.client_idle
        }
    }

    /// Looks a token up, enforces the timeouts, and marks the session as used now.
    pub fn resolve_session(&self, token: &str) -> Result<Resolved, ServiceError> {
        if token.len() != 43 {
            return Ok(Resolved::Invalid);
        }
        let index = self.session_index(token);
        let now = self.now();
        let resolved = match self.store.write(|tx| {
            let Some(mut session) = sessions::get(tx, &index)? else {
                return Ok::<_, StoreError>(Resolved::Invalid);
            };
            let Some(account) = accounts::get_for_update(tx, session.account)? else {
                sessions::remove(tx, &index)?;
                return Ok(Resolved::Invalid);
            };
            if account.status != AccountStatus::Active && account.status != AccountStatus::Invited {
                sessions::remove(tx, &index)?;
                return Ok(Resolved::Invalid);
            }
            let idle = now - session.last_seen > self.idle_limit(account.role);
            let too_old = now - session.created_at > self.timeouts.absolute;
            if idle || too_old {
                sessions::remove(tx, &index)?;
                let actor = Actor::account(account.id, account.role, None);
                let why = if idle {
                    Event::SessionIdleTimeout
                } else {
                    Event::SessionAbsoluteTimeout
                };
                audit::record(
                    tx,
                    now,
                    &actor,
                    why,
                    AuditTarget::new().account(account.id),
                    Outcome::Ok,
                )?;
                return Ok(Resolved::TimedOut);
            }
            session.last_seen = now;
            sessions::put(tx, &index, &session)?;
            Ok(Resolved::Valid {
                session,
                account: Box::new(account),
            })
        }) {
            // A full disk: the person may still read and be told that nothing is saved.
            Err(StoreError::DiskFull) => self.resolve_without_writing(&index, now)?,
            other => other?,
        };
        Ok(resolved)
    }

    /// `resolve_session` when nothing can be written (the disk is full): the same checks,
    /// without marking the session used; one past its time is refused, and removed later.
    fn resolve_without_writing(
        &self,
        index: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<Resolved, ServiceError> {
        self.store.read(|tx| {
            let Some(session) = tx.get::<Session>(index)? else {
                return Ok(Resolved::Invalid);
            };
            let Some(account) = accounts::get(tx, session.account)? else {
                return Ok(Resolved::Invalid);
            };
            if account.status != AccountStatus::Active && account.status != AccountStatus::Invited {
                return Ok(Resolved::Invalid);
            }
            let idle = now - session.last_seen > self.idle_limit(account.role);
            let too_old = now - session.created_at > self.timeouts.absolute;
            if idle || too_old {
                return Ok(Resolved::TimedOut);
            }
            Ok(Resolved::Valid {
                session,
                account: Box::new(account),
            })
        })
    }

    /// Ends a session on the server.
    pub fn sign_out(&self, actor: &Actor, token: &str) -> Result<(), ServiceError> {
        let index = self.session_index(token);
        let now = self.now();
        self.store.write(|tx| {
            if sessions::remove(tx, &index)? {
                audit::record(
                    tx,
                    now,
                    actor,
                    Event::SignOut,
                    AuditTarget::actor(actor),
                    Outcome::Ok,
                )?;
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(())
    }

    /// Ends a session silently (replaced by a new sign-in).
    pub fn end_session(&self, token: &str) -> Result<(), ServiceError> {
        self.store.write(|tx| self.drop_session(tx, token))?;
        Ok(())
    }

    /// Removes a session without an audit event (a half-finished sign-in being replaced).
    pub(super) fn drop_session(&self, tx: &WriteTx<'_>, token: &str) -> Result<(), StoreError> {
        sessions::remove(tx, &self.session_index(token)).map(|_| ())
    }

    /// True when the session proved password and second step within the last 5 minutes.
    pub fn recently_reauthenticated(&self, session: &Session) -> bool {
        session
            .reauth_at
            .is_some_and(|at| self.now() - at <= time::Duration::minutes(5))
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests start their manual clocks at the real time
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::domain::testing::services_at;

    use crate::policy::AccountId;

    use time::Duration;

    fn world(role: Role) -> (tempfile::TempDir, Services, ManualClock, Account) {
        let (dir, services, clock) = services_at(OffsetDateTime::now_utc());
        let account = Account {
            id: AccountId::generate(),
            role,
            name: "n".into(),
            email: "e@example.org".into(),
            status: AccountStatus::Active,
            password_hash: None,
            totp: None,
            recovery_codes: vec![],
            failed_logins: vec![],
            created_at: clock.now(),
            email_confirmed_at: None,
            email_alerts: true,
        };
        services
            .store
            .write(|tx| accounts::put(tx, &account))
            .unwrap();
        (dir, services, clock, account)
    }

    fn start(services: &Services, account: &Account) -> SessionToken {
        let now = services.now();
        services
            .store
            .write(|tx| services.start_session(tx, account, SessionStage::Full, now, true))
            .unwrap()
    }

    #[test]
    fn practice_session_ends_after_15_idle_minutes() {
        let (_d, services, clock, account) = world(Role::Owner);
        let token = start(&services, &account);
        clock.advance(Duration::minutes(14));
        assert!(matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Valid { .. }
        ));
        clock.advance(Duration::minutes(14));
        assert!(
            matches!(
                services.resolve_session(&token.0).unwrap(),
                Resolved::Valid { .. }
            ),
            "use resets the idle clock"
        );
        clock.advance(Duration::minutes(15) + Duration::seconds(1));
        assert!(matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::TimedOut
        ));
        assert!(
            matches!(
                services.resolve_session(&token.0).unwrap(),
                Resolved::Invalid
            ),
            "gone for good"
        );
    }

    #[test]
    fn client_session_idles_30_minutes_and_no_session_outlives_12_hours() {
        let (_d, services, clock, account) = world(Role::Client);
        let token = start(&services, &account);
        clock.advance(Duration::minutes(29));
        assert!(matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Valid { .. }
        ));
        for _ in 0..25 {
            clock.advance(Duration::minutes(29));
            if !matches!(
                services.resolve_session(&token.0).unwrap(),
                Resolved::Valid { .. }
            ) {
                break;
            }
        }
        assert!(clock.now() - account.created_at <= Duration::hours(12) + Duration::minutes(30));
        assert!(!matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Valid { .. }
        ));
    }

    #[test]
    fn session_of_a_disabled_account_is_refused() {
        let (_d, services, _clock, mut account) = world(Role::Staff);
        let token = start(&services, &account);
        account.status = AccountStatus::Disabled;
        services
            .store
            .write(|tx| accounts::put(tx, &account))
            .unwrap();
        assert!(matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Invalid
        ));
    }

    #[test]
    fn reauthentication_counts_for_five_minutes() {
        let (_d, services, clock, account) = world(Role::Owner);
        let token = start(&services, &account);
        let Resolved::Valid { session, .. } = services.resolve_session(&token.0).unwrap() else {
            panic!("valid")
        };
        assert!(services.recently_reauthenticated(&session));
        clock.advance(Duration::minutes(5) + Duration::seconds(1));
        assert!(!services.recently_reauthenticated(&session));
    }
}
