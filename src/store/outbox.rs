//! The durable outbox of email alerts, and the email-address confirmation links. An alert
//! is written in the same transaction as the change that causes it, so it survives a
//! restart; the mail job sends it and removes it, or records why it could not.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::Result;
use super::record::{Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::AccountId;

/// What an alert says. The texts are fixed (see `mail::text`) and carry no PHI.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Mail {
    /// "A new secure message is waiting; sign in."
    NewMessage,
    /// "Confirm this address": the link's secret token travels sealed.
    ConfirmEmail { token: String },
    /// "A scheduled task (a backup) failed; sign in to see" (to the owner).
    JobFailed,
    /// "A form was submitted; sign in to see" (to the practice).
    NewSubmission,
    /// "You have an upcoming appointment; sign in to see details" (to a client).
    AppointmentReminder,
    /// "The password of your account was changed with a reset link" (security notice).
    PasswordChanged,
    /// "A restore drill of your backups is due" (to the owner, monthly until one runs).
    DrillDue,
}

impl Mail {
    /// The kind, for the audit log.
    pub fn kind(&self) -> &'static str {
        match self {
            Mail::NewMessage => "new_message",
            Mail::ConfirmEmail { .. } => "confirm_email",
            Mail::JobFailed => "job_failed",
            Mail::NewSubmission => "new_submission",
            Mail::AppointmentReminder => "appointment_reminder",
            Mail::PasswordChanged => "password_changed",
            Mail::DrillDue => "drill_due",
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Notification {
    pub account: AccountId,
    /// The address it goes to, as it was when queued.
    pub to: String,
    pub mail: Mail,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// Why the last attempt failed (a category such as "could not connect"; no address).
    pub last_problem: Option<String>,
    /// Retries ended; kept for the dashboard until cleared by age.
    pub gave_up: bool,
}

impl std::fmt::Debug for Notification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notification")
            .field("account", &self.account)
            .field("kind", &self.mail.kind())
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl Record for Notification {
    const TABLE: Table = tables::OUTBOX;
}

/// A key that sorts by creation time.
pub fn new_key(now: OffsetDateTime) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(&now.unix_timestamp_nanos().to_be_bytes());
    crate::crypto::random::fill(&mut key[16..]);
    key
}

/// The outbox key of the alert of one kind last queued for one account. Only a pointer:
/// the alert counts as waiting while the row it names is there, for that account and
/// kind, and not given up (a sent or purged alert leaves a pointer that no longer counts).
#[derive(Clone, Serialize, Deserialize)]
pub struct Waiting {
    pub key: Vec<u8>,
}

impl std::fmt::Debug for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiting").finish_non_exhaustive()
    }
}

impl Record for Waiting {
    const TABLE: Table = tables::OUTBOX_WAITING;
}

fn waiting_key(account: AccountId, kind: &str) -> Vec<u8> {
    [&account.0[..], kind.as_bytes()].concat()
}

pub fn queue(tx: &WriteTx<'_>, n: &Notification) -> Result<()> {
    let key = new_key(n.created_at);
    tx.put(&key, n)?;
    point_to(tx, &key, n)
}

/// Notes `key` as the alert of `n`'s kind last queued for `n`'s account: only for the
/// kinds that wait for one another (`is_waiting`), so that the other kinds (a password
/// change, a failed backup) leave no row in clear saying that they once happened.
pub(super) fn point_to(tx: &WriteTx<'_>, key: &[u8], n: &Notification) -> Result<()> {
    if !matches!(n.mail, Mail::NewMessage | Mail::NewSubmission) {
        return Ok(());
    }
    tx.put(
        &waiting_key(n.account, n.mail.kind()),
        &Waiting { key: key.to_vec() },
    )
}

/// An alert like `mail` (a new message or a new submission) is still waiting to go to
/// `account` (not sent, not given up): one pointer and one outbox row read, whatever the
/// outbox holds.
pub fn is_waiting(tx: &WriteTx<'_>, account: AccountId, mail: &Mail) -> Result<bool> {
    let Some(pointer) = tx.get::<Waiting>(&waiting_key(account, mail.kind()))? else {
        return Ok(false);
    };
    Ok(tx
        .get::<Notification>(&pointer.key)?
        .is_some_and(|n| n.account == account && n.mail == *mail && !n.gave_up))
}

/// Forgets the pointers of one account (a client removed by retention).
pub fn forget_waiting(tx: &WriteTx<'_>, account: AccountId) -> Result<u64> {
    tx.remove_prefix(tables::OUTBOX_WAITING, &account.0)
}

/// A confirmation link for one account and one address.
#[derive(Clone, Serialize, Deserialize)]
pub struct EmailConfirmation {
    pub account: AccountId,
    /// Blind index of the address the link was sent to; a changed address voids it.
    pub email_index: [u8; 32],
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for EmailConfirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfirmation")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Record for EmailConfirmation {
    const TABLE: Table = tables::EMAIL_CONFIRMATIONS;
}

/// Removes every email-confirmation link, and every queued mail carrying one (after a
/// restore: those links were issued before the backup); returns how many links could
/// still have been used at `now`.
pub fn void_confirmations(tx: &WriteTx<'_>, now: OffsetDateTime) -> Result<usize> {
    let open = tx
        .all::<EmailConfirmation>()?
        .iter()
        .filter(|(_, c)| c.expires_at > now)
        .count();
    tx.clear::<EmailConfirmation>()?;
    for (key, n) in tx.all::<Notification>()? {
        if matches!(n.mail, Mail::ConfirmEmail { .. }) {
            tx.remove::<Notification>(&key)?;
        }
    }
    Ok(open)
}
