//! PHI-free email alerts: who gets one, queued in the same transaction as the message that
//! causes it; each person's choice; and the mail job's side (what is due, what was
//! delivered, what failed). Every send and every skip is audited. Address confirmation
//! links are in `notify_confirm.rs`.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::policy::{self, AccountId, Action, Actor, Decision, Role, Target};
use crate::store::accounts::{self, Account, AccountStatus};
use crate::store::outbox::{self, Mail, Notification};
use crate::store::WriteTx;

/// Retries stop after this long; the dashboard then says so.
const GIVE_UP_AFTER: Duration = Duration::days(3);
/// Given-up alerts stay on the dashboard this long.
const KEEP_GIVEN_UP: Duration = Duration::days(30);

/// Whether email is set up, and how to wake the mail job.
#[derive(Clone, Default)]
pub struct MailSwitch {
    pub enabled: bool,
    pub wake: Arc<tokio::sync::Notify>,
    /// First retry wait; doubles each time up to an hour.
    pub retry: Duration,
}

impl std::fmt::Debug for MailSwitch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSwitch")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// One person's email settings as their settings page shows them.
pub struct EmailSettings {
    pub address: String,
    pub confirmed: bool,
    pub alerts: bool,
    pub mail_enabled: bool,
    /// Whether this person can be sent message alerts at all (staff read no messages).
    pub reads_messages: bool,
}

/// Alerts due now (outbox key and alert), and when the next later one falls due.
pub type DueAlerts = (Vec<(Vec<u8>, Notification)>, Option<OffsetDateTime>);

/// Problems the owner's dashboard shows.
pub struct MailProblems {
    /// Alerts still being retried, the oldest's first try, and the last reason.
    pub retrying: usize,
    pub since: Option<OffsetDateTime>,
    pub reason: Option<String>,
    /// Alerts given up after three days of failures.
    pub given_up: usize,
}

fn skip(
    tx: &WriteTx<'_>,
    now: OffsetDateTime,
    actor: &Actor,
    to: AccountId,
    reason: &str,
) -> Result<(), ServiceError> {
    audit::record(
        tx,
        now,
        actor,
        Event::NotificationSkip,
        AuditTarget::new().account(to).field("reason", reason),
        Outcome::Ok,
    )?;
    Ok(())
}

pub(super) fn queue_mail(
    tx: &WriteTx<'_>,
    now: OffsetDateTime,
    actor: &Actor,
    account: &Account,
    mail: Mail,
) -> Result<(), ServiceError> {
    let kind = mail.kind();
    outbox::queue(
        tx,
        &Notification {
            account: account.id,
            to: account.email.clone(),
            mail,
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            last_problem: None,
            gave_up: false,
        },
    )?;
    audit::record(
        tx,
        now,
        actor,
        Event::NotificationQueue,
        AuditTarget::new().account(account.id).field("kind", kind),
        Outcome::Ok,
    )?;
    Ok(())
}

fn reads_messages(account: &Account, client: AccountId) -> bool {
    let actor = Actor::account(account.id, account.role, None);
    policy::decide(&actor, Action::ReadThread, Target::Client(client)) == Decision::Allow
}

impl Services {
    pub fn with_mail(mut self, mail: MailSwitch) -> Self {
        self.mail = mail;
        self
    }

    /// Inside the transaction that writes a message: an alert to the other side (the
    /// client, or every practice user who reads messages), or an audited reason not to.
    pub(super) fn queue_message_alerts(
        &self,
        tx: &WriteTx<'_>,
        actor: &Actor,
        client: AccountId,
        from_client: bool,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let recipients: Vec<Account> = if from_client {
            accounts::practice_for_update(tx)?
                .into_iter()
                .filter(|a| reads_messages(a, client))
                .collect()
        } else {
            accounts::get_for_update(tx, client)?.into_iter().collect()
        };
        self.queue_alerts(tx, actor, recipients, Mail::NewMessage, now)
    }

    /// Inside the transaction that stores a form submission: an alert to every practice
    /// user who reads the client's submissions.
    pub(super) fn queue_practice_alerts(
        &self,
        tx: &WriteTx<'_>,
        actor: &Actor,
        client: AccountId,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let recipients: Vec<Account> = accounts::practice_for_update(tx)?
            .into_iter()
            .filter(|a| {
                policy::decide(
                    &Actor::account(a.id, a.role, None),
                    Action::ReadSubmissions,
                    Target::Client(client),
                ) == Decision::Allow
            })
            .collect();
        self.queue_alerts(tx, actor, recipients, Mail::NewSubmission, now)
    }

    /// Queues `mail` to each recipient who can get it, or audits why not.
    pub(super) fn queue_alerts(
        &self,
        tx: &WriteTx<'_>,
        actor: &Actor,
        recipients: Vec<Account>,
        mail: Mail,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        for account in recipients {
            let reason = if !self.mail.enabled {
                Some("no-mail-server")
            } else if account.status != AccountStatus::Active {
                Some("no-portal-access")
            } else if !account.email_alerts {
                Some("declined")
            } else if account.email_confirmed_at.is_none() {
                Some("unconfirmed")
            } else if outbox::is_waiting(tx, account.id, &mail)? {
                Some("already-waiting")
            } else {
                None
            };
            match reason {
                Some(reason) => skip(tx, now, actor, account.id, reason)?,
                None => queue_mail(tx, now, actor, &account, mail.clone())?,
            }
        }
        Ok(())
    }

    /// Inside the transaction that used a password-reset link: a PHI-free notice to the
    /// account's confirmed address (if any) that its password was changed.
    pub(super) fn tell_password_changed(
        &self,
        tx: &WriteTx<'_>,
        actor: &Actor,
        account: &Account,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        if !self.mail.enabled {
            return skip(tx, now, actor, account.id, "no-mail-server");
        }
        if account.email_confirmed_at.is_none() {
            return skip(tx, now, actor, account.id, "unconfirmed");
        }
        queue_mail(tx, now, actor, account, Mail::PasswordChanged)
    }

    /// Wakes the mail job after a commit that queued something.
    pub(super) fn wake_mail(&self) {
        if self.mail.enabled {
            self.mail.wake.notify_one();
        }
    }

    /// The actor's own email settings.
    pub fn email_settings(&self, actor: &Actor) -> Result<EmailSettings, ServiceError> {
        let id = actor.account_id().ok_or(ServiceError::Forbidden)?;
        self.authorize(actor, Action::ManageOwnSettings, Target::Account(id))?;
        let account = self
            .store
            .read(|tx| accounts::get(tx, id))?
            .ok_or(ServiceError::NotFound)?;
        Ok(EmailSettings {
            confirmed: account.email_confirmed_at.is_some(),
            alerts: account.email_alerts,
            mail_enabled: self.mail.enabled,
            reads_messages: matches!(account.role, Role::Owner | Role::Clinician | Role::Client),
            address: account.email,
        })
    }

    /// Turns the actor's own message alerts on or off.
    pub fn set_own_email_alerts(&self, actor: &Actor, on: bool) -> Result<(), ServiceError> {
        let id = actor.account_id().ok_or(ServiceError::Forbidden)?;
        self.authorize(actor, Action::ManageOwnSettings, Target::Account(id))?;
        self.set_alerts(actor, id, on)
    }

    /// Records a client's choice, told to the practice (by phone, or later the consent form).
    pub fn set_client_email_alerts(
        &self,
        actor: &Actor,
        client: AccountId,
        on: bool,
    ) -> Result<(), ServiceError> {
        self.authorize(actor, Action::SetClientAlerts, Target::Client(client))?;
        self.set_alerts(actor, client, on)
    }

    fn set_alerts(&self, actor: &Actor, id: AccountId, on: bool) -> Result<(), ServiceError> {
        let now = self.now();
        self.store.write(|tx| {
            let mut account = accounts::get_for_update(tx, id)?.ok_or(ServiceError::NotFound)?;
            account.email_alerts = on;
            accounts::put(tx, &account)?;
            audit::record(
                tx,
                now,
                actor,
                if on {
                    Event::AlertsOn
                } else {
                    Event::AlertsOff
                },
                AuditTarget::new().account(id),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    /// For the owner's dashboard: alerts that are failing or were given up.
    pub fn mail_problems(&self, actor: &Actor) -> Result<Option<MailProblems>, ServiceError> {
        if policy::decide(actor, Action::ManagePractice, Target::Practice) != Decision::Allow {
            return Ok(None);
        }
        let all = self.store.read(|tx| tx.all::<Notification>())?;
        let retrying: Vec<&Notification> = all
            .iter()
            .map(|(_, n)| n)
            .filter(|n| !n.gave_up && n.attempts > 0)
            .collect();
        let given_up = all.iter().filter(|(_, n)| n.gave_up).count();
        if retrying.is_empty() && given_up == 0 {
            return Ok(None);
        }
        Ok(Some(MailProblems {
            retrying: retrying.len(),
            since: retrying.iter().map(|n| n.created_at).min(),
            reason: retrying.iter().find_map(|n| n.last_problem.clone()),
            given_up,
        }))
    }

    /// The mail job: alerts due now, oldest first, and when the next one falls due.
    pub fn due_alerts(&self) -> Result<DueAlerts, ServiceError> {
        let now = self.now();
        let all = self.store.read(|tx| tx.all::<Notification>())?;
        let next = all
            .iter()
            .filter(|(_, n)| !n.gave_up && n.next_attempt_at > now)
            .map(|(_, n)| n.next_attempt_at)
            .min();
        let due = all
            .into_iter()
            .filter(|(_, n)| !n.gave_up && n.next_attempt_at <= now)
            .collect();
        Ok((due, next))
    }

    /// The mail job: an alert went out.
    pub fn alert_delivered(&self, key: &[u8], n: &Notification) -> Result<(), ServiceError> {
        let now = self.now();
        self.store.write(|tx| {
            tx.remove::<Notification>(key)?;
            audit::record(
                tx,
                now,
                &Actor::System("mail"),
                Event::NotificationSent,
                AuditTarget::new()
                    .account(n.account)
                    .field("kind", n.mail.kind()),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    /// The mail job: an attempt failed with `problem` (a category, no address).
    pub fn alert_failed(&self, key: &[u8], problem: &str) -> Result<(), ServiceError> {
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut n) = tx.get::<Notification>(key)? else {
                return Ok(());
            };
            n.attempts += 1;
            n.last_problem = Some(problem.to_owned());
            let wait = self.mail.retry * 2i32.pow(n.attempts.saturating_sub(1).min(12));
            n.next_attempt_at = now + wait.min(Duration::hours(1));
            if now - n.created_at > GIVE_UP_AFTER {
                n.gave_up = true;
                audit::record(
                    tx,
                    now,
                    &Actor::System("mail"),
                    Event::NotificationFailed,
                    AuditTarget::new()
                        .account(n.account)
                        .field("kind", n.mail.kind()),
                    Outcome::Failed,
                )?;
            }
            tx.put(key, &n)?;
            Ok::<_, ServiceError>(())
        })?;
        Ok(())
    }

    /// The mail job: forgets given-up alerts after a month.
    pub fn clear_old_alerts(&self) -> Result<(), ServiceError> {
        let now = self.now();
        self.store.write(|tx| {
            for (key, n) in tx.all::<Notification>()? {
                if n.gave_up && now - n.created_at > KEEP_GIVEN_UP {
                    tx.remove::<Notification>(&key)?;
                }
            }
            Ok(())
        })
    }
}

#[path = "notify_confirm.rs"]
mod confirm;
pub use confirm::{ConfirmState, CONFIRM_DAYS};

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
