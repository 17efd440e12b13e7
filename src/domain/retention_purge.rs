//! The purge: every client past due (plus the grace), not held, not booked ahead and with a
//! known date of birth leaves the store, one transaction per client that re-checks all of
//! that against the rows as they are then; a PHI-free tombstone goes into the audit log;
//! audit events older than the audit period go the same way, the chain re-anchored; and
//! the file is compacted. Nothing runs while the clock check (`retention_clock.rs`) fails.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::super::audit::{self, AuditTarget, Event, Outcome};
use super::super::{ServiceError, Services};
use super::{assess, clock, contact_of, contacts};
use crate::config::RetentionConfig;
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account, EmailEntry};
use crate::store::appointments::Appointment;
use crate::store::attachments::{self, Attachment};
use crate::store::forms::FormLink;
use crate::store::invites::Invite;
use crate::store::messages::Thread;
use crate::store::outbox::{EmailConfirmation, Notification};
use crate::store::preferences::PreferenceHistory;
use crate::store::sessions::Session;
use crate::store::submissions::Submission;
use crate::store::{tables, WriteTx};

/// Name of the retention purge job (its status on the owner's home and in `doctor`).
pub const JOB_PURGE: &str = "retention";

/// What one purge run removed (or why it removed nothing).
#[derive(Debug, Default)]
pub struct PurgeReport {
    pub clients: u64,
    pub messages: u64,
    pub files: u64,
    pub audit_events: u64,
    /// Clients that looked due in the first reading but not inside their own transaction.
    pub kept_on_recheck: u64,
    /// The clock check failed: nothing was purged, and this says why.
    pub refused: Option<String>,
}

/// Rows removed for one client.
#[derive(Default)]
pub(super) struct Counts {
    threads: u64,
    messages: u64,
    files: u64,
    submissions: u64,
    appointments: u64,
}

impl Services {
    /// The purge job: removes every client past due and not kept, and audit events older
    /// than the audit period; then compacts the file.
    pub fn purge_due(
        &self,
        actor: &Actor,
        policy: &RetentionConfig,
    ) -> Result<PurgeReport, ServiceError> {
        self.authorize(actor, Action::ManageRetention, Target::Practice)?;
        let now = self.now();
        let mut report = PurgeReport::default();
        if let Some(reason) = self.store.read(|tx| clock::clock_problem(tx, now))? {
            self.refuse_purge(actor, now, &reason)?;
            report.refused = Some(reason);
            return Ok(report);
        }
        self.backfill_sign_ins()?;
        for due in self.all_due(policy)? {
            if !due.purgeable(now) {
                continue;
            }
            match self.purge_one(actor, policy, due.client, now)? {
                Some(c) => {
                    report.clients += 1;
                    report.messages += c.messages;
                    report.files += c.files;
                }
                None => report.kept_on_recheck += 1,
            }
        }
        let cutoff = now - Duration::days(365 * i64::from(policy.audit_years) + 2);
        report.audit_events = self.store.write(|tx| {
            let events = crate::store::audit::all_write(tx)?;
            let first_kept = events
                .iter()
                .find(|e| OffsetDateTime::parse(&e.at, &Rfc3339).map_or(true, |at| at >= cutoff))
                .map(|e| e.seq);
            let removed = match first_kept {
                Some(seq) => crate::store::audit::purge_before(tx, seq)?,
                None => 0,
            };
            if removed > 0 {
                audit::record(
                    tx,
                    now,
                    actor,
                    Event::RetentionAuditPurge,
                    AuditTarget::new().field("events", removed),
                    Outcome::Ok,
                )?;
            }
            clock::mark_sane(tx, now)?;
            Ok::<_, ServiceError>(removed)
        })?;
        if report.clients > 0 || report.audit_events > 0 {
            self.store.compact()?;
        }
        Ok(report)
    }

    /// Purges one client if, read again inside this transaction, it is still a client, not
    /// held, not booked ahead, with a known date of birth and past due plus the grace.
    pub(super) fn purge_one(
        &self,
        actor: &Actor,
        policy: &RetentionConfig,
        client: AccountId,
        now: OffsetDateTime,
    ) -> Result<Option<Counts>, ServiceError> {
        self.store.write(|tx| {
            if !clock::still_sane(tx, now)? {
                return Ok(None);
            }
            let Some(account) = accounts::get_for_update(tx, client)? else {
                return Ok(None);
            };
            if account.role != Role::Client {
                return Ok(None);
            }
            let profile = accounts::profile_for_update(tx, client)?.unwrap_or_default();
            let threads = tx.all::<Thread>()?;
            let submissions = tx.all::<Submission>()?;
            let appointments = tx.all::<Appointment>()?;
            let found = contacts(
                threads
                    .iter()
                    .map(|(_, t)| t)
                    .filter(|t| t.client == client),
                submissions
                    .iter()
                    .map(|(_, s)| s)
                    .filter(|s| s.client == client),
                appointments
                    .iter()
                    .map(|(_, a)| a)
                    .filter(|a| a.client == client),
                now,
            );
            let contact = contact_of(&account, &profile, found.get(&client));
            let Some(due) = assess(policy, &account, &profile, contact) else {
                return Ok(None);
            };
            if !due.purgeable(now) {
                return Ok(None);
            }
            let c = purge_client(tx, &self.store, &account)?;
            audit::record(
                tx,
                now,
                actor,
                Event::RetentionPurge,
                AuditTarget::new()
                    .client(client)
                    .field("threads", c.threads)
                    .field("messages", c.messages)
                    .field("files", c.files)
                    .field("submissions", c.submissions)
                    .field("appointments", c.appointments)
                    .field(
                        "rule",
                        if due.rule.starts_with("minor") {
                            "minor"
                        } else {
                            "adult"
                        },
                    ),
                Outcome::Ok,
            )?;
            Ok(Some(c))
        })
    }

    /// The scheduled purge, with its status kept for the dashboard.
    pub fn run_purge(
        &self,
        actor: &Actor,
        policy: &RetentionConfig,
    ) -> Result<PurgeReport, ServiceError> {
        let started = std::time::Instant::now();
        let result = self.purge_due(actor, policy);
        let summary = match &result {
            Ok(PurgeReport {
                refused: Some(reason),
                ..
            }) => Err(format!("the purge did not run: {reason}")),
            Ok(r) => Ok(format!(
                "{} client record(s) purged ({} messages, {} files); {} audit events past the audit period removed",
                r.clients, r.messages, r.files, r.audit_events
            )),
            Err(e) => Err(format!("the purge failed: {e}")),
        };
        self.job_done(actor, JOB_PURGE, Event::JobRetention, started, summary)?;
        result
    }
}

/// Removes one client's every row.
fn purge_client(
    tx: &WriteTx<'_>,
    store: &crate::store::Store,
    account: &Account,
) -> Result<Counts, ServiceError> {
    let client = account.id;
    let mut counts = Counts::default();
    for (_, thread) in tx.all::<Thread>()? {
        if thread.client != client {
            continue;
        }
        counts.messages += tx.remove_prefix(tables::MESSAGES, &thread.id.0)?;
        crate::store::messages::remove_thread(tx, &thread)?;
        counts.threads += 1;
    }
    for (key, a) in tx.all::<Attachment>()? {
        if a.client != client {
            continue;
        }
        attachments::remove_chunks(tx, a.id)?;
        tx.remove::<Attachment>(&key)?;
        counts.files += 1;
    }
    // The address may be indexed for another account (a public intake that reused it is
    // stored unindexed): only this account's own entry goes.
    let index = store.blind_index().email(&account.email);
    if tx
        .get::<EmailEntry>(&index)?
        .is_some_and(|e| e.account == client)
    {
        tx.remove::<EmailEntry>(&index)?;
    }
    tx.remove::<Account>(&client.0)?;
    tx.remove::<accounts::ClientProfile>(&client.0)?;
    for (key, s) in tx.all::<Session>()? {
        if s.account == client {
            tx.remove::<Session>(&key)?;
        }
    }
    for (key, i) in tx.all::<Invite>()? {
        if i.account == client {
            tx.remove::<Invite>(&key)?;
        }
    }
    for (key, n) in tx.all::<Notification>()? {
        if n.account == client {
            tx.remove::<Notification>(&key)?;
        }
    }
    for (key, c) in tx.all::<EmailConfirmation>()? {
        if c.account == client {
            tx.remove::<EmailConfirmation>(&key)?;
        }
    }
    for (_, s) in tx.all::<Submission>()? {
        if s.client == client {
            crate::store::submissions::remove(tx, &s)?;
            counts.submissions += 1;
        }
    }
    for (_, a) in tx.all::<Appointment>()? {
        if a.client == client {
            crate::store::appointments::remove(tx, &a)?;
            counts.appointments += 1;
        }
    }
    for (key, l) in tx.all::<FormLink>()? {
        if l.client == Some(client) {
            crate::store::forms::remove_link(tx, &key, &l)?;
        }
    }
    tx.remove::<PreferenceHistory>(&client.0)?;
    Ok(counts)
}
