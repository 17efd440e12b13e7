//! Signing in: password, then the second step (a one-time code or a recovery code), with
//! per-account lockout (10 failures an hour) and per-IP throttling; enrollment of the
//! second step; re-authentication before sensitive actions.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::audit::{self, Outcome};
use super::sessions::SessionToken;
use super::{ServiceError, Services};
use crate::crypto::{random, totp};
use crate::policy::Actor;
use crate::store::accounts::{self, Account, AccountStatus, Totp};
use crate::store::sessions::{self, SessionStage};
use crate::store::StoreError;

pub const MAX_FAILURES_PER_HOUR: usize = 10;
const MAX_FAILURES_PER_IP_HOUR: usize = 100;
const RECOVERY_CODES: usize = 10;

/// Why a sign-in step did not go through. The texts are what the person reads.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("That email address and password do not match. Check them and try again.")]
    Invalid,
    #[error("That code did not work. Codes change every 30 seconds, and each works only once; wait for the next one and try again.")]
    WrongCode,
    #[error("Too many failed sign-in attempts. For your safety, this account is locked until {until}. If you need help sooner, contact your practice.")]
    Locked { until: String },
    #[error(
        "Too many failed sign-in attempts from your network. Please wait an hour and try again."
    )]
    IpThrottled,
    #[error("This account has been switched off. Please contact your practice.")]
    Disabled,
    #[error("Your sign-in took too long. Please start again.")]
    Expired,
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

fn recent(times: &mut Vec<OffsetDateTime>, now: OffsetDateTime) {
    times.retain(|t| now - *t < Duration::hours(1));
}

fn locked_until(account: &Account, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let recent: Vec<_> = account
        .failed_logins
        .iter()
        .filter(|t| now - **t < Duration::hours(1))
        .collect();
    (recent.len() >= MAX_FAILURES_PER_HOUR)
        .then(|| recent.iter().map(|t| **t).min().unwrap_or(now) + Duration::hours(1))
}

fn normalize_code(code: &str) -> String {
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

impl Services {
    fn ip_throttled(&self, ip: Option<IpAddr>, now: OffsetDateTime) -> bool {
        let Some(ip) = ip else { return false };
        let mut map = self.ip_failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(ip).or_default();
        recent(entry, now);
        entry.len() >= MAX_FAILURES_PER_IP_HOUR
    }

    fn note_ip_failure(&self, ip: Option<IpAddr>, now: OffsetDateTime) {
        if let Some(ip) = ip {
            let mut map = self.ip_failures.lock().unwrap_or_else(|p| p.into_inner());
            // Keep the map bounded: forget addresses with nothing in the last hour.
            if map.len() > 10_000 {
                map.retain(|_, times| {
                    recent(times, now);
                    !times.is_empty()
                });
            }
            map.entry(ip).or_default().push(now);
        }
    }

    /// Records a failed attempt on `account` (and a lockout when it is the tenth).
    fn note_failure(
        &self,
        account_id: crate::policy::AccountId,
        actor: &Actor,
        what: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut account) = accounts::get_for_update(tx, account_id)? else {
                return Ok(());
            };
            recent(&mut account.failed_logins, now);
            account.failed_logins.push(now);
            let target = format!("account:{}", account.id);
            audit::record(tx, now, actor, what, &target, Outcome::Failed)?;
            if account.failed_logins.len() == MAX_FAILURES_PER_HOUR {
                audit::record(tx, now, actor, "signin.lockout", &target, Outcome::Ok)?;
            }
            accounts::put(tx, &account)
        })
    }

    fn refuse_if_locked(&self, account: &Account, actor: &Actor) -> Result<(), SignInError> {
        let now = self.now();
        if let Some(until) = locked_until(account, now) {
            audit::record_now(
                &self.store,
                now,
                actor,
                "signin.locked",
                &format!("account:{}", account.id),
                Outcome::Denied,
            )?;
            return Err(SignInError::Locked {
                until: crate::clock::human(until),
            });
        }
        Ok(())
    }

    /// The password step. Unknown emails cost the same work as known ones.
    pub async fn sign_in_password(
        &self,
        ip: Option<IpAddr>,
        email: &str,
        password: Zeroizing<String>,
    ) -> Result<Next, SignInError> {
        let now = self.now();
        if self.ip_throttled(ip, now) {
            return Err(SignInError::IpThrottled);
        }
        let index = self.store.blind_index().email(email);
        let account = self.store.read(|tx| accounts::find_by_email(tx, &index))?;
        let anonymous = Actor::Anonymous { ip };
        let Some(account) = account else {
            self.hasher.verify(password, None).await;
            self.note_ip_failure(ip, now);
            audit::record_now(
                &self.store,
                now,
                &anonymous,
                "signin.failure",
                "account:unknown",
                Outcome::Failed,
            )?;
            return Err(SignInError::Invalid);
        };
        let actor = Actor::account(account.id, account.role, ip);
        self.refuse_if_locked(&account, &actor)?;
        let ok = self
            .hasher
            .verify(password, account.password_hash.clone())
            .await;
        if !ok {
            self.note_ip_failure(ip, now);
            self.note_failure(account.id, &actor, "signin.failure")?;
            return Err(SignInError::Invalid);
        }
        if account.status == AccountStatus::Disabled {
            audit::record_now(
                &self.store,
                now,
                &actor,
                "signin.disabled",
                &format!("account:{}", account.id),
                Outcome::Denied,
            )?;
            return Err(SignInError::Disabled);
        }
        let mfa_required = self
            .store
            .read(|tx| accounts::profile(tx, account.id))?
            .is_some_and(|p| p.mfa_required);
        let stage = stage_after_password(&account, mfa_required);
        let token = self.store.write(|tx| {
            let what = if stage == SessionStage::Full {
                "signin.success"
            } else {
                "signin.password_ok"
            };
            audit::record(
                tx,
                now,
                &actor,
                what,
                &format!("account:{}", account.id),
                Outcome::Ok,
            )?;
            if stage == SessionStage::Full {
                let mut fresh = account.clone();
                fresh.failed_logins.clear();
                accounts::put(tx, &fresh)?;
            }
            self.start_session(tx, &account, stage, now, stage == SessionStage::Full)
        })?;
        Ok(match stage {
            SessionStage::AwaitingTotp => Next::Code(token),
            SessionStage::EnrollingTotp => Next::Enroll(token),
            SessionStage::Full => Next::Done(token),
        })
    }

    /// Checks a one-time code or a recovery code against `account`, consuming it.
    fn check_second_step(
        &self,
        account: &mut Account,
        code: &str,
        now: OffsetDateTime,
    ) -> Option<&'static str> {
        let totp_state = account.totp.as_mut()?;
        if let Some(step) = totp::accept(
            &totp_state.secret,
            code,
            now.unix_timestamp() as u64,
            totp_state.last_step,
        ) {
            totp_state.last_step = step;
            return Some("totp");
        }
        let normalized = normalize_code(code);
        if normalized.len() == 16 {
            let index = self
                .store
                .blind_index()
                .index("recovery-code", normalized.as_bytes());
            if let Some(pos) = account.recovery_codes.iter().position(|c| *c == index) {
                account.recovery_codes.remove(pos);
                return Some("recovery_code");
            }
        }
        None
    }

    /// The second step. On success the half-signed-in session is replaced by a new one.
    pub fn sign_in_code(
        &self,
        ip: Option<IpAddr>,
        token: &str,
        code: &str,
    ) -> Result<SessionToken, SignInError> {
        let now = self.now();
        let index = self.session_index(token);
        let session = self.store.write(|tx| sessions::get(tx, &index))?;
        let Some(session) = session.filter(|s| s.stage == SessionStage::AwaitingTotp) else {
            return Err(SignInError::Expired);
        };
        if now - session.created_at > Duration::minutes(10) {
            self.store.write(|tx| self.drop_session(tx, token))?;
            return Err(SignInError::Expired);
        }
        let account = self
            .store
            .read(|tx| accounts::get(tx, session.account))?
            .ok_or(SignInError::Expired)?;
        let actor = Actor::account(account.id, account.role, ip);
        self.refuse_if_locked(&account, &actor)?;
        let mut updated = account.clone();
        let Some(method) = self.check_second_step(&mut updated, code, now) else {
            self.note_ip_failure(ip, now);
            self.note_failure(account.id, &actor, "signin.code_failure")?;
            return Err(SignInError::WrongCode);
        };
        let fresh = self.store.write(|tx| {
            self.drop_session(tx, token)?;
            updated.failed_logins.clear();
            accounts::put(tx, &updated)?;
            audit::record(
                tx,
                now,
                &actor,
                &format!("signin.success.{method}"),
                &format!("account:{}", account.id),
                Outcome::Ok,
            )?;
            self.start_session(tx, &updated, SessionStage::Full, now, true)
        })?;
        Ok(fresh)
    }

    /// The enrollment page's data: the QR code (SVG) and the secret as text. Makes a
    /// secret the first time.
    pub fn enrollment(
        &self,
        account: &Account,
        issuer: &str,
    ) -> Result<(String, String), ServiceError> {
        let secret = match account.totp.as_ref().filter(|t| !t.enabled) {
            Some(t) => t.secret.clone(),
            None => {
                let secret = totp::new_secret();
                let id = account.id;
                let s = secret.clone();
                self.store.write(|tx| {
                    let Some(mut fresh) = accounts::get_for_update(tx, id)? else {
                        return Ok::<_, StoreError>(());
                    };
                    fresh.totp = Some(Totp {
                        secret: s,
                        enabled: false,
                        last_step: 0,
                    });
                    accounts::put(tx, &fresh)
                })?;
                secret
            }
        };
        let url = totp::otpauth_url(&secret, issuer, &account.email);
        Ok((totp::qr_svg(&url), totp::secret_text(&secret)))
    }

    /// Confirms enrollment with a first code: the second step is on, other sessions end,
    /// and ten recovery codes are returned (shown once; only their blind indexes are kept).
    pub fn confirm_enrollment(
        &self,
        ip: Option<IpAddr>,
        token: &str,
        account_id: crate::policy::AccountId,
        code: &str,
    ) -> Result<Vec<String>, SignInError> {
        let now = self.now();
        let index = self.session_index(token);
        let mut account = self
            .store
            .read(|tx| accounts::get(tx, account_id))?
            .ok_or(SignInError::Expired)?;
        let actor = Actor::account(account.id, account.role, ip);
        let Some(t) = account.totp.as_mut().filter(|t| !t.enabled) else {
            return Err(SignInError::Expired);
        };
        let Some(step) = totp::accept(&t.secret, code, now.unix_timestamp() as u64, t.last_step)
        else {
            audit::record_now(
                &self.store,
                now,
                &actor,
                "mfa.enroll_failure",
                &format!("account:{account_id}"),
                Outcome::Failed,
            )?;
            return Err(SignInError::WrongCode);
        };
        t.enabled = true;
        t.last_step = step;
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        account.recovery_codes = codes
            .iter()
            .map(|c| {
                self.store
                    .blind_index()
                    .index("recovery-code", normalize_code(c).as_bytes())
            })
            .collect();
        self.store.write(|tx| {
            accounts::put(tx, &account)?;
            sessions::end_all_for(tx, account.id, Some(&index))?;
            if let Some(mut session) = sessions::get(tx, &index)? {
                session.stage = SessionStage::Full;
                session.reauth_at = Some(now);
                sessions::put(tx, &index, &session)?;
            }
            audit::record(
                tx,
                now,
                &actor,
                "mfa.enroll",
                &format!("account:{account_id}"),
                Outcome::Ok,
            )
        })?;
        Ok(codes)
    }

    /// Re-authentication for sensitive actions: password and second step again.
    pub async fn reauthenticate(
        &self,
        ip: Option<IpAddr>,
        token: &str,
        account_id: crate::policy::AccountId,
        password: Zeroizing<String>,
        code: &str,
    ) -> Result<(), SignInError> {
        let now = self.now();
        let account = self
            .store
            .read(|tx| accounts::get(tx, account_id))?
            .ok_or(SignInError::Expired)?;
        let actor = Actor::account(account.id, account.role, ip);
        self.refuse_if_locked(&account, &actor)?;
        let password_ok = self
            .hasher
            .verify(password, account.password_hash.clone())
            .await;
        let mut updated = account.clone();
        let code_ok = password_ok && self.check_second_step(&mut updated, code, now).is_some();
        if !code_ok {
            self.note_failure(account.id, &actor, "reauth.failure")?;
            return Err(SignInError::Invalid);
        }
        let index = self.session_index(token);
        self.store.write(|tx| {
            accounts::put(tx, &updated)?;
            if let Some(mut session) = sessions::get(tx, &index)? {
                session.reauth_at = Some(now);
                sessions::put(tx, &index, &session)?;
            }
            audit::record(
                tx,
                now,
                &actor,
                "reauth",
                &format!("account:{account_id}"),
                Outcome::Ok,
            )
        })?;
        Ok(())
    }
}

/// A recovery code: 80 random bits as four groups of four base32 letters and digits.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    random::fill(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}
