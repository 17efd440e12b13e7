//! Message threads between the practice and one client, and their messages. A message is
//! part of the record: there is no delete here.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::{Result, StoreError};
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::{AccountId, ThreadId};

/// Who a message is visible to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Between the practice and the client.
    Message,
    /// Between practice users only; never shown to the client.
    InternalNote,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Thread {
    pub id: ThreadId,
    pub client: AccountId,
    pub subject: String,
    pub closed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_message_at: OffsetDateTime,
    /// Number of messages (of both kinds) in the thread; the next one gets this number + 1.
    pub count: u64,
    /// Highest client-visible message number the client has read, and when.
    pub client_read: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub client_read_at: Option<OffsetDateTime>,
    /// Highest message number someone at the practice has read, and when.
    pub practice_read: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub practice_read_at: Option<OffsetDateTime>,
    /// When the last automatic reply went into this thread.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_auto_reply_at: Option<OffsetDateTime>,
    /// The number of the client's latest message (0: none), so that "unread by the
    /// practice" is `last_from_client > practice_read` without reading the messages.
    #[serde(default)]
    pub last_from_client: u64,
    /// The number of the practice's latest message to the client, automatic replies
    /// included (0: none).
    #[serde(default)]
    pub last_to_client: u64,
    /// Messages the client sent, and how many of them the practice has read: the
    /// practice's unread count without reading a message (internal notes never count).
    #[serde(default)]
    pub client_sent: u64,
    #[serde(default)]
    pub client_sent_read: u64,
    /// Messages the practice sent the client (automatic replies included), and how many
    /// of them the client has read.
    #[serde(default)]
    pub practice_sent: u64,
    #[serde(default)]
    pub practice_sent_read: u64,
}

impl Thread {
    /// The client wrote something the practice has not read yet.
    pub fn unread_by_practice(&self) -> bool {
        self.last_from_client > self.practice_read
    }

    /// The practice wrote something the client has not read yet.
    pub fn unread_by_client(&self) -> bool {
        self.last_to_client > self.client_read
    }

    /// Notes that `number`, a message (not a note), went into the thread from one side.
    pub fn note_message(&mut self, number: u64, from_client: bool) {
        if from_client {
            self.last_from_client = number;
            self.client_sent += 1;
        } else {
            self.last_to_client = number;
            self.practice_sent += 1;
        }
    }

    /// The client has read up to message `end`: once that reaches the practice's latest
    /// message, every one of them counts as read. (Reading an older page leaves the
    /// count as it was: it may say more is new, never less.)
    pub fn read_by_client(&mut self, end: u64) {
        if end >= self.last_to_client {
            self.practice_sent_read = self.practice_sent;
        }
    }

    /// The practice has read up to message `end` (as `read_by_client`).
    pub fn read_by_practice(&mut self, end: u64) {
        if end >= self.last_from_client {
            self.client_sent_read = self.client_sent;
        }
    }

    /// How many of the other side's messages the reader has not read.
    pub fn unread_for(&self, client: bool) -> u64 {
        if client {
            self.practice_sent.saturating_sub(self.practice_sent_read)
        } else {
            self.client_sent.saturating_sub(self.client_sent_read)
        }
    }
}

impl std::fmt::Debug for Thread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Thread")
            .field("id", &self.id)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl Record for Thread {
    const TABLE: Table = tables::THREADS;
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Message {
    pub number: u64,
    pub kind: MessageKind,
    pub author: AccountId,
    /// The author's name as shown when it was written.
    pub author_name: String,
    pub from_client: bool,
    /// Written by Alcove (the crisis notice / away message), not by a person.
    #[serde(default)]
    pub automatic: bool,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// Files sent with the message.
    #[serde(default)]
    pub attachments: Vec<super::attachments::AttachmentRef>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("number", &self.number)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Record for Message {
    const TABLE: Table = tables::MESSAGES;
}

fn message_key(thread: ThreadId, number: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(&thread.0);
    key[16..].copy_from_slice(&number.to_be_bytes());
    key
}

pub fn get_thread(tx: &ReadTx<'_>, id: ThreadId) -> Result<Option<Thread>> {
    tx.get(&id.0)
}

pub fn thread_for_update(tx: &WriteTx<'_>, id: ThreadId) -> Result<Option<Thread>> {
    tx.get(&id.0)
}

/// Stores a thread and moves its rows in the inboxes' order to match.
pub fn put_thread(tx: &WriteTx<'_>, thread: &Thread) -> Result<()> {
    if let Some(old) = tx.get::<Thread>(&thread.id.0)? {
        for key in order_keys(&old) {
            tx.remove_bytes(tables::THREAD_ORDER, &key)?;
        }
    }
    tx.put(&thread.id.0, thread)?;
    for key in order_keys(thread) {
        tx.put_index(tables::THREAD_ORDER, &key)?;
    }
    Ok(())
}

/// Removes a thread's record and its rows in the inboxes' order (its messages are the
/// caller's: `remove_prefix` of `MESSAGES`).
pub fn remove_thread(tx: &WriteTx<'_>, thread: &Thread) -> Result<()> {
    for key in order_keys(thread) {
        tx.remove_bytes(tables::THREAD_ORDER, &key)?;
    }
    tx.remove::<Thread>(&thread.id.0)?;
    Ok(())
}

pub fn all_threads(tx: &ReadTx<'_>) -> Result<Vec<Thread>> {
    Ok(tx.all::<Thread>()?.into_iter().map(|(_, t)| t).collect())
}

/// Whose inbox: the order differs by who reads (unread is from the reader's side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxOf {
    /// The practice's, every client's conversations.
    Practice,
    /// The practice's conversations with one client.
    PracticeAbout(AccountId),
    /// A client's own.
    Client(AccountId),
}

impl InboxOf {
    fn prefix(self) -> Vec<u8> {
        match self {
            InboxOf::Practice => vec![1],
            InboxOf::PracticeAbout(c) => [&[2][..], &c.0].concat(),
            InboxOf::Client(c) => [&[3][..], &c.0].concat(),
        }
    }
}

/// A thread's three rows in the inboxes' order: the prefix of [`InboxOf`], then 0 when the
/// reader has something unread (so those come first), the last activity newest first, the
/// thread id. The keys hold no content; like the outbox's and the audit log's, they show
/// when a conversation last moved.
fn order_keys(t: &Thread) -> [Vec<u8>; 3] {
    let newest_first =
        u64::MAX - u64::try_from(t.last_message_at.unix_timestamp_nanos()).unwrap_or_default();
    let row = |of: InboxOf, unread: bool| {
        let mut key = of.prefix();
        key.push(u8::from(!unread));
        key.extend_from_slice(&newest_first.to_be_bytes());
        key.extend_from_slice(&t.id.0);
        key
    };
    [
        row(InboxOf::Practice, t.unread_by_practice()),
        row(InboxOf::PracticeAbout(t.client), t.unread_by_practice()),
        row(InboxOf::Client(t.client), t.unread_by_client()),
    ]
}

/// The rows of `PracticeAbout(client)`; with `unread`, only those read (`false`) or with
/// something unread by the practice (`true`).
pub(super) fn about_prefix(client: AccountId, unread: Option<bool>) -> Vec<u8> {
    let mut key = InboxOf::PracticeAbout(client).prefix();
    key.extend(unread.map(|u| u8::from(!u)));
    key
}

/// The last activity an inbox row holds (`order_keys`), to the nanosecond.
pub(super) fn activity_of(row: &[u8], prefix_len: usize) -> Option<OffsetDateTime> {
    let at = row.get(prefix_len + 1..prefix_len + 9)?;
    let newest_first = u64::from_be_bytes(at.try_into().ok()?);
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(u64::MAX - newest_first)).ok()
}

/// Every conversation with one client, inside a write (the purge): read through their
/// own rows of the inboxes' order, not the whole table.
pub fn threads_of_for_update(tx: &WriteTx<'_>, client: AccountId) -> Result<Vec<Thread>> {
    let mut out = Vec::new();
    for key in tx.keys_with_prefix(tables::THREAD_ORDER, &about_prefix(client, None))? {
        let thread = thread_for_update(tx, ThreadId(thread_of_row(&key)))?;
        out.push(agreeing(&key, thread)?);
    }
    Ok(out)
}

/// One page of an inbox: up to `limit` threads after the row `after` (a key a previous
/// page returned), with the key to go on from when more follow.
pub fn inbox_page(
    tx: &ReadTx<'_>,
    of: InboxOf,
    after: Option<&[u8]>,
    limit: usize,
) -> Result<(Vec<Thread>, Option<Vec<u8>>)> {
    let mut keys =
        tx.index_keys_checked_by_caller(tables::THREAD_ORDER, &of.prefix(), after, limit + 1)?;
    let more = keys.len() > limit;
    keys.truncate(limit);
    let ids: Vec<[u8; 16]> = keys.iter().map(|key| thread_of_row(key)).collect();
    let mut threads = Vec::with_capacity(keys.len());
    for (key, thread) in keys.iter().zip(tx.get_each::<Thread, _>(&ids)?) {
        threads.push(agreeing(key, thread)?);
    }
    let next = if more { keys.pop() } else { None };
    Ok((threads, next))
}

/// The thread an inbox row names, if the row is one of the three the sealed thread itself
/// puts in the order (a thread's rows go with it, so a row naming none is not one of ours
/// either). A row planted or moved without the store's key, or written wrongly (another
/// client's conversation under this client's prefix), is refused, not followed.
fn agreeing(key: &[u8], thread: Option<Thread>) -> Result<Thread> {
    match thread {
        Some(t) if order_keys(&t).iter().any(|k| k == key) => Ok(t),
        _ => Err(StoreError::Sealed {
            table: tables::THREAD_ORDER.0,
            source: crate::crypto::SealError::Authentication,
        }),
    }
}

/// The thread an inbox row names: its last 16 bytes (`order_keys`).
fn thread_of_row(key: &[u8]) -> [u8; 16] {
    let mut id = [0u8; 16];
    if let Some(tail) = key.len().checked_sub(16).and_then(|at| key.get(at..)) {
        id.copy_from_slice(tail);
    }
    id
}

/// One message of a thread.
pub fn message(tx: &ReadTx<'_>, thread: ThreadId, number: u64) -> Result<Option<Message>> {
    tx.get(&message_key(thread, number))
}

pub fn put_message(tx: &WriteTx<'_>, thread: ThreadId, message: &Message) -> Result<()> {
    tx.put(&message_key(thread, message.number), message)
}

/// Messages `first..=last` of a thread, in order.
pub fn messages(tx: &ReadTx<'_>, thread: ThreadId, first: u64, last: u64) -> Result<Vec<Message>> {
    let mut out = Vec::new();
    for number in first..=last {
        if let Some(m) = tx.get::<Message>(&message_key(thread, number))? {
            out.push(m);
        }
    }
    Ok(out)
}

/// A thread as the store's tests write one: one message, from the client, read by the
/// practice or not.
#[cfg(test)]
pub(super) fn test_thread(client: AccountId, at: OffsetDateTime, unread: bool) -> Thread {
    Thread {
        id: ThreadId::generate(),
        client,
        subject: "Scheduling".into(),
        closed: false,
        created_at: at,
        last_message_at: at,
        count: 1,
        client_read: 1,
        client_read_at: None,
        practice_read: u64::from(!unread),
        practice_read_at: None,
        last_auto_reply_at: None,
        last_from_client: 1,
        last_to_client: 0,
        client_sent: 1,
        client_sent_read: u64::from(!unread),
        practice_sent: 0,
        practice_sent_read: 0,
    }
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
