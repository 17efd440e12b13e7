//! The messaging pages as one person may see them: the inbox (read in one transaction,
//! audited once), the form to start a conversation, and a conversation with what its
//! reader may do there. Each answer says what to show, so the web layer decides nothing.

use time::OffsetDateTime;

use super::messages::{client_name_in, is_client, ThreadView};
use super::{ServiceError, Services};
use crate::ids::{AccountId, ThreadId};
use crate::policy::{self, Action, Actor, Decision, Target};
use crate::store::messages::{self, Message, MessageKind};
use crate::store::StoreError;

/// One line of an inbox.
#[derive(Clone)]
pub struct ThreadSummary {
    pub id: ThreadId,
    pub client_name: String,
    pub subject: String,
    pub unread: u64,
    pub last_message_at: OffsetDateTime,
    pub closed: bool,
}

/// The inbox page.
pub struct Inbox {
    /// Unread first, then the latest.
    pub threads: Vec<ThreadSummary>,
    /// Whom each thread is with: shown to the practice, which sees every client's.
    pub client_column: bool,
}

/// Who starts a conversation, and so with whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// A client, writing to the practice about themselves.
    Client(AccountId),
    /// The practice, which chooses the client.
    Practice,
}

impl Writer {
    /// The client a conversation is about when the writer does not choose one.
    pub fn own_client(self) -> Option<AccountId> {
        match self {
            Writer::Client(id) => Some(id),
            Writer::Practice => None,
        }
    }
}

/// The new-conversation form.
pub struct Compose {
    pub writer: Writer,
    /// The clients the practice may write to; `None` for a client, who writes to the
    /// practice.
    pub recipients: Option<Vec<(AccountId, String)>>,
}

/// A conversation page: the thread as the reader may see it, and what they may do.
pub struct ThreadPage {
    pub view: ThreadView,
    /// The reader's side: the client's own (true) or the practice's.
    pub as_client: bool,
    /// Closing and reopening the conversation.
    pub may_close: bool,
    reader: Option<AccountId>,
}

impl ThreadPage {
    /// Written by the reader's side of the conversation.
    pub fn from_reader_side(&self, m: &Message) -> bool {
        m.from_client == self.as_client
    }

    /// Written by the reader themselves (shown as "You").
    pub fn by_reader(&self, m: &Message) -> bool {
        self.from_reader_side(m) && Some(m.author) == self.reader
    }

    /// Whom the reader's conversation is with: `None` for a client, whose conversations
    /// are all with their practice.
    pub fn with(&self) -> Option<&str> {
        (!self.as_client).then_some(self.view.client_name.as_str())
    }
}

/// The threads a scope sees, with their unread counts from the reader's side.
fn summaries(
    tx: &crate::store::ReadTx<'_>,
    scope: Target,
    client: bool,
) -> Result<Vec<ThreadSummary>, StoreError> {
    let mut out = Vec::new();
    for t in messages::all_threads(tx)? {
        if let Target::Client(me) = scope {
            if t.client != me {
                continue;
            }
        }
        let read_upto = if client {
            t.client_read
        } else {
            t.practice_read
        };
        let unread = if read_upto >= t.count {
            0
        } else {
            messages::messages(tx, t.id, read_upto + 1, t.count)?
                .iter()
                .filter(|m| m.kind == MessageKind::Message && m.from_client != client)
                .count() as u64
        };
        out.push(ThreadSummary {
            id: t.id,
            client_name: client_name_in(tx, t.client)?,
            subject: t.subject,
            unread,
            last_message_at: t.last_message_at,
            closed: t.closed,
        });
    }
    Ok(out)
}

impl Services {
    /// Where `actor`'s conversations live: a client's own, or the whole practice's.
    fn thread_scope(actor: &Actor) -> Target {
        match (is_client(actor), actor.account_id()) {
            (true, Some(id)) => Target::Client(id),
            _ => Target::Practice,
        }
    }

    /// The inbox: every thread for the practice, one's own for a client; unread first.
    pub fn inbox(&self, actor: &Actor) -> Result<Inbox, ServiceError> {
        let scope = Self::thread_scope(actor);
        let client = matches!(scope, Target::Client(_));
        self.authorize(actor, Action::ListThreads, scope)?;
        self.audit_read(actor, Action::ListThreads, scope)?;
        let mut threads = self.store.read(|tx| summaries(tx, scope, client))?;
        threads.sort_by(|a, b| {
            (b.unread > 0, b.last_message_at).cmp(&(a.unread > 0, a.last_message_at))
        });
        Ok(Inbox {
            threads,
            client_column: !client,
        })
    }

    /// May `actor` start conversations at all, and as whom? Asked before the form is shown
    /// or taken; a refusal is audited.
    pub fn writer(&self, actor: &Actor) -> Result<Writer, ServiceError> {
        let scope = Self::thread_scope(actor);
        self.authorize(actor, Action::ListThreads, scope)?;
        Ok(match scope {
            Target::Client(id) => Writer::Client(id),
            _ => Writer::Practice,
        })
    }

    /// The new-conversation form: for the practice, the clients it may write to.
    pub fn compose(&self, actor: &Actor) -> Result<Compose, ServiceError> {
        let writer = self.writer(actor)?;
        let recipients = match writer {
            Writer::Client(_) => None,
            Writer::Practice => Some(self.message_recipients(actor)?),
        };
        Ok(Compose { writer, recipients })
    }

    /// A conversation page (the latest messages, or from message `from`), which records
    /// the read receipt.
    pub fn thread_page(
        &self,
        actor: &Actor,
        id: ThreadId,
        from: Option<u64>,
    ) -> Result<ThreadPage, ServiceError> {
        let view = self.read_thread(actor, id, from)?;
        let may_close = policy::decide(
            actor,
            Action::ManageThread,
            Target::Client(view.thread.client),
        ) == Decision::Allow;
        Ok(ThreadPage {
            as_client: is_client(actor),
            may_close,
            reader: actor.account_id(),
            view,
        })
    }
}
