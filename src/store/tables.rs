//! Every table of the store, in one place. Keys are opaque ids or blind indexes; values
//! are always sealed (see `crypto::seal`), so every table is bytes to bytes.

use redb::TableDefinition;

/// Raw definition shared by all tables.
pub(super) type Raw = TableDefinition<'static, &'static [u8], &'static [u8]>;

/// A table's name; the name is also part of every sealed value's AAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table(pub &'static str);

impl Table {
    pub(super) fn def(self) -> Raw {
        TableDefinition::new(self.0)
    }
}

/// Store metadata: schema version.
pub const META: Table = Table("meta");
/// The practice's own profile (name shown on every page).
pub const PRACTICE: Table = Table("practice");
/// One-time owner setup links, keyed by the blind index of the token.
pub const SETUP_TOKENS: Table = Table("setup_tokens");

/// Accounts (owner, clinicians, staff, clients), keyed by account id.
pub const ACCOUNTS: Table = Table("accounts");
/// The practice's own accounts (owner, clinicians, staff; never clients): index rows keyed
/// by account id, so that finding whom to alert does not read every client's account.
pub const PRACTICE_ACCOUNTS: Table = Table("practice_accounts");
/// Blind index of an email address -> account id.
pub const EMAIL_INDEX: Table = Table("email_index");
/// Client profiles, keyed by the client's account id.
pub const CLIENTS: Table = Table("clients");
/// Server-side sessions, keyed by the blind index of the session token.
pub const SESSIONS: Table = Table("sessions");
/// Invitation and password-reset links, keyed by the blind index of the token.
pub const INVITES: Table = Table("invites");
/// The audit log: a hash chain keyed by sequence number (big-endian u64).
pub const AUDIT: Table = Table("audit");
/// Audit events about a client: index rows keyed by client id and sequence number.
pub const AUDIT_BY_CLIENT: Table = Table("audit_by_client");
/// Audit events by the account that acted: index rows keyed by account id and sequence.
pub const AUDIT_BY_ACCOUNT: Table = Table("audit_by_account");
/// Audit events by time: index rows keyed by Unix time (seconds, big-endian, offset so
/// that it sorts) and sequence number, for a date range when the clock once jumped.
pub const AUDIT_BY_TIME: Table = Table("audit_by_time");

/// Message threads, keyed by thread id.
pub const THREADS: Table = Table("threads");
/// Messages, keyed by thread id and message number (big-endian u64).
pub const MESSAGES: Table = Table("messages");
/// The inboxes' order: index rows (empty sealed values) keyed by who looks (the practice,
/// the practice about one client, a client), unread first, the last activity (newest
/// first) and the thread id. See `messages::order_keys`.
pub const THREAD_ORDER: Table = Table("thread_order");

/// Attachment descriptions (name, type, size, digest), keyed by attachment id.
pub const ATTACHMENTS: Table = Table("attachments");
/// Attachment contents in sealed chunks, keyed by attachment id and chunk number
/// (big-endian u32).
pub const ATTACHMENT_CHUNKS: Table = Table("attachment_chunks");
/// Uploads whose chunks are being written and no message or submission claims yet, keyed
/// by attachment id: what the start-up sweep reads instead of every chunk.
pub const UPLOADS: Table = Table("uploads");

/// Email alerts waiting to be sent, keyed by creation time and a random suffix.
pub const OUTBOX: Table = Table("outbox");
/// The alert of each kind last queued for each account: keyed by account id and the kind's
/// name, holding its outbox key, so "one is already waiting" is one lookup.
pub const OUTBOX_WAITING: Table = Table("outbox_waiting");
/// Email address confirmation links, keyed by the blind index of the token.
pub const EMAIL_CONFIRMATIONS: Table = Table("email_confirmations");

/// Backups the server wrote, keyed by file name.
pub const BACKUPS: Table = Table("backups");
/// Scheduled jobs' last runs (and the last restore test), keyed by job name.
pub const JOBS: Table = Table("jobs");

/// Form definitions with their versions, keyed by form id.
pub const FORMS: Table = Table("forms");
/// Secure form links, keyed by the blind index of the token.
pub const FORM_LINKS: Table = Table("form_links");
/// Form submissions, keyed by submission id.
pub const SUBMISSIONS: Table = Table("submissions");
/// Appointments, keyed by appointment id.
pub const APPOINTMENTS: Table = Table("appointments");
/// What each client has, for the chart's sections: index rows keyed by client id, kind
/// (appointment, form link, submission), a sort key and the record's key. See `by_client`.
pub const CLIENT_ITEMS: Table = Table("client_items");
/// Each client's communication preferences and their history, keyed by client id.
pub const PREFERENCES: Table = Table("preferences");

/// Message templates, keyed by template id.
pub const TEMPLATES: Table = Table("templates");

/// Every table the current schema holds, for migrations and whole-store checks.
pub const ALL: &[Table] = &[
    META,
    PRACTICE,
    SETUP_TOKENS,
    ACCOUNTS,
    PRACTICE_ACCOUNTS,
    EMAIL_INDEX,
    CLIENTS,
    SESSIONS,
    INVITES,
    AUDIT,
    AUDIT_BY_CLIENT,
    AUDIT_BY_ACCOUNT,
    AUDIT_BY_TIME,
    THREADS,
    MESSAGES,
    THREAD_ORDER,
    TEMPLATES,
    ATTACHMENTS,
    ATTACHMENT_CHUNKS,
    UPLOADS,
    OUTBOX,
    OUTBOX_WAITING,
    EMAIL_CONFIRMATIONS,
    BACKUPS,
    JOBS,
    FORMS,
    FORM_LINKS,
    SUBMISSIONS,
    APPOINTMENTS,
    CLIENT_ITEMS,
    PREFERENCES,
];
