//! The second sign-in step: enrolling an authenticator app, and re-authentication before
//! sensitive actions. SECURITY-SENSITIVE: every change is decided on the account as it is
//! inside the write transaction, never on a copy read before a hash or a code check.

use std::net::IpAddr;

use zeroize::Zeroizing;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::signin::{normalize_code, SignInError};
use super::{ServiceError, Services};
use crate::crypto::{random, totp};
use crate::policy::{AccountId, Actor};
use crate::store::accounts::{self, Account, AccountStatus, Totp};
use crate::store::sessions::{self, SessionStage};
use crate::store::StoreError;

const RECOVERY_CODES: usize = 10;

impl Services {
    /// The enrollment page's data: the QR code (SVG) and the secret as text. Makes a
    /// secret the first time.
    pub fn enrollment(
        &self,
        account: &Account,
        issuer: &str,
    ) -> Result<(String, String), ServiceError> {
        let id = account.id;
        let secret = self.store.write(|tx| {
            let Some(mut fresh) = accounts::get_for_update(tx, id)? else {
                return Err(ServiceError::NotFound);
            };
            if let Some(t) = fresh.totp.as_ref().filter(|t| !t.enabled) {
                return Ok(t.secret.clone());
            }
            if fresh.mfa_enabled() {
                // Enrolled meanwhile (another tab): nothing to show.
                return Err(ServiceError::NotFound);
            }
            let secret = totp::new_secret();
            fresh.totp = Some(Totp {
                secret: secret.clone(),
                enabled: false,
                last_step: 0,
            });
            accounts::put(tx, &fresh)?;
            Ok(secret)
        })?;
        let url = totp::otpauth_url(&secret, issuer, &account.email);
        Ok((totp::qr_svg(&url), totp::secret_text(&secret)))
    }

    /// Confirms enrollment with a first code: the second step is on, other sessions end,
    /// and ten recovery codes are returned (shown once; only their blind indexes are kept).
    pub fn confirm_enrollment(
        &self,
        ip: Option<IpAddr>,
        token: &str,
        account_id: AccountId,
        code: &str,
    ) -> Result<Vec<String>, SignInError> {
        let now = self.now();
        let index = self.session_index(token);
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashed: Vec<[u8; 32]> = codes
            .iter()
            .map(|c| {
                self.store
                    .blind_index()
                    .index("recovery-code", normalize_code(c).as_bytes())
            })
            .collect();
        let accepted = self.store.write(|tx| {
            let fresh = accounts::get_for_update(tx, account_id)?;
            let Some(mut account) = fresh.filter(|a| a.status == AccountStatus::Active) else {
                return Ok::<_, SignInError>(Err(SignInError::Expired));
            };
            // The session must still be this account's, mid-enrollment.
            let session = sessions::get(tx, &index)?;
            if session.is_none_or(|s| s.account != account_id) {
                return Ok(Err(SignInError::Expired));
            }
            let actor = Actor::account(account.id, account.role, ip);
            let target = AuditTarget::new().account(account_id);
            let Some(t) = account.totp.as_mut().filter(|t| !t.enabled) else {
                return Ok(Err(SignInError::Expired));
            };
            let Some(step) =
                totp::accept(&t.secret, code, now.unix_timestamp() as u64, t.last_step)
            else {
                audit::record(
                    tx,
                    now,
                    &actor,
                    Event::MfaEnrollFailure,
                    &target,
                    Outcome::Failed,
                )?;
                return Ok(Err(SignInError::WrongCode));
            };
            t.enabled = true;
            t.last_step = step;
            account.recovery_codes = hashed.clone();
            accounts::put(tx, &account)?;
            sessions::end_all_for(tx, account.id, Some(&index))?;
            if let Some(mut session) = sessions::get(tx, &index)? {
                session.stage = SessionStage::Full;
                session.reauth_at = Some(now);
                sessions::put(tx, &index, &session)?;
            }
            audit::record(tx, now, &actor, Event::MfaEnroll, &target, Outcome::Ok)?;
            Ok(Ok(()))
        })?;
        accepted.map(|()| codes)
    }

    /// Re-authentication for sensitive actions: password and second step again. Counted
    /// against the same sign-in limit as the sign-in page.
    pub async fn reauthenticate(
        &self,
        ip: Option<IpAddr>,
        token: &str,
        account_id: AccountId,
        password: Zeroizing<String>,
        code: &str,
    ) -> Result<(), SignInError> {
        let now = self.now();
        let account = self
            .store
            .read(|tx| accounts::get(tx, account_id))?
            .ok_or(SignInError::Expired)?;
        let actor = Actor::account(account.id, account.role, ip);
        let target = AuditTarget::new().account(account_id);
        let key = self.guess_key(&account.email);
        let reservation = self.reserve_guess(key, &actor, &target, now)?;
        let checked_hash = account.password_hash.clone();
        let password_ok = self.hasher.verify(password, checked_hash.clone()).await;
        let index = self.session_index(token);
        let outcome = self.store.write(|tx| {
            let fresh = accounts::get_for_update(tx, account_id)?;
            let Some(mut fresh) = fresh.filter(|a| a.status == AccountStatus::Active) else {
                return Ok::<_, StoreError>(Err(SignInError::Expired));
            };
            let still_same = fresh.password_hash == checked_hash;
            let code_ok = password_ok
                && still_same
                && self.check_second_step(&mut fresh, code, now).is_some();
            if !code_ok {
                Self::record_failure(tx, now, &actor, Event::ReauthFailure, &target, &reservation)?;
                return Ok(Err(SignInError::Invalid));
            }
            let session = sessions::get(tx, &index)?.filter(|s| s.account == account_id);
            let Some(mut session) = session else {
                return Ok(Err(SignInError::Expired));
            };
            accounts::put(tx, &fresh)?;
            session.reauth_at = Some(now);
            sessions::put(tx, &index, &session)?;
            audit::record(tx, now, &actor, Event::Reauth, &target, Outcome::Ok)?;
            Ok(Ok(()))
        })?;
        if outcome.is_ok() {
            self.throttle.release(reservation);
        }
        outcome
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
