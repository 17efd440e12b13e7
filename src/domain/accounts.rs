//! Account management: invitation links and their acceptance, disabling an account,
//! resetting its second step, and the local administrator's commands.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::sessions::SessionToken;
use super::{ServiceError, Services};
use crate::crypto::random;
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account, AccountStatus};
use crate::store::invites::{self, Invite, InviteKind};
use crate::store::sessions;
use crate::store::{StoreError, WriteTx};

const INDEX_DOMAIN: &str = "invite";
pub const INVITE_LIFETIME: Duration = Duration::days(7);
pub const RESET_LIFETIME: Duration = Duration::hours(24);

/// What an invitation link turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteState {
    Valid {
        kind: InviteKind,
        role: Role,
        name: String,
    },
    /// Expired, used, revoked or unknown: one answer for all.
    NotValid,
}

/// One line of `alcove user list` and the team page.
#[derive(Debug, Clone)]
pub struct AccountSummary {
    pub id: AccountId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: AccountStatus,
    pub mfa: bool,
    pub locked: bool,
}

impl Services {
    fn invite_index(&self, token: &str) -> [u8; 32] {
        self.store
            .blind_index()
            .index(INDEX_DOMAIN, token.as_bytes())
    }

    /// Revokes earlier open links of `account` and issues a new one inside `tx`.
    pub(super) fn issue_invite(
        &self,
        tx: &WriteTx<'_>,
        issuer: &Actor,
        account: AccountId,
        kind: InviteKind,
        now: OffsetDateTime,
    ) -> Result<String, StoreError> {
        invites::revoke_all_for(tx, account)?;
        let token = random::token();
        let lifetime = match kind {
            InviteKind::Join => INVITE_LIFETIME,
            InviteKind::ResetPassword => RESET_LIFETIME,
        };
        let invite = Invite {
            account,
            kind,
            created_at: now,
            expires_at: now + lifetime,
            used_at: None,
            revoked: false,
            issued_by: Some(issuer.audit_id()),
        };
        invites::put(tx, &self.invite_index(&token), &invite)?;
        Ok(token)
    }

    /// Looks an invitation link up without using it.
    pub fn check_invite(&self, token: &str) -> Result<InviteState, ServiceError> {
        if token.len() != 43 {
            return Ok(InviteState::NotValid);
        }
        let index = self.invite_index(token);
        let now = self.now();
        let state = self.store.write(|tx| {
            let Some(invite) = invites::get(tx, &index)? else {
                return Ok::<_, StoreError>(InviteState::NotValid);
            };
            if invite.revoked || invite.used_at.is_some() || invite.expires_at <= now {
                return Ok(InviteState::NotValid);
            }
            Ok(match accounts::get_for_update(tx, invite.account)? {
                Some(a) if link_fits(invite.kind, &a) => InviteState::Valid {
                    kind: invite.kind,
                    role: a.role,
                    name: a.name,
                },
                _ => InviteState::NotValid,
            })
        })?;
        Ok(state)
    }

    /// Accepts an invitation or reset link: sets the password, uses up the link, ends other
    /// sessions, and signs the person in (practice accounts go on to enroll their second
    /// step; an account with sign-in codes is asked for one). An invitation works only for
    /// an account never activated, a reset link only for an active one — checked again
    /// inside the accepting transaction.
    pub async fn accept_invite(
        &self,
        ip: Option<IpAddr>,
        token: &str,
        password: Zeroizing<String>,
        confirm: Zeroizing<String>,
    ) -> Result<SessionToken, ServiceError> {
        if !matches!(self.check_invite(token)?, InviteState::Valid { .. }) {
            return Err(ServiceError::NotFound);
        }
        crate::crypto::password::check_new(&password, &confirm)?;
        let hash = self
            .hasher
            .hash(password)
            .await
            .ok_or(ServiceError::PasswordHashing)?;
        let index = self.invite_index(token);
        let now = self.now();
        let (session, email) = self.store.write(|tx| {
            // Single use, and only in the state the link was made for.
            let Some(mut invite) = invites::get(tx, &index)? else {
                return Err(ServiceError::NotFound);
            };
            if invite.revoked || invite.used_at.is_some() || invite.expires_at <= now {
                return Err(ServiceError::NotFound);
            }
            let fresh = accounts::get_for_update(tx, invite.account)?;
            let Some(mut account) = fresh.filter(|a| link_fits(invite.kind, a)) else {
                return Err(ServiceError::NotFound);
            };
            invite.used_at = Some(now);
            invites::put(tx, &index, &invite)?;
            account.password_hash = Some(hash.clone());
            account.status = AccountStatus::Active;
            accounts::put(tx, &account)?;
            sessions::end_all_for(tx, account.id, None)?;
            invites::revoke_all_for(tx, account.id)?;
            let actor = Actor::account(account.id, account.role, ip);
            let issuer = invite.issued_by.as_deref().unwrap_or("unknown");
            let what = match invite.kind {
                InviteKind::Join => Event::InviteAccepted,
                InviteKind::ResetPassword => Event::PasswordReset,
            };
            let target = AuditTarget::new()
                .account(account.id)
                .field("issued_by", issuer);
            audit::record(tx, now, &actor, what, target, Outcome::Ok)?;
            if invite.kind == InviteKind::ResetPassword {
                self.tell_password_changed(tx, &actor, &account, now)?;
            }
            let mfa_required =
                accounts::profile_for_update(tx, account.id)?.is_some_and(|p| p.mfa_required);
            let stage = super::signin::stage_after_password(&account, mfa_required);
            let session = self.start_session(tx, &account, stage, now, false)?;
            Ok((session, account.email))
        })?;
        self.throttle.clear(&self.guess_key(&email));
        self.wake_mail();
        Ok(session)
    }

    /// Every account, for the owner's team page and `alcove user list`.
    pub fn list_accounts(&self, actor: &Actor) -> Result<Vec<AccountSummary>, ServiceError> {
        // The local administrator manages accounts; the owner manages the team. One check,
        // so a refusal is audited once.
        let action = if crate::policy::decide(actor, Action::ManageAccount, Target::Practice)
            == crate::policy::Decision::Allow
        {
            Action::ManageAccount
        } else {
            Action::ManageTeam
        };
        self.authorize(actor, action, Target::Practice)?;
        self.audit_read(actor, Action::ManageTeam, Target::Practice)?;
        let now = self.now();
        let all = self.store.read(accounts::all)?;
        Ok(all
            .into_iter()
            .map(|a| AccountSummary {
                id: a.id,
                mfa: a.mfa_enabled(),
                locked: self
                    .throttle
                    .locked_until(&self.guess_key(&a.email), now)
                    .is_some(),
                name: a.name,
                email: a.email,
                role: a.role,
                status: a.status,
            })
            .collect())
    }

    fn find_account(&self, email: &str) -> Result<Account, ServiceError> {
        let index = self.store.blind_index().email(email);
        self.store
            .read(|tx| accounts::find_by_email(tx, &index))?
            .ok_or(ServiceError::NotFound)
    }

    /// Finds an account by email for a local administrator command.
    pub fn account_by_email(&self, actor: &Actor, email: &str) -> Result<AccountId, ServiceError> {
        self.authorize(actor, Action::ManageAccount, Target::Practice)?;
        Ok(self.find_account(email)?.id)
    }

    fn change_account(
        &self,
        actor: &Actor,
        action: Action,
        id: AccountId,
        what: Event,
        change: impl Fn(&mut Account),
    ) -> Result<String, ServiceError> {
        self.authorize(actor, action, Target::Account(id))?;
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut account) = accounts::get_for_update(tx, id)? else {
                return Err(ServiceError::NotFound);
            };
            change(&mut account);
            accounts::put(tx, &account)?;
            sessions::end_all_for(tx, id, None)?;
            audit::record(tx, now, actor, what, Target::Account(id), Outcome::Ok)?;
            Ok(account.email)
        })
    }

    /// Switches an account off: its sessions end, and its open invitation, reset and form
    /// links stop working in the same transaction.
    pub fn disable_account(&self, actor: &Actor, id: AccountId) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManageAccount, Target::Account(id))?;
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut account) = accounts::get_for_update(tx, id)? else {
                return Err(ServiceError::NotFound);
            };
            if account.role == Role::Owner && actor.account_id() == Some(id) {
                return Err(ServiceError::invalid(
                    "account",
                    "You cannot switch off your own owner account.",
                ));
            }
            account.status = AccountStatus::Disabled;
            accounts::put(tx, &account)?;
            let sessions = sessions::end_all_for(tx, id, None)?;
            let invites = invites::revoke_all_for(tx, id)?;
            let links = crate::store::forms::revoke_links_for(tx, id, now)?;
            let target = AuditTarget::new()
                .account(id)
                .field("sessions", sessions)
                .field("invites", invites)
                .field("links", links);
            audit::record(tx, now, actor, Event::AccountDisable, target, Outcome::Ok)?;
            Ok(())
        })
    }

    /// Removes the second step (the person sets it up again at next sign-in), its recovery
    /// codes and any lockout, and ends the account's sessions.
    pub fn reset_mfa(&self, actor: &Actor, id: AccountId) -> Result<(), ServiceError> {
        let email =
            self.change_account(actor, Action::ManageAccount, id, Event::MfaReset, |a| {
                a.totp = None;
                a.recovery_codes.clear();
                a.failed_logins.clear();
            })?;
        self.throttle.clear(&self.guess_key(&email));
        Ok(())
    }

    /// Issues a one-time password-reset link (24 hours) for an active account: the local
    /// administrator, or the owner after re-authentication (the web handler checks that).
    /// Sign-in codes stay as they are; the person is told by email once it is used.
    pub fn reset_password_link(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<String, ServiceError> {
        self.authorize(actor, Action::ResetPassword, Target::Account(id))?;
        let now = self.now();
        self.store.write(|tx| {
            let Some(account) = accounts::get_for_update(tx, id)? else {
                return Err(ServiceError::NotFound);
            };
            match account.status {
                AccountStatus::Active => {}
                AccountStatus::Invited => {
                    return Err(ServiceError::invalid(
                        "account",
                        "This person has not accepted their invitation yet. Send a new invitation link instead.",
                    ))
                }
                AccountStatus::Disabled => {
                    return Err(ServiceError::invalid(
                        "account",
                        "This account is switched off, so its password cannot be reset.",
                    ))
                }
            }
            let token = self.issue_invite(tx, actor, id, InviteKind::ResetPassword, now)?;
            audit::record(
                tx,
                now,
                actor,
                Event::PasswordResetLink,
                Target::Account(id),
                Outcome::Ok,
            )?;
            Ok(token)
        })
    }
}

/// Whether a link of `kind` may be used on `account` as it is now.
fn link_fits(kind: InviteKind, account: &Account) -> bool {
    match kind {
        InviteKind::Join => {
            account.status == AccountStatus::Invited && account.password_hash.is_none()
        }
        InviteKind::ResetPassword => account.status == AccountStatus::Active,
    }
}
