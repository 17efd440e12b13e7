//! Signing in: password, then the second step (a one-time code or a recovery code).
//! SECURITY-SENSITIVE.
//!
//! Guesses are reserved against the address before any hashing (see `throttle`), so at most
//! ten are ever checked per address an hour however they arrive. Whatever was read before
//! the hash is read again inside the write transaction: a switch-off, a password reset or a
//! change of sign-in codes made meanwhile wins, and nothing stale is written back.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::sessions::SessionToken;
use super::throttle::{Reservation, MAX_GUESSES_PER_HOUR};
use super::{ServiceError, Services};
use crate::crypto::totp;
use crate::policy::Actor;
use crate::store::accounts::{self, Account, AccountStatus};
use crate::store::sessions::{self, SessionStage};
use crate::store::{StoreError, WriteTx};

/// How long the code step waits after the password.
const CODE_STEP_LIFETIME: Duration = Duration::minutes(10);

/// Why a sign-in step did not go through. The texts are what the person reads.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("That email address and password do not match. Check them and try again.")]
    Invalid,
    #[error("That code did not work. Codes change every 30 seconds, and each works only once; wait for the next one and try again.")]
    WrongCode,
    #[error("Too many failed sign-in attempts. For your safety, sign-in with this email address is paused until {until}. If you need help sooner, contact your practice.")]
    Locked { until: String },
    #[error("This account has been switched off. Please contact your practice.")]
    Disabled,
    #[error("Your sign-in took too long. Please start again.")]
    Expired,
    #[error("Too many sign-in attempts are arriving from your network right now. Please wait a minute and try again.")]
    Busy,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for SignInError {
    fn from(e: StoreError) -> Self {
        SignInError::Service(ServiceError::Store(e))
    }
}

/// Where a successful password step leads.
#[derive(Debug)]
pub enum Next {
    /// Ask for the one-time code.
    Code(SessionToken),
    /// The account must set up its second step first.
    Enroll(SessionToken),
    /// Signed in.
    Done(SessionToken),
}

pub(super) fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// Stage a fresh session starts in after the password, for this account.
pub(super) fn stage_after_password(account: &Account, mfa_required: bool) -> SessionStage {
    if account.mfa_enabled() {
        SessionStage::AwaitingTotp
    } else if account.role.is_practice() || mfa_required {
        SessionStage::EnrollingTotp
    } else {
        SessionStage::Full
    }
}

/// What the code step's transaction decided.
enum CodeOutcome {
    Expired,
    Locked(OffsetDateTime),
    Wrong,
    Done(SessionToken),
}

impl Services {
    /// The throttle key of an address as typed (known or not).
    pub(super) fn guess_key(&self, email: &str) -> [u8; 32] {
        self.store.blind_index().email(email)
    }

    fn target_of(account: Option<&Account>) -> AuditTarget {
        account.map_or_else(AuditTarget::unknown_account, |a| {
            AuditTarget::new().account(a.id)
        })
    }

    /// Reserves a guess against `key`, or audits and answers the lockout.
    pub(super) fn reserve_guess(
        &self,
        key: [u8; 32],
        actor: &Actor,
        target: &AuditTarget,
        now: OffsetDateTime,
    ) -> Result<Reservation, SignInError> {
        self.throttle.reserve(key, now).map_err(|until| {
            match audit::record_now(
                &self.store,
                now,
                actor,
                Event::SignInLocked,
                target,
                Outcome::Denied,
            ) {
                Ok(()) => SignInError::Locked {
                    until: crate::clock::human(until),
                },
                Err(e) => e.into(),
            }
        })
    }

    /// Records a failed guess (kept reserved) inside `tx`, and the lockout it caused.
    pub(super) fn record_failure(
        tx: &WriteTx<'_>,
        now: OffsetDateTime,
        actor: &Actor,
        what: Event,
        target: &AuditTarget,
        reservation: &Reservation,
    ) -> Result<(), StoreError> {
        audit::record(tx, now, actor, what, target, Outcome::Failed)?;
        if reservation.earlier + 1 == MAX_GUESSES_PER_HOUR {
            audit::record(tx, now, actor, Event::SignInLockout, target, Outcome::Ok)?;
        }
        Ok(())
    }

    /// The password step. Known and unknown addresses cost the same work, are counted the
    /// same way, and get the same answers.
    pub async fn sign_in_password(
        &self,
        ip: Option<IpAddr>,
        email: &str,
        password: Zeroizing<String>,
    ) -> Result<Next, SignInError> {
        let now = self.now();
        let key = self.guess_key(email);
        let index = self.store.blind_index().email(email);
        let account = self.store.read(|tx| accounts::find_by_email(tx, &index))?;
        let actor = account.as_ref().map_or(Actor::Anonymous { ip }, |a| {
            Actor::account(a.id, a.role, ip)
        });
        let target = Self::target_of(account.as_ref());
        let reservation = self.reserve_guess(key, &actor, &target, now)?;
        // Only a guess that will be checked counts against (and waits for) the network.
        if self.throttle.pass_ip(ip, now).await.is_err() {
            self.throttle.release(reservation);
            return Err(SignInError::Busy);
        }
        let checked_hash = account.as_ref().and_then(|a| a.password_hash.clone());
        let ok = self.hasher.verify(password, checked_hash.clone()).await;
        let Some(account) = account.filter(|_| ok) else {
            self.store.write(|tx| {
                Self::record_failure(tx, now, &actor, Event::SignInFailure, &target, &reservation)
            })?;
            return Err(SignInError::Invalid);
        };
        let outcome = self.store.write(|tx| {
            // Read again: what happened while the password was being checked wins.
            let Some(fresh) = accounts::get_for_update(tx, account.id)? else {
                return Ok(Err(SignInError::Invalid));
            };
            if fresh.password_hash != checked_hash {
                audit::record(
                    tx,
                    now,
                    &actor,
                    Event::SignInStale,
                    &target,
                    Outcome::Denied,
                )?;
                return Ok(Err(SignInError::Invalid));
            }
            if fresh.status != AccountStatus::Active {
                audit::record(
                    tx,
                    now,
                    &actor,
                    Event::SignInDisabled,
                    &target,
                    Outcome::Denied,
                )?;
                return Ok(Err(SignInError::Disabled));
            }
            let mfa_required =
                accounts::profile_for_update(tx, fresh.id)?.is_some_and(|p| p.mfa_required);
            let stage = stage_after_password(&fresh, mfa_required);
            let what = if stage == SessionStage::Full {
                Event::SignInSuccess
            } else {
                Event::SignInPasswordOk
            };
            audit::record(tx, now, &actor, what, &target, Outcome::Ok)?;
            let full = stage == SessionStage::Full;
            let token = self.start_session(tx, &fresh, stage, now, full)?;
            Ok::<_, StoreError>(Ok(match stage {
                SessionStage::AwaitingTotp => Next::Code(token),
                SessionStage::EnrollingTotp => Next::Enroll(token),
                SessionStage::Full => Next::Done(token),
            }))
        })?;
        // A right password hands its guess back only once it truly signed in; a refused
        // one (switched off, changed meanwhile) stays counted.
        if outcome.is_ok() {
            self.throttle.release(reservation);
            self.throttle.ip_success(ip, now);
        }
        if let Ok(Next::Done(_)) = &outcome {
            self.throttle.clear(&key);
        }
        outcome
    }

    /// Checks a one-time code or a recovery code against `account`, consuming it. Called
    /// inside the write transaction that saves `account`, so a code works exactly once.
    pub(super) fn check_second_step(
        &self,
        account: &mut Account,
        code: &str,
        now: OffsetDateTime,
    ) -> Option<Event> {
        let totp_state = account.totp.as_mut().filter(|t| t.enabled)?;
        if let Some(step) = totp::accept(
            &totp_state.secret,
            code,
            now.unix_timestamp() as u64,
            totp_state.last_step,
        ) {
            totp_state.last_step = step;
            return Some(Event::SignInSuccessTotp);
        }
        let normalized = normalize_code(code);
        if normalized.len() == 16 {
            let index = self
                .store
                .blind_index()
                .index("recovery-code", normalized.as_bytes());
            if let Some(pos) = account.recovery_codes.iter().position(|c| *c == index) {
                account.recovery_codes.remove(pos);
                return Some(Event::SignInSuccessRecoveryCode);
            }
        }
        None
    }

    /// The second step. On success the half-signed-in session is replaced by a new one.
    /// Session, account and code are checked and consumed in one write transaction: two
    /// submissions of the same code cannot both succeed.
    pub fn sign_in_code(
        &self,
        ip: Option<IpAddr>,
        token: &str,
        code: &str,
    ) -> Result<SessionToken, SignInError> {
        let now = self.now();
        let index = self.session_index(token);
        // Only to know whose counter to reserve against; everything is read again below.
        let email = self.store.read(|tx| {
            let Some(session) = tx.get::<sessions::Session>(&index)? else {
                return Ok::<_, StoreError>(None);
            };
            Ok(accounts::get(tx, session.account)?.map(|a| a.email))
        })?;
        let Some(email) = email else {
            return Err(SignInError::Expired);
        };
        let key = self.guess_key(&email);
        // Reserved before the write, not in it: a write may run twice (`Store::write`),
        // and the counter must count this guess once.
        let reserved = self.throttle.reserve(key, now);
        let outcome = self.store.write(|tx| {
            let session = sessions::get(tx, &index)?;
            let Some(session) = session.filter(|s| s.stage == SessionStage::AwaitingTotp) else {
                return Ok::<_, SignInError>(CodeOutcome::Expired);
            };
            let fresh = accounts::get_for_update(tx, session.account)?;
            let Some(mut account) = fresh.filter(|a| a.status == AccountStatus::Active) else {
                self.drop_session(tx, token)?;
                return Ok(CodeOutcome::Expired);
            };
            if now - session.created_at > CODE_STEP_LIFETIME {
                self.drop_session(tx, token)?;
                return Ok(CodeOutcome::Expired);
            }
            let actor = Actor::account(account.id, account.role, ip);
            let target = AuditTarget::new().account(account.id);
            let reservation = match &reserved {
                Ok(r) => r,
                Err(until) => {
                    audit::record(
                        tx,
                        now,
                        &actor,
                        Event::SignInLocked,
                        &target,
                        Outcome::Denied,
                    )?;
                    return Ok(CodeOutcome::Locked(*until));
                }
            };
            let Some(method) = self.check_second_step(&mut account, code, now) else {
                Self::record_failure(
                    tx,
                    now,
                    &actor,
                    Event::SignInCodeFailure,
                    &target,
                    reservation,
                )?;
                return Ok(CodeOutcome::Wrong);
            };
            self.drop_session(tx, token)?;
            accounts::put(tx, &account)?;
            audit::record(tx, now, &actor, method, &target, Outcome::Ok)?;
            Ok(CodeOutcome::Done(self.start_session(
                tx,
                &account,
                SessionStage::Full,
                now,
                true,
            )?))
        });
        // A guess counts once it was checked and found wrong; anything else gives it back.
        let spent = matches!(outcome, Ok(CodeOutcome::Wrong));
        if let (Ok(reservation), false) = (reserved, spent) {
            self.throttle.release(reservation);
        }
        let outcome = outcome?;
        if matches!(outcome, CodeOutcome::Done(_) | CodeOutcome::Expired) {
            self.seen.forget(&index);
        }
        match outcome {
            CodeOutcome::Done(fresh) => {
                self.throttle.clear(&key);
                Ok(fresh)
            }
            CodeOutcome::Expired => Err(SignInError::Expired),
            CodeOutcome::Wrong => Err(SignInError::WrongCode),
            CodeOutcome::Locked(until) => Err(SignInError::Locked {
                until: crate::clock::human(until),
            }),
        }
    }
}
