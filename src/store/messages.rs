//! Message threads between the practice and one client, and their messages. A message is
//! part of the record: there is no delete here.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::Result;
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

pub fn put_thread(tx: &WriteTx<'_>, thread: &Thread) -> Result<()> {
    tx.put(&thread.id.0, thread)
}

pub fn all_threads(tx: &ReadTx<'_>) -> Result<Vec<Thread>> {
    Ok(tx.all::<Thread>()?.into_iter().map(|(_, t)| t).collect())
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
