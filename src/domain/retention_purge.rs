//! The purge: every client past due (plus the grace), not held, not booked ahead and with a
//! known date of birth leaves the store, one transaction per client that re-checks all of
//! that against the rows as they are then; a PHI-free tombstone goes into the audit log;
//! audit events older than the audit period go a batch to a transaction, the chain
//! re-anchored after each; and the file is compacted. Nothing runs while the clock check (`retention_clock.rs`) fails.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::super::audit::{self, AuditTarget, Event, Outcome};
use super::super::{ServiceError, Services};
use super::{assess, clock, contact_of};
use crate::config::RetentionConfig;
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account, EmailEntry};
use crate::store::appointments::Appointment;
use crate::store::attachments;
use crate::store::by_client::{self, Kind};
use crate::store::contact;
use crate::store::forms::FormLink;
use crate::store::invites::Invite;
use crate::store::messages;
use crate::store::outbox::{EmailConfirmation, Notification};
use crate::store::preferences::PreferenceHistory;
use crate::store::sessions::Session;
use crate::store::submissions::Submission;
use crate::store::{tables, WriteTx};

/// Name of the retention purge job (its status on the owner's home and in `doctor`).
pub const JOB_PURGE: &str = "retention";

/// Audit events removed per transaction by the purge. Their index rows are spread over the
/// whole log, so a batch reads pages from disk: 2,000 took 230 ms on a 5,000,000-event
/// store, and the writers queued behind it waited that long (benches/big_store.rs).
pub(super) const AUDIT_BATCH: usize = 400;

/// What one purge run removed (or why it removed nothing).
#[derive(Debug, Default)]
pub struct PurgeReport {
    pub clients: u64,
    pub messages: u64,
    pub files: u64,
    /// The bytes of those files (what decides whether the file is compacted after).
    pub file_bytes: u64,
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
    file_bytes: u64,
    submissions: u64,
    appointments: u64,
}

impl Services {
    /// The purge: removes every client past due and not kept, and audit events older than
    /// the audit period. Other writers wait on one client's or one batch's transaction at
    /// most; the compaction that follows in the scheduled job (`run_purge`) is apart.
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
                    report.file_bytes += c.file_bytes;
                }
                None => report.kept_on_recheck += 1,
            }
        }
        let cutoff = now - Duration::days(365 * i64::from(policy.audit_years) + 2);
        report.audit_events = self.purge_old_audit(actor, cutoff, now)?;
        Ok(report)
    }

    /// Removes audit events older than `cutoff`, oldest first and `AUDIT_BATCH` to a
    /// transaction (each re-anchors the chain, so a crash between two leaves a chain that
    /// verifies), so no other writer waits on more than one batch. The first event to keep
    /// ends it: a log stamped out of order by a clock that jumped back keeps the rest.
    fn purge_old_audit(
        &self,
        actor: &Actor,
        cutoff: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<u64, ServiceError> {
        let old = |e: &crate::store::audit::AuditEvent| {
            OffsetDateTime::parse(&e.at, &Rfc3339).is_ok_and(|at| at < cutoff)
        };
        let mut removed = 0;
        loop {
            let (gone, done) = self
                .store
                .write(|tx| crate::store::audit::purge_oldest(tx, AUDIT_BATCH, old))?;
            removed += gone;
            if done {
                break;
            }
        }
        self.store.write(|tx| {
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
            clock::mark_sane(tx, now)
        })?;
        Ok(removed)
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
            let seen = contact::seen_for_update(tx, client, now)?;
            let contact = contact_of(&account, &profile, seen);
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
        let result = self.purge_due(actor, policy).and_then(|report| {
            if worth_compacting(&report, self.store.file_len()) {
                self.store.compact()?;
            }
            Ok(report)
        });
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

/// Whether to compact after a purge. The freed pages are reused by later writes either
/// way; compacting gives the space back to the disk and leaves no sealed copy of what went
/// in the file, but holds every request while it rewrites the file (about 30 MB a second
/// here: 100 s for a 3 GB store). So only when the files purged were a quarter of the file
/// or more; the records of a purged conversation (sealed) stay in free pages until reused.
pub(super) fn worth_compacting(report: &PurgeReport, file_len: u64) -> bool {
    report.clients > 0 && report.file_bytes.saturating_mul(4) >= file_len
}

/// Removes one client's every row: their own conversations, files, submissions,
/// appointments and links through their index rows; sessions, invitations and mail waiting
/// to go from those small tables.
fn purge_client(
    tx: &WriteTx<'_>,
    store: &crate::store::Store,
    account: &Account,
) -> Result<Counts, ServiceError> {
    let client = account.id;
    let mut counts = Counts::default();
    for thread in messages::threads_of_for_update(tx, client)? {
        counts.messages += tx.remove_prefix(tables::MESSAGES, &thread.id.0)?;
        messages::remove_thread(tx, &thread)?;
        counts.threads += 1;
    }
    for file in attachments::of_client_for_update(tx, client)? {
        attachments::remove(tx, &file)?;
        counts.files += 1;
        counts.file_bytes += file.size;
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
    crate::store::outbox::forget_waiting(tx, client)?;
    for (key, c) in tx.all::<EmailConfirmation>()? {
        if c.account == client {
            tx.remove::<EmailConfirmation>(&key)?;
        }
    }
    for key in by_client::keys_for_update(tx, client, Kind::Submission)? {
        if let Some(s) = tx.get::<Submission>(&key)? {
            crate::store::submissions::remove(tx, &s)?;
            counts.submissions += 1;
        }
    }
    for key in by_client::keys_for_update(tx, client, Kind::Appointment)? {
        if let Some(a) = tx.get::<Appointment>(&key)? {
            crate::store::appointments::remove(tx, &a)?;
            counts.appointments += 1;
        }
    }
    for key in by_client::keys_for_update(tx, client, Kind::FormLink)? {
        if let Some(l) = tx.get::<FormLink>(&key)? {
            crate::store::forms::remove_link(tx, &key, &l)?;
        }
    }
    tx.remove::<PreferenceHistory>(&client.0)?;
    Ok(counts)
}
