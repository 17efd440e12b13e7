//! Sessions: a 256-bit random token in the cookie, only its blind index in the store; idle
//! and absolute timeouts from the injected clock; a new token at every sign-in step.

use time::OffsetDateTime;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::session_seen::PERSIST_EVERY;
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
    ///
    /// A valid session costs one read transaction: its use is noted in memory and written
    /// to the store at most once per `PERSIST_EVERY`. An unknown or malformed token writes
    /// nothing. Only a session that has to end (timed out, or its account switched off) is
    /// removed in a write transaction, which re-reads it first.
    pub fn resolve_session(&self, token: &str) -> Result<Resolved, ServiceError> {
        if token.len() != 43 {
            return Ok(Resolved::Invalid);
        }
        let index = self.session_index(token);
        let now = self.now();
        let found = self.store.read(|tx| {
            let Some(session) = tx.get::<Session>(&index)? else {
                return Ok::<_, StoreError>(None);
            };
            let account = accounts::get(tx, session.account)?;
            Ok(Some((session, account)))
        })?;
        let Some((mut session, account)) = found else {
            return Ok(Resolved::Invalid);
        };
        let Some(account) = account.filter(may_hold_session) else {
            self.end_refused_session(&index, None)?;
            return Ok(Resolved::Invalid);
        };
        let stored_last_seen = session.last_seen;
        session.last_seen = self.seen.last_seen(&index, stored_last_seen);
        if let Some(why) = self.verdict(&session, account.role, now) {
            let actor = Actor::account(account.id, account.role, None);
            let target = AuditTarget::new().account(account.id);
            self.end_refused_session(&index, Some((actor, target, why, now)))?;
            return Ok(Resolved::TimedOut);
        }
        let forget_after = self
            .idle_limit(Role::Client)
            .max(self.idle_limit(Role::Staff));
        self.seen.touch(&index, now, forget_after);
        if now - stored_last_seen >= PERSIST_EVERY {
            self.persist_last_seen(&index, now)?;
        }
        session.last_seen = now;
        Ok(Resolved::Valid {
            session,
            account: Box::new(account),
        })
    }

    /// Why `session` must end now, if it must: idle too long for its role, or older than
    /// the absolute limit.
    fn verdict(&self, session: &Session, role: Role, now: OffsetDateTime) -> Option<Event> {
        if now - session.last_seen > self.idle_limit(role) {
            Some(Event::SessionIdleTimeout)
        } else if now - session.created_at > self.timeouts.absolute {
            Some(Event::SessionAbsoluteTimeout)
        } else {
            None
        }
    }

    /// Removes a session that may no longer be used, with the timeout's audit event when
    /// there is one. Re-reads inside the write: when another request removed it first,
    /// nothing is written again. A full disk leaves it in place, refused all the same, to
    /// be removed by a later request.
    fn end_refused_session(
        &self,
        index: &[u8; 32],
        timeout: Option<(Actor, AuditTarget, Event, OffsetDateTime)>,
    ) -> Result<(), ServiceError> {
        self.seen.forget(index);
        let removed = self.store.write(|tx| {
            if !sessions::remove(tx, index)? {
                return Ok::<_, StoreError>(());
            }
            if let Some((actor, target, why, now)) = &timeout {
                audit::record(tx, *now, actor, *why, target.clone(), Outcome::Ok)?;
            }
            Ok(())
        });
        match removed {
            Err(StoreError::DiskFull) => Ok(()),
            other => Ok(other?),
        }
    }

    /// Brings the stored `last_seen` up to `now`. Never brings back a session that ended
    /// meanwhile (signed out in another tab): it writes only what it re-read.
    fn persist_last_seen(&self, index: &[u8; 32], now: OffsetDateTime) -> Result<(), ServiceError> {
        let written = self.store.write(|tx| {
            let Some(mut session) = sessions::get(tx, index)? else {
                return Ok::<_, StoreError>(());
            };
            if session.last_seen < now {
                session.last_seen = now;
                sessions::put(tx, index, &session)?;
            }
            Ok(())
        });
        match written {
            // The person may still read; the use is kept in memory.
            Err(StoreError::DiskFull) => Ok(()),
            other => Ok(other?),
        }
    }

    /// Ends a session on the server.
    pub fn sign_out(&self, actor: &Actor, token: &str) -> Result<(), ServiceError> {
        let index = self.session_index(token);
        let now = self.now();
        self.seen.forget(&index);
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
        self.seen.forget(&self.session_index(token));
        Ok(())
    }

    /// Removes a session without an audit event (a half-finished sign-in being replaced).
    /// Only the stored row: the caller forgets its in-memory `last_seen` once the write
    /// is on disk (a write may run twice: nothing outside the transaction happens in it).
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

/// Only an active account, or an invited one finishing its first sign-in, holds a session.
fn may_hold_session(account: &Account) -> bool {
    matches!(
        account.status,
        AccountStatus::Active | AccountStatus::Invited
    )
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests start their manual clocks at the real time
#[path = "sessions_tests.rs"]
mod tests;
