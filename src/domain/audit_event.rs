//! What an audit event says, as types: [`Event`], the action recorded (vaultwarden's
//! `EventType`), and [`AuditTarget`], the ids it touched. The stored text is exactly what
//! the string literals used to write — the hash chain of existing stores and the audit page
//! depend on it — so a variant's name is never changed, only added.
//!
//! A policy action is recorded under the name its row in `policy/table.rs` gives it
//! ([`Event::Policy`]); the variants here are the events that are not a policy action:
//! sign-in, sessions, setup, mail, backups, retention, the jobs.

use std::fmt;

use crate::ids::{
    AccountId, AppointmentId, AttachmentId, FormId, FormLinkId, SubmissionId, TemplateId, ThreadId,
};
use crate::policy::{Action, Actor, Target};

macro_rules! events {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// One kind of audit event. Its stored name is [`Event::name`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Event {
            /// A policy action, under the audit name its row in the policy table gives.
            Policy(Action),
            $($(#[$doc])* $variant,)*
        }

        impl Event {
            /// Every event that is not a policy action.
            pub const OWN: &'static [Event] = &[$(Event::$variant,)*];

            /// The text stored in the audit log (and shown on the audit page).
            pub fn name(self) -> &'static str {
                match self {
                    Event::Policy(action) => action.name(),
                    $(Event::$variant => $name,)*
                }
            }
        }
    };
}

events! {
    /// A sign-in completed without a second step.
    SignInSuccess => "signin.success",
    /// A sign-in completed with an authenticator code.
    SignInSuccessTotp => "signin.success.totp",
    /// A sign-in completed with a recovery code.
    SignInSuccessRecoveryCode => "signin.success.recovery_code",
    /// The password was right; the second step is next.
    SignInPasswordOk => "signin.password_ok",
    SignInFailure => "signin.failure",
    SignInCodeFailure => "signin.code_failure",
    /// This failure reached the hourly limit: the address is locked for a while.
    SignInLockout => "signin.lockout",
    /// An attempt while the address was locked.
    SignInLocked => "signin.locked",
    /// The account changed while the password was checked.
    SignInStale => "signin.stale",
    SignInDisabled => "signin.disabled",
    SignOut => "signout",
    SessionIdleTimeout => "session.idle_timeout",
    SessionAbsoluteTimeout => "session.absolute_timeout",
    MfaEnroll => "mfa.enroll",
    MfaEnrollFailure => "mfa.enroll_failure",
    MfaReset => "mfa.reset",
    Reauth => "reauth",
    ReauthFailure => "reauth.failure",
    InviteAccepted => "invite.accepted",
    PasswordReset => "password.reset",
    PasswordResetLink => "password.reset_link",
    AccountDisable => "account.disable",
    TeamInvite => "team.invite",
    SetupOwnerCreated => "setup.owner_created",
    ClientInviteRevoke => "client.invite_revoke",
    ClientRequireMfa => "client.require_mfa",
    /// A public intake form created a client.
    ClientIntake => "client.intake",
    ClientIntakeAccept => "client.intake_accept",
    ClientPreferences => "client.preferences",
    ThreadStart => "thread.start",
    ThreadClose => "thread.close",
    ThreadReopen => "thread.reopen",
    NoteWrite => "note.write",
    AttachmentAdd => "attachment.add",
    AttachmentDownload => "attachment.download",
    MessageAutoReply => "message.auto_reply",
    PracticeAutoReply => "practice.auto_reply",
    FormCreate => "form.create",
    FormEdit => "form.edit",
    FormSubmit => "form.submit",
    FormLinkRevoke => "form.link_revoke",
    TemplateAdd => "template.add",
    TemplateRemove => "template.remove",
    AppointmentAdd => "appointment.add",
    NotificationSkip => "notification.skip",
    NotificationQueue => "notification.queue",
    NotificationSent => "notification.sent",
    NotificationFailed => "notification.failed",
    EmailConfirm => "email.confirm",
    EmailConfirmResend => "email.confirm_resend",
    AlertsOn => "alerts.on",
    AlertsOff => "alerts.off",
    BackupCreate => "backup.create",
    BackupRemove => "backup.remove",
    BackupRestoreTest => "backup.restore_test",
    BackupRestoreVoidLinks => "backup.restore_void_links",
    /// The store's schema was upgraded (after a backup of the old one).
    StoreUpgrade => "store.upgrade",
    RetentionAuditPurge => "retention.audit_purge",
    RetentionPurge => "retention.purge",
    RetentionHold => "retention.hold",
    /// The purge refused to run: the server's clock looked wrong.
    RetentionClockRefused => "retention.clock_refused",
    /// The owner confirmed the server's clock.
    RetentionClockConfirmed => "retention.clock_confirmed",
    RetentionRelease => "retention.release",
    /// A run of the nightly backup job (`JOB_BACKUP`).
    JobBackup => "job.backup",
    /// A run of the backup check job (`JOB_CHECK`).
    JobBackupCheck => "job.backup-check",
    /// A run of the retention purge job (`JOB_PURGE`).
    JobRetention => "job.retention",
    /// A run of the certificate renewal job (`JOB_CERTIFICATE`).
    JobCertificate => "job.certificate",
    /// A tick of the restore-drill reminder (`JOB_DRILL_REMINDER`).
    JobDrillReminder => "job.drill-reminder",
}

impl Event {
    /// Every event: the policy actions, then the others.
    pub fn all() -> impl Iterator<Item = Event> {
        Action::ALL
            .iter()
            .map(|a| Event::Policy(*a))
            .chain(Event::OWN.iter().copied())
    }

    /// The event stored under `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Event> {
        Event::all().find(|e| e.name() == name)
    }
}

impl From<Action> for Event {
    fn from(action: Action) -> Self {
        Event::Policy(action)
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One builder method per typed part: `key:value`.
macro_rules! parts {
    ($($(#[$doc:meta])* $method:ident($ty:ty) => $key:literal,)*) => {
        $($(#[$doc])* pub fn $method(self, value: $ty) -> Self {
            self.field($key, value)
        })*
    };
}

/// What an event touched: ids and counts, `key:value` separated by spaces
/// (`client:… thread:… message:3`), never a name or any content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditTarget(String);

impl AuditTarget {
    /// The practice as a whole.
    pub fn practice() -> Self {
        Self("practice".to_owned())
    }

    /// A sign-in attempt for an address that has no account.
    pub fn unknown_account() -> Self {
        Self("account:unknown".to_owned())
    }

    /// The one acting, as the event's actor column names them (signing out).
    pub fn actor(actor: &Actor) -> Self {
        Self(actor.audit_id())
    }

    /// Nothing yet; add parts with the methods below.
    pub fn new() -> Self {
        Self::default()
    }

    /// A public intake link (no client yet).
    pub fn public(self) -> Self {
        self.word("public")
    }

    parts! {
        /// An account (a member's, or a client's as an account).
        account(AccountId) => "account",
        /// A client's records.
        client(AccountId) => "client",
        thread(ThreadId) => "thread",
        /// A message, by its number in its thread.
        message(u64) => "message",
        attachment(AttachmentId) => "attachment",
        form(FormId) => "form",
        /// A form's version number.
        version(u32) => "version",
        link(FormLinkId) => "link",
        submission(SubmissionId) => "submission",
        appointment(AppointmentId) => "appointment",
        template(TemplateId) => "template",
    }

    /// A backup archive, by its file name (a time stamp, no content).
    pub fn backup(self, name: &str) -> Self {
        self.field("backup", name)
    }

    /// Any other part: a count, a flag, a kind or a reason the code names. Never a value a
    /// person typed.
    pub fn field(mut self, key: &str, value: impl fmt::Display) -> Self {
        use fmt::Write as _;
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        let _ = write!(self.0, "{key}:{value}");
        self
    }

    fn word(mut self, word: &str) -> Self {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        self.0.push_str(word);
        self
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Target> for AuditTarget {
    fn from(target: Target) -> Self {
        match target {
            Target::Practice => AuditTarget::practice(),
            Target::Client(id) => AuditTarget::new().client(id),
            Target::Account(id) => AuditTarget::new().account(id),
        }
    }
}

impl From<&AuditTarget> for AuditTarget {
    fn from(target: &AuditTarget) -> Self {
        target.clone()
    }
}

impl fmt::Display for AuditTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_name_is_distinct() {
        let mut names: Vec<_> = Event::all().map(Event::name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "two events share a stored name");
        assert_eq!(count, Action::ALL.len() + Event::OWN.len());
    }

    #[test]
    fn every_event_round_trips_from_its_stored_name() {
        for event in Event::all() {
            assert_eq!(Event::from_name(event.name()), Some(event), "{event:?}");
        }
        assert_eq!(Event::from_name("nothing.such"), None);
    }

    #[test]
    fn stored_names_are_the_ones_existing_stores_hold() {
        // A sample of names written before the enum existed: changing one breaks the
        // audit page's history and every test that reads it.
        for (event, stored) in [
            (Event::SignInSuccessTotp, "signin.success.totp"),
            (Event::SignOut, "signout"),
            (Event::JobBackupCheck, "job.backup-check"),
            (Event::Policy(Action::ViewClient), "client.view"),
            (Event::Policy(Action::WriteMessage), "message.write"),
            (Event::BackupRestoreVoidLinks, "backup.restore_void_links"),
        ] {
            assert_eq!(event.name(), stored);
        }
    }

    #[test]
    fn each_job_has_its_event() {
        use crate::domain::backup::{JOB_BACKUP, JOB_CHECK};
        use crate::domain::certificate::JOB_CERTIFICATE;
        use crate::domain::drill::JOB_DRILL_REMINDER;
        use crate::domain::retention::JOB_PURGE;
        for (job, event) in [
            (JOB_BACKUP, Event::JobBackup),
            (JOB_CHECK, Event::JobBackupCheck),
            (JOB_PURGE, Event::JobRetention),
            (JOB_CERTIFICATE, Event::JobCertificate),
            (JOB_DRILL_REMINDER, Event::JobDrillReminder),
        ] {
            assert_eq!(event.name(), format!("job.{job}"));
        }
    }

    #[test]
    fn targets_read_as_before() {
        let client = AccountId([1; 16]);
        let thread = ThreadId([2; 16]);
        assert_eq!(
            AuditTarget::new()
                .client(client)
                .thread(thread)
                .message(3)
                .to_string(),
            format!("client:{client} thread:{thread} message:3")
        );
        assert_eq!(
            AuditTarget::from(Target::Client(client)).as_str(),
            Target::Client(client).describe()
        );
        assert_eq!(
            AuditTarget::from(Target::Practice).as_str(),
            Target::Practice.describe()
        );
        assert_eq!(
            AuditTarget::new()
                .public()
                .form(FormId([3; 16]))
                .to_string(),
            format!("public form:{}", FormId([3; 16]))
        );
    }
}
