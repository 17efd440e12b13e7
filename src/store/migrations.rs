//! Schema versions and the ordered list of migrations that reach them.
//!
//! A migration runs inside one write transaction together with the version bump, so a
//! crash leaves the store at the old version or the new one, never between.

use serde::{Deserialize, Serialize};

use super::error::{Result, StoreError};
use super::record::{Record, WriteTx};
use super::tables::{self, Table};
use super::Store;

/// The schema this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

struct Migration {
    name: &'static str,
    apply: fn(&WriteTx<'_>) -> Result<()>,
}

/// Migration `i` takes the store from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "create the foundation tables",
        apply: create_foundation_tables,
    },
    Migration {
        name: "create the account, session, invitation and audit tables",
        apply: create_account_tables,
    },
    Migration {
        name: "create the message tables",
        apply: create_message_tables,
    },
    Migration {
        name: "create the template table with the default templates",
        apply: create_templates,
    },
    Migration {
        name: "create the attachment tables",
        apply: create_attachment_tables,
    },
    Migration {
        name: "create the email outbox and confirmation tables",
        apply: create_mail_tables,
    },
    Migration {
        name: "create the backup and job tables",
        apply: create_backup_tables,
    },
    Migration {
        name: "create the form, link, submission, appointment and preference tables with the built-in forms",
        apply: create_form_tables,
    },
    Migration {
        name: "create the table of unfinished uploads, sweeping the orphan chunks once",
        apply: create_upload_table,
    },
    Migration {
        name: "index conversations for the inboxes and audit events by client, account and time",
        apply: create_indexes,
    },
    Migration {
        name: "index files by client",
        apply: index_attachments,
    },
    Migration {
        name: "index the practice's own accounts",
        apply: index_practice_accounts,
    },
    Migration {
        name: "point to the alerts waiting in the outbox",
        apply: point_to_waiting_alerts,
    },
];

/// Rows read at a time while an upgrade walks a large table.
const BATCH: usize = 4096;

/// The index tables schema 10 adds.
const INDEXES: [Table; 5] = [
    tables::THREAD_ORDER,
    tables::AUDIT_BY_CLIENT,
    tables::AUDIT_BY_ACCOUNT,
    tables::AUDIT_BY_TIME,
    tables::CLIENT_ITEMS,
];

/// Notes every appointment, client form link and submission under its client.
fn index_client_items(tx: &WriteTx<'_>) -> Result<()> {
    use super::appointments::Appointment;
    use super::forms::FormLink;
    use super::submissions::Submission;
    walk::<Appointment>(tx, |tx, _, a| super::appointments::note(tx, &a))?;
    walk::<FormLink>(tx, |tx, key, l| super::forms::note_link(tx, key, &l))?;
    walk::<Submission>(tx, |tx, _, s| super::submissions::note(tx, &s))
}

/// Hands every row of `R`'s table to `each`, a batch at a time.
fn walk<R: Record>(
    tx: &WriteTx<'_>,
    mut each: impl FnMut(&WriteTx<'_>, &[u8], R) -> Result<()>,
) -> Result<()> {
    let mut start = Vec::new();
    loop {
        let rows = tx.rows_from::<R>(&start, BATCH)?;
        let full = rows.len() == BATCH;
        let last = rows.last().map(|(k, _)| k.clone());
        for (key, record) in rows {
            each(tx, &key, record)?;
        }
        match last {
            Some(key) if full => start = [&key[..], &[0]].concat(),
            _ => return Ok(()),
        }
    }
}

fn create_indexes(tx: &WriteTx<'_>) -> Result<()> {
    use super::audit::AuditEvent;
    use super::messages::{self, Message, MessageKind, Thread};
    for table in INDEXES {
        tx.ensure_table(table)?;
    }
    let mut start = Vec::new();
    loop {
        let rows = tx.rows_from::<Thread>(&start, BATCH)?;
        for (_, mut thread) in rows.iter().cloned() {
            for number in 1..=thread.count {
                let key = [&thread.id.0[..], &number.to_be_bytes()].concat();
                if let Some(m) = tx.get::<Message>(&key)? {
                    if m.kind == MessageKind::Message {
                        thread.note_message(m.number, m.from_client);
                        // Read by the other side if its read mark is at or past it.
                        if m.from_client && m.number <= thread.practice_read {
                            thread.client_sent_read += 1;
                        } else if !m.from_client && m.number <= thread.client_read {
                            thread.practice_sent_read += 1;
                        }
                    }
                }
            }
            messages::put_thread(tx, &thread)?;
        }
        match rows.last() {
            Some((key, _)) if rows.len() == BATCH => start = [&key[..], &[0]].concat(),
            _ => break,
        }
    }
    index_client_items(tx)?;
    let mut start = Vec::new();
    loop {
        let rows = tx.rows_from::<AuditEvent>(&start, BATCH)?;
        for (_, event) in &rows {
            super::audit::index(tx, event)?;
        }
        match rows.last() {
            Some((key, _)) if rows.len() == BATCH => start = [&key[..], &[0]].concat(),
            _ => break,
        }
    }
    Ok(())
}

/// Notes every file under its client, so the purge (and a client's export) reads that
/// client's files without walking every file's record.
fn index_attachments(tx: &WriteTx<'_>) -> Result<()> {
    use super::attachments::{self, Attachment};
    walk::<Attachment>(tx, |tx, _, a| attachments::note(tx, &a))
}

/// Notes every account of the practice (not clients) in `PRACTICE_ACCOUNTS`.
fn index_practice_accounts(tx: &WriteTx<'_>) -> Result<()> {
    use super::accounts::Account;
    tx.ensure_table(tables::PRACTICE_ACCOUNTS)?;
    walk::<Account>(tx, |tx, _, a| {
        if a.role == crate::ids::Role::Client {
            Ok(())
        } else {
            tx.put_index(tables::PRACTICE_ACCOUNTS, a.id.as_bytes())
        }
    })
}

/// Points each account's latest alert of each kind still waiting (the outbox is in the
/// order alerts were queued, so the last one written wins).
fn point_to_waiting_alerts(tx: &WriteTx<'_>) -> Result<()> {
    use super::outbox::{self, Notification};
    tx.ensure_table(tables::OUTBOX_WAITING)?;
    walk::<Notification>(tx, |tx, key, n| {
        if n.gave_up {
            Ok(())
        } else {
            outbox::point_to(tx, key, &n)
        }
    })
}

fn create_upload_table(tx: &WriteTx<'_>) -> Result<()> {
    tx.ensure_table(tables::UPLOADS)?;
    super::attachments::remove_unclaimed_chunks(tx).map(|_| ())
}

fn create_form_tables(tx: &WriteTx<'_>) -> Result<()> {
    for table in [
        tables::FORMS,
        tables::FORM_LINKS,
        tables::SUBMISSIONS,
        tables::APPOINTMENTS,
        tables::PREFERENCES,
    ] {
        tx.ensure_table(table)?;
    }
    super::forms::seed(tx)
}

fn create_backup_tables(tx: &WriteTx<'_>) -> Result<()> {
    tx.ensure_table(tables::BACKUPS)?;
    tx.ensure_table(tables::JOBS)
}

fn create_mail_tables(tx: &WriteTx<'_>) -> Result<()> {
    tx.ensure_table(tables::OUTBOX)?;
    tx.ensure_table(tables::EMAIL_CONFIRMATIONS)
}

fn create_attachment_tables(tx: &WriteTx<'_>) -> Result<()> {
    tx.ensure_table(tables::ATTACHMENTS)?;
    tx.ensure_table(tables::ATTACHMENT_CHUNKS)
}

fn create_templates(tx: &WriteTx<'_>) -> Result<()> {
    tx.ensure_table(tables::TEMPLATES)?;
    super::templates::seed(tx)
}

fn create_message_tables(tx: &WriteTx<'_>) -> Result<()> {
    tx.ensure_table(tables::THREADS)?;
    tx.ensure_table(tables::MESSAGES)
}

fn create_account_tables(tx: &WriteTx<'_>) -> Result<()> {
    for table in [
        tables::ACCOUNTS,
        tables::EMAIL_INDEX,
        tables::CLIENTS,
        tables::SESSIONS,
        tables::INVITES,
        tables::AUDIT,
    ] {
        tx.ensure_table(table)?;
    }
    Ok(())
}

fn create_foundation_tables(tx: &WriteTx<'_>) -> Result<()> {
    for table in [tables::PRACTICE, tables::SETUP_TOKENS] {
        tx.ensure_table(table)?;
    }
    super::practice::save(tx, &super::practice::PracticeProfile::default())
}

#[derive(Debug, Serialize, Deserialize)]
struct SchemaVersion {
    version: u32,
}

impl SchemaVersion {
    const KEY: &'static [u8] = b"schema_version";
}

impl Record for SchemaVersion {
    const TABLE: Table = tables::META;
}

/// The version the store is at (0 before the first migration). Reads only.
pub(super) fn version(store: &Store) -> Result<u32> {
    store.read(version_in)
}

pub(super) fn version_in(tx: &super::ReadTx<'_>) -> Result<u32> {
    Ok(tx
        .get::<SchemaVersion>(SchemaVersion::KEY)?
        .map_or(0, |v| v.version))
}

/// A store written by a newer Alcove is never touched.
pub(super) fn refuse_too_new(found: u32) -> Result<()> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Applies every migration the store has not seen yet, then `after`, in one transaction.
pub(super) fn apply(store: &Store, after: impl Fn(&WriteTx<'_>, u32) -> Result<()>) -> Result<()> {
    store.write(|tx| {
        tx.ensure_table(tables::META)?;
        let current = tx
            .get::<SchemaVersion>(SchemaVersion::KEY)?
            .map_or(0, |v| v.version);
        refuse_too_new(current)?;
        if current == SCHEMA_VERSION {
            return Ok(());
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tracing::info!(
                to = i + 1,
                migration = migration.name,
                "applying store migration"
            );
            (migration.apply)(tx)?;
        }
        tx.put(
            SchemaVersion::KEY,
            &SchemaVersion {
                version: SCHEMA_VERSION,
            },
        )?;
        after(tx, current)
    })
}

/// Undoes migration `to - 1 -> to` (the last two have an undo: keep this in step with the
/// end of `MIGRATIONS`); `false` for one without.
fn undo(tx: &WriteTx<'_>, to: u32) -> Result<bool> {
    use super::attachments::Attachment;
    use super::by_client::{self, Kind};
    match to {
        13 => tx.drop_table(tables::OUTBOX_WAITING)?,
        12 => tx.drop_table(tables::PRACTICE_ACCOUNTS)?,
        11 => walk::<Attachment>(tx, |tx, _, a| {
            let sort = by_client::oldest_first(a.created_at);
            by_client::forget(tx, a.client, Kind::Attachment, sort, &a.id.0)
        })?,
        10 => {
            for table in INDEXES {
                tx.drop_table(table)?;
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The test hook behind `Store::rewind_schema_for_tests`: undoes migrations down to
/// `version` (a newer version is only written, to test the refusal of a newer store).
pub(super) fn rewind(store: &Store, version: u32) -> Result<()> {
    store.write(|tx| {
        for to in (version + 1..=SCHEMA_VERSION).rev() {
            if !undo(tx, to)? {
                return Err(StoreError::RewindTooFar(version));
            }
        }
        tx.put(SchemaVersion::KEY, &SchemaVersion { version })
    })
}

#[cfg(test)]
#[path = "migrations_tests.rs"]
mod tests;
