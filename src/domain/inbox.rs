//! The messaging pages as one person may see them: the inbox (read in one transaction,
//! audited once), the form to start a conversation, and a conversation with what its
//! reader may do there. Each answer says what to show, so the web layer decides nothing.

use time::OffsetDateTime;

use super::messages::{client_name_in, is_client, ThreadView};
use super::{ServiceError, Services};
use crate::ids::{AccountId, ThreadId};
use crate::policy::{self, Action, Actor, Decision, Target};
use crate::store::messages::{self, InboxOf, Message};
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
    /// Unread first, then the latest; at most [`INBOX_PAGE`].
    pub threads: Vec<ThreadSummary>,
    /// Whom each thread is with: shown to the practice, which sees every client's.
    pub client_column: bool,
    /// Where the next page starts, when there is one (for `InboxQuery::after`).
    pub next: Option<String>,
    /// The client the practice's inbox is narrowed to, with their name.
    pub about: Option<(AccountId, String)>,
    /// This is the first page (no "back to the newest" link).
    pub first_page: bool,
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

/// Conversations on one inbox page.
pub const INBOX_PAGE: usize = 50;

/// Which inbox page: after a row a previous page returned, about one client.
#[derive(Clone, Debug, Default)]
pub struct InboxQuery {
    /// Only the conversations with this client (the practice's inbox).
    pub client: Option<AccountId>,
    /// The `next` of the page before (opaque).
    pub after: Option<String>,
}

/// One page of the threads a reader sees, with their unread counts from the reader's side.
fn summaries(
    tx: &crate::store::ReadTx<'_>,
    of: InboxOf,
    after: Option<&[u8]>,
) -> Result<(Vec<ThreadSummary>, Option<Vec<u8>>), StoreError> {
    let (threads, next) = messages::inbox_page(tx, of, after, INBOX_PAGE)?;
    let client = matches!(of, InboxOf::Client(_));
    let mut out = Vec::with_capacity(threads.len());
    // A page often holds several conversations with one client: open each name once.
    let mut names: Vec<(AccountId, String)> = Vec::new();
    for t in threads {
        let unread = t.unread_for(client);
        out.push(ThreadSummary {
            id: t.id,
            client_name: match names.iter().find(|(id, _)| *id == t.client) {
                Some((_, name)) => name.clone(),
                None => {
                    let name = client_name_in(tx, t.client)?;
                    names.push((t.client, name.clone()));
                    name
                }
            },
            subject: t.subject,
            unread,
            last_message_at: t.last_message_at,
            closed: t.closed,
        });
    }
    Ok((out, next))
}

impl Services {
    /// Where `actor`'s conversations live: a client's own, or the whole practice's.
    fn thread_scope(actor: &Actor) -> Target {
        match (is_client(actor), actor.account_id()) {
            (true, Some(id)) => Target::Client(id),
            _ => Target::Practice,
        }
    }

    /// A page of the inbox: the practice's (every client's, or one client's), a client's
    /// own; unread first, then by last activity. Reads the page, never the whole store.
    pub fn inbox(&self, actor: &Actor, query: &InboxQuery) -> Result<Inbox, ServiceError> {
        let scope = Self::thread_scope(actor);
        let (of, target) = match (scope, query.client) {
            (Target::Client(me), _) => (InboxOf::Client(me), scope),
            (_, Some(c)) => (InboxOf::PracticeAbout(c), Target::Client(c)),
            _ => (InboxOf::Practice, Target::Practice),
        };
        self.authorize(actor, Action::ListThreads, target)?;
        self.audit_read(actor, Action::ListThreads, target)?;
        let after = query.after.as_deref().and_then(|a| hex::decode(a).ok());
        let (threads, next, about) = self.store.read(|tx| {
            let (threads, next) = summaries(tx, of, after.as_deref())?;
            let about = match of {
                InboxOf::PracticeAbout(c) => Some((c, client_name_in(tx, c)?)),
                _ => None,
            };
            if about.as_ref().is_some_and(|(_, name)| name.is_empty()) {
                return Err(ServiceError::NotFound);
            }
            Ok::<_, ServiceError>((threads, next, about))
        })?;
        Ok(Inbox {
            threads,
            client_column: !matches!(of, InboxOf::Client(_)),
            next: next.map(hex::encode),
            about,
            first_page: after.is_none(),
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
