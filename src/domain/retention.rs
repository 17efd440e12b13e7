//! Retention: when each client's records are due to go (adults N years after last contact;
//! a client who was a minor then, until the age of majority plus N years), the owner's
//! review list of what falls due within 30 days, legal holds, and the purge itself: every
//! message, file, profile and account row of the client leaves the store in one
//! transaction, a PHI-free tombstone goes into the audit log, and the file is compacted.
//! Audit events older than the audit period go the same way, the chain re-anchored.

use time::{Date, Duration, OffsetDateTime, Time};

use super::audit::{self, Outcome};
use super::{ServiceError, Services};
use crate::config::RetentionConfig;
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account, ClientProfile, EmailEntry};
use crate::store::attachments::{self, Attachment};
use crate::store::forms::{Appointment, FormLink, PreferenceHistory, Submission};
use crate::store::invites::Invite;
use crate::store::messages::{self, Thread};
use crate::store::outbox::{EmailConfirmation, Notification};
use crate::store::sessions::Session;
use crate::store::{tables, WriteTx};

/// How far ahead the review list looks.
pub const REVIEW_DAYS: i64 = 30;

/// One client in the review list.
pub struct Due {
    pub client: AccountId,
    pub name: String,
    pub last_contact: OffsetDateTime,
    pub due: OffsetDateTime,
    /// The rule applied, in words without PHI ("adult, 7 years after last contact").
    pub rule: String,
    pub held: bool,
}

/// What one purge run removed.
#[derive(Debug, Default)]
pub struct PurgeReport {
    pub clients: u64,
    pub messages: u64,
    pub files: u64,
    pub audit_events: u64,
}

fn add_years(date: Date, years: i32) -> Date {
    let year = date.year() + years;
    date.replace_year(year)
        .or_else(|_| Date::from_calendar_date(year, date.month(), 28))
        .unwrap_or(date)
}

fn parse_birth(text: &str) -> Option<Date> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// When a client's records fall due, and the rule that says so.
pub fn due_date(
    policy: &RetentionConfig,
    birth: Option<Date>,
    last_contact: OffsetDateTime,
) -> (OffsetDateTime, String) {
    let years = policy.adult_years as i32;
    let majority = policy.age_of_majority as i32;
    let contact_day = last_contact.date();
    if let Some(born) = birth {
        let of_age = add_years(born, majority);
        if contact_day < of_age {
            let due = add_years(of_age, years)
                .with_time(Time::MIDNIGHT)
                .assume_utc();
            return (
                due,
                format!("minor at last contact: kept to age {majority} plus {years} years"),
            );
        }
    }
    (
        last_contact + years_as_duration(last_contact, years),
        format!("adult: kept {years} years after last contact"),
    )
}

fn years_as_duration(from: OffsetDateTime, years: i32) -> Duration {
    let to = add_years(from.date(), years)
        .with_time(from.time())
        .assume_offset(from.offset());
    to - from
}

impl Services {
    fn last_contact(&self, account: &Account, threads: &[Thread]) -> OffsetDateTime {
        threads
            .iter()
            .filter(|t| t.client == account.id)
            .map(|t| t.last_message_at)
            .chain(std::iter::once(account.created_at))
            .max()
            .unwrap_or(account.created_at)
    }

    /// Every client with the date their records fall due, soonest first.
    fn all_due(&self, policy: &RetentionConfig) -> Result<Vec<Due>, ServiceError> {
        let (clients, threads) = self.store.read(|tx| {
            let clients: Vec<(Account, Option<ClientProfile>)> = tx
                .all::<Account>()?
                .into_iter()
                .filter(|(_, a)| a.role == Role::Client)
                .map(|(_, a)| {
                    let p = accounts::profile(tx, a.id)?;
                    Ok((a, p))
                })
                .collect::<Result<_, crate::store::StoreError>>()?;
            Ok::<_, crate::store::StoreError>((clients, messages::all_threads(tx)?))
        })?;
        let mut out: Vec<Due> = clients
            .into_iter()
            .map(|(account, profile)| {
                let profile = profile.unwrap_or_default();
                let last = self.last_contact(&account, &threads);
                let (due, rule) = due_date(policy, parse_birth(&profile.date_of_birth), last);
                Due {
                    client: account.id,
                    name: profile.legal_name,
                    last_contact: last,
                    due,
                    rule,
                    held: profile.legal_hold,
                }
            })
            .collect();
        out.sort_by_key(|d| d.due);
        Ok(out)
    }

    /// The owner's review list: clients due within 30 days, or due and held.
    pub fn retention_review(
        &self,
        actor: &Actor,
        policy: &RetentionConfig,
    ) -> Result<Vec<Due>, ServiceError> {
        self.authorize(actor, Action::ManageRetention, Target::Practice)?;
        self.audit_read(actor, Action::ManageRetention, Target::Practice)?;
        let horizon = self.now() + Duration::days(REVIEW_DAYS);
        Ok(self
            .all_due(policy)?
            .into_iter()
            .filter(|d| d.due <= horizon)
            .collect())
    }

    /// Places or releases a legal hold on a client.
    pub fn set_legal_hold(
        &self,
        actor: &Actor,
        client: AccountId,
        on: bool,
    ) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManageRetention, Target::Client(client))?;
        let now = self.now();
        self.store.write(|tx| {
            let mut p = accounts::profile_for_update(tx, client)?.ok_or(ServiceError::NotFound)?;
            p.legal_hold = on;
            accounts::put_profile(tx, client, &p)?;
            audit::record(
                tx,
                now,
                actor,
                if on {
                    "retention.hold"
                } else {
                    "retention.release"
                },
                &Target::Client(client).describe(),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    /// The purge job: removes every client past due and not held, and audit events older
    /// than the audit period; then compacts the file.
    pub fn purge_due(
        &self,
        actor: &Actor,
        policy: &RetentionConfig,
    ) -> Result<PurgeReport, ServiceError> {
        self.authorize(actor, Action::ManageRetention, Target::Practice)?;
        let now = self.now();
        let mut report = PurgeReport::default();
        for due in self.all_due(policy)? {
            if due.held || due.due > now {
                continue;
            }
            let (messages, files) = self.store.write(|tx| {
                let counts = purge_client(tx, &self.store, due.client)?;
                audit::record(
                    tx,
                    now,
                    actor,
                    "retention.purge",
                    &format!(
                        "client:{} threads:{} messages:{} files:{} submissions:{} appointments:{} rule:{}",
                        due.client,
                        counts.0,
                        counts.1,
                        counts.2,
                        counts.3,
                        counts.4,
                        if due.rule.starts_with("minor") {
                            "minor"
                        } else {
                            "adult"
                        }
                    ),
                    Outcome::Ok,
                )?;
                Ok::<_, ServiceError>((counts.1, counts.2))
            })?;
            report.clients += 1;
            report.messages += messages;
            report.files += files;
        }
        let cutoff = now - Duration::days(365 * i64::from(policy.audit_years) + 2);
        report.audit_events = self.store.write(|tx| {
            let events = crate::store::audit::all_write(tx)?;
            let first_kept = events
                .iter()
                .find(|e| {
                    OffsetDateTime::parse(&e.at, &time::format_description::well_known::Rfc3339)
                        .map_or(true, |at| at >= cutoff)
                })
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
                    "retention.audit_purge",
                    &format!("events:{removed}"),
                    Outcome::Ok,
                )?;
            }
            Ok::<_, ServiceError>(removed)
        })?;
        if report.clients > 0 || report.audit_events > 0 {
            self.store.compact()?;
        }
        Ok(report)
    }
}

impl Services {
    /// The scheduled purge, with its status kept for the dashboard.
    pub fn run_purge(
        &self,
        actor: &Actor,
        policy: &RetentionConfig,
    ) -> Result<PurgeReport, ServiceError> {
        let started = std::time::Instant::now();
        let result = self.purge_due(actor, policy);
        let summary = match &result {
            Ok(r) => Ok(format!(
                "{} client record(s) purged ({} messages, {} files); {} audit events past the audit period removed",
                r.clients, r.messages, r.files, r.audit_events
            )),
            Err(e) => Err(format!("the purge failed: {e}")),
        };
        self.job_done(actor, crate::jobs::JOB_PURGE, started, summary)?;
        result
    }
}

/// Removes one client's every row; returns (threads, messages, files, submissions,
/// appointments).
fn purge_client(
    tx: &WriteTx<'_>,
    store: &crate::store::Store,
    client: AccountId,
) -> Result<(u64, u64, u64, u64, u64), ServiceError> {
    let mut counts = (0, 0, 0, 0, 0);
    for (key, thread) in tx.all::<Thread>()? {
        if thread.client != client {
            continue;
        }
        counts.1 += tx.remove_prefix(tables::MESSAGES, &thread.id.0)?;
        tx.remove::<Thread>(&key)?;
        counts.0 += 1;
    }
    for (key, a) in tx.all::<Attachment>()? {
        if a.client != client {
            continue;
        }
        attachments::remove_chunks(tx, a.id)?;
        tx.remove::<Attachment>(&key)?;
        counts.2 += 1;
    }
    if let Some(account) = accounts::get_for_update(tx, client)? {
        tx.remove::<EmailEntry>(&store.blind_index().email(&account.email))?;
    }
    tx.remove::<Account>(&client.0)?;
    tx.remove::<ClientProfile>(&client.0)?;
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
    for (key, s) in tx.all::<Submission>()? {
        if s.client == client {
            tx.remove::<Submission>(&key)?;
            counts.3 += 1;
        }
    }
    for (key, a) in tx.all::<Appointment>()? {
        if a.client == client {
            tx.remove::<Appointment>(&key)?;
            counts.4 += 1;
        }
    }
    for (key, l) in tx.all::<FormLink>()? {
        if l.client == Some(client) {
            tx.remove::<FormLink>(&key)?;
        }
    }
    tx.remove::<PreferenceHistory>(&client.0)?;
    Ok(counts)
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
