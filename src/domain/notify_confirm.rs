//! Address confirmation links: one is queued with each new or changed address (a 256-bit
//! token, stored only as a keyed hash, working for a week), resent on request at most every
//! ten minutes, and used once to mark the address confirmed.

use time::{Duration, OffsetDateTime};

use super::super::audit::{self, AuditTarget, Event, Outcome};
use super::super::{ServiceError, Services};
use super::{queue_mail, skip};
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account};
use crate::store::outbox::{EmailConfirmation, Mail};
use crate::store::WriteTx;

/// How long a confirmation link works.
pub const CONFIRM_DAYS: i64 = 7;
const CONFIRM_DOMAIN: &str = "email-confirm";
/// The least time between two confirmation links for one account.
const RESEND_PAUSE: Duration = Duration::minutes(10);

/// What a confirmation link is.
pub enum ConfirmState {
    Valid,
    Expired,
    Unknown,
}

impl Services {
    /// Inside the transaction that adds or changes an address: a confirmation link to it.
    pub(in crate::domain) fn queue_confirmation(
        &self,
        tx: &WriteTx<'_>,
        actor: &Actor,
        account: &Account,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        if !self.mail.enabled {
            return skip(tx, now, actor, account.id, "no-mail-server");
        }
        let token = crate::crypto::random::token();
        let index = self
            .store
            .blind_index()
            .index(CONFIRM_DOMAIN, token.as_bytes());
        tx.put(
            &index,
            &EmailConfirmation {
                account: account.id,
                email_index: self.store.blind_index().email(&account.email),
                expires_at: now + Duration::days(CONFIRM_DAYS),
            },
        )?;
        queue_mail(tx, now, actor, account, Mail::ConfirmEmail { token })
    }

    /// Sends the actor a new confirmation link to their own address.
    pub fn resend_own_confirmation(&self, actor: &Actor) -> Result<(), ServiceError> {
        let id = actor.account_id().ok_or(ServiceError::Forbidden)?;
        self.authorize(actor, Action::ManageOwnSettings, Target::Account(id))?;
        self.resend_confirmation(actor, id, false)
    }

    /// Sends a client a new confirmation link (the practice, for the client).
    pub fn resend_client_confirmation(
        &self,
        actor: &Actor,
        client: AccountId,
    ) -> Result<(), ServiceError> {
        self.authorize(actor, Action::SetClientAlerts, Target::Client(client))?;
        self.resend_confirmation(actor, client, true)
    }

    /// A new confirmation link for `id` (a client, when `client_only`), at most one every
    /// [`RESEND_PAUSE`] so a button held down cannot flood anyone's mailbox.
    fn resend_confirmation(
        &self,
        actor: &Actor,
        id: AccountId,
        client_only: bool,
    ) -> Result<(), ServiceError> {
        let is_theirs = self
            .store
            .read(|tx| accounts::get(tx, id))?
            .is_some_and(|a| !client_only || a.role == Role::Client);
        if !is_theirs {
            return Err(ServiceError::NotFound);
        }
        if !self.mail.enabled {
            return Err(ServiceError::invalid(
                "email",
                "Email is not set up on this portal yet, so no link can be sent.",
            ));
        }
        let now = self.now();
        self.store.write(|tx| {
            let account = accounts::get_for_update(tx, id)?
                .filter(|a| !client_only || a.role == Role::Client)
                .ok_or(ServiceError::NotFound)?;
            let recent = tx.all::<EmailConfirmation>()?.into_iter().any(|(_, c)| {
                c.account == id && c.expires_at > now + Duration::days(CONFIRM_DAYS) - RESEND_PAUSE
            });
            if recent {
                audit::record(
                    tx,
                    now,
                    actor,
                    Event::EmailConfirmResend,
                    AuditTarget::new().account(id),
                    Outcome::Denied,
                )?;
                return Ok(Err(ServiceError::invalid(
                    "resend",
                    "A confirmation link was sent a few minutes ago. Please wait 10 minutes before sending another.",
                )));
            }
            self.queue_confirmation(tx, actor, &account, now)?;
            Ok::<_, ServiceError>(Ok(()))
        })??;
        self.wake_mail();
        Ok(())
    }

    fn confirmation(&self, token: &str) -> Result<Option<EmailConfirmation>, ServiceError> {
        let index = self
            .store
            .blind_index()
            .index(CONFIRM_DOMAIN, token.as_bytes());
        Ok(self.store.read(|tx| tx.get::<EmailConfirmation>(&index))?)
    }

    pub fn check_confirmation(&self, token: &str) -> Result<ConfirmState, ServiceError> {
        Ok(match self.confirmation(token)? {
            Some(c) if c.expires_at > self.now() => ConfirmState::Valid,
            Some(_) => ConfirmState::Expired,
            None => ConfirmState::Unknown,
        })
    }

    /// Marks the address confirmed, if the link is valid and still for the current address.
    pub fn confirm_email(&self, token: &str, actor: &Actor) -> Result<ConfirmState, ServiceError> {
        let index = self
            .store
            .blind_index()
            .index(CONFIRM_DOMAIN, token.as_bytes());
        let now = self.now();
        let blind = self.store.blind_index().clone();
        self.store.write(|tx| {
            let Some(link) = tx.get::<EmailConfirmation>(&index)? else {
                return Ok(ConfirmState::Unknown);
            };
            tx.remove::<EmailConfirmation>(&index)?;
            let account = accounts::get_for_update(tx, link.account)?;
            let current = account
                .as_ref()
                .is_some_and(|a| blind.email(&a.email) == link.email_index);
            if link.expires_at <= now || !current {
                return Ok(ConfirmState::Expired);
            }
            let Some(mut account) = account else {
                return Ok(ConfirmState::Unknown);
            };
            account.email_confirmed_at = Some(now);
            accounts::put(tx, &account)?;
            audit::record(
                tx,
                now,
                actor,
                Event::EmailConfirm,
                AuditTarget::new().account(account.id),
                Outcome::Ok,
            )?;
            Ok::<_, ServiceError>(ConfirmState::Valid)
        })
    }
}
