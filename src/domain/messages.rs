//! Secure messaging: threads between the practice and one client. Messages are part of the
//! record and are never deleted; a correction is a new message. Internal notes are for the
//! practice only, and the policy keeps them from clients.

use time::OffsetDateTime;

use super::attachments::StagedFile;
use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::ids::ThreadId;
use crate::policy::{self, AccountId, Action, Actor, Decision, Role, Target};
use crate::store::accounts;
use crate::store::messages::{self, Message, MessageKind, Thread};
use crate::store::{ReadTx, StoreError};

pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 20_000;
/// How many messages a thread page shows at once.
pub const PAGE: u64 = 50;
/// A thread as one reader may see it.
pub struct ThreadView {
    pub thread: Thread,
    pub client_name: String,
    /// The messages this reader may see, oldest first (one page).
    pub messages: Vec<Message>,
    /// The first message number shown, when earlier ones exist.
    pub earlier_from: Option<u64>,
    /// "Seen" receipt for the reader's own side's latest message.
    pub seen_at: Option<OffsetDateTime>,
    /// Whether this reader may read and write internal notes.
    pub notes_allowed: bool,
}

/// A reply refused because its conversation is closed: what the page needs to offer it as
/// a new conversation. Its `Debug` names no content.
pub struct ClosedThread {
    pub subject: String,
    pub client: AccountId,
}

impl std::fmt::Debug for ClosedThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClosedThread { .. }")
    }
}

pub(super) fn is_client(actor: &Actor) -> bool {
    matches!(
        actor,
        Actor::Account {
            role: Role::Client,
            ..
        }
    )
}

fn check_text(field: &'static str, text: &str, max: usize, what: &str) -> Result<(), ServiceError> {
    let len = text.trim().chars().count();
    if len == 0 {
        return Err(ServiceError::invalid(
            field,
            format!("Please write {what}."),
        ));
    }
    if len > max {
        return Err(ServiceError::invalid(
            field,
            format!("Please keep {what} under {max} characters."),
        ));
    }
    Ok(())
}

/// A message needs words unless it carries a file.
fn check_body(body: &str, has_file: bool, what: &str) -> Result<(), ServiceError> {
    if has_file && body.trim().is_empty() {
        return Ok(());
    }
    check_text("body", body, MAX_BODY, what)
}

/// Whom a thread is with, as the practice names the client.
pub(super) fn client_name_in(tx: &ReadTx<'_>, id: AccountId) -> Result<String, StoreError> {
    Ok(match accounts::profile(tx, id)? {
        Some(p) if !p.preferred_name.is_empty() => {
            format!("{} ({})", p.legal_name, p.preferred_name)
        }
        Some(p) => p.legal_name,
        None => String::new(),
    })
}

impl Services {
    fn client_name(&self, id: AccountId) -> Result<String, StoreError> {
        self.store.read(|tx| client_name_in(tx, id))
    }

    fn load_thread(&self, id: ThreadId) -> Result<Thread, ServiceError> {
        self.store
            .read(|tx| messages::get_thread(tx, id))?
            .ok_or(ServiceError::NotFound)
    }

    /// Starts a thread with its first message. A client can only start one with the
    /// practice about themselves.
    pub fn start_thread(
        &self,
        actor: &Actor,
        client: AccountId,
        subject: &str,
        body: &str,
        file: Option<StagedFile>,
    ) -> Result<ThreadId, ServiceError> {
        self.authorize(actor, Action::WriteMessage, Target::Client(client))?;
        check_text("subject", subject, MAX_SUBJECT, "a subject")?;
        check_body(body, file.is_some(), "a message")?;
        let is_a_client = self
            .store
            .read(|tx| accounts::get(tx, client))?
            .is_some_and(|a| a.role == Role::Client);
        if !is_a_client {
            return Err(ServiceError::invalid("client", "Please choose a client."));
        }
        let now = self.now();
        let thread = Thread {
            id: ThreadId::generate(),
            client,
            subject: subject.trim().to_owned(),
            closed: false,
            created_at: now,
            last_message_at: now,
            count: 0,
            client_read: 0,
            client_read_at: None,
            practice_read: 0,
            practice_read_at: None,
            last_auto_reply_at: None,
            last_from_client: 0,
            last_to_client: 0,
            client_sent: 0,
            client_sent_read: 0,
            practice_sent: 0,
            practice_sent_read: 0,
        };
        let id = thread.id;
        // One transaction for the thread and its first message: a failure keeps neither.
        self.post_message(actor, thread, true, body, MessageKind::Message, file)?;
        Ok(id)
    }

    /// Adds a message or an internal note to a thread, with a file already received and
    /// checked (`begin_upload`). The file becomes part of the record in the same
    /// transaction as its message, or is removed.
    pub fn write_message(
        &self,
        actor: &Actor,
        id: ThreadId,
        body: &str,
        kind: MessageKind,
        file: Option<StagedFile>,
    ) -> Result<u64, ServiceError> {
        let thread = self.load_thread(id)?;
        self.post_message(actor, thread, false, body, kind, file)
    }

    /// `write_message` for a loaded thread; with `starting`, the thread itself is stored
    /// (and its start audited) in the same transaction as the message.
    fn post_message(
        &self,
        actor: &Actor,
        thread: Thread,
        starting: bool,
        body: &str,
        kind: MessageKind,
        file: Option<StagedFile>,
    ) -> Result<u64, ServiceError> {
        let id = thread.id;
        let action = match kind {
            MessageKind::Message => Action::WriteMessage,
            MessageKind::InternalNote => Action::InternalNotes,
        };
        self.authorize(actor, action, Target::Client(thread.client))?;
        if file.is_some() && kind == MessageKind::InternalNote {
            return Err(ServiceError::invalid(
                "file",
                "Files go with messages, not internal notes.",
            ));
        }
        check_body(
            body,
            file.is_some(),
            if kind == MessageKind::Message {
                "a message"
            } else {
                "a note"
            },
        )?;
        let author = actor.account_id().ok_or(ServiceError::Forbidden)?;
        let author_name = self
            .store
            .read(|tx| accounts::get(tx, author))?
            .map(|a| a.name)
            .unwrap_or_default();
        let from_client = is_client(actor);
        let now = self.now();
        let number = self.store.write(|tx| {
            let mut thread = if starting {
                audit::record(
                    tx,
                    now,
                    actor,
                    Event::ThreadStart,
                    AuditTarget::new().client(thread.client).thread(id),
                    Outcome::Ok,
                )?;
                thread.clone()
            } else {
                messages::thread_for_update(tx, id)?.ok_or(ServiceError::NotFound)?
            };
            // Checked here, in the writing transaction, so a close that lands first wins.
            // Internal notes may still be added to a closed conversation.
            if thread.closed && kind == MessageKind::Message {
                return Err(ServiceError::ThreadClosed(ClosedThread {
                    subject: thread.subject.clone(),
                    client: thread.client,
                }));
            }
            thread.count += 1;
            // The client sees this time and the order it gives: a note must not move it.
            if kind == MessageKind::Message {
                thread.last_message_at = now;
                thread.note_message(thread.count, from_client);
            }
            let mut attachments = Vec::new();
            if let Some(file) = &file {
                let (record, reference) = file.record(id, thread.client, thread.count, author, now);
                crate::store::attachments::put(tx, &record)?;
                audit::record(
                    tx,
                    now,
                    actor,
                    Event::AttachmentAdd,
                    AuditTarget::new()
                        .client(thread.client)
                        .thread(id)
                        .message(thread.count)
                        .attachment(record.id),
                    Outcome::Ok,
                )?;
                attachments.push(reference);
            }
            let message = Message {
                number: thread.count,
                kind,
                author,
                author_name: author_name.clone(),
                from_client,
                automatic: false,
                body: body.trim_end().to_owned(),
                sent_at: now,
                attachments,
            };
            // Writing means the writer has read everything before it.
            if from_client {
                thread.client_read = thread.count;
                thread.client_read_at = Some(now);
                thread.read_by_client(thread.count);
            } else {
                thread.read_by_practice(thread.count);
                // The client's "Seen" receipt shows this time: a note by a practice member
                // who had already read everything leaves it as it was.
                let caught_up = thread.practice_read + 1 >= thread.count;
                if kind == MessageKind::Message || !caught_up {
                    thread.practice_read_at = Some(now);
                }
                thread.practice_read = thread.count;
            }
            messages::put_message(tx, id, &message)?;
            if kind == MessageKind::Message {
                self.queue_message_alerts(tx, actor, thread.client, from_client, now)?;
            }
            if from_client && kind == MessageKind::Message {
                self.auto_reply(tx, &mut thread, now)?;
            }
            messages::put_thread(tx, &thread)?;
            let what = match kind {
                MessageKind::Message => Event::Policy(Action::WriteMessage),
                MessageKind::InternalNote => Event::NoteWrite,
            };
            audit::record(
                tx,
                now,
                actor,
                what,
                AuditTarget::new()
                    .client(thread.client)
                    .thread(id)
                    .message(thread.count),
                Outcome::Ok,
            )?;
            Ok::<_, ServiceError>(thread.count)
        })?;
        if let Some(file) = file {
            file.kept();
        }
        self.wake_mail();
        Ok(number)
    }

    /// Reads a page of a thread (the latest, or from message `from`) and records the read
    /// receipt.
    pub fn read_thread(
        &self,
        actor: &Actor,
        id: ThreadId,
        from: Option<u64>,
    ) -> Result<ThreadView, ServiceError> {
        let thread = self.load_thread(id)?;
        let target = Target::Client(thread.client);
        self.authorize(actor, Action::ReadThread, target)?;
        let notes_allowed = policy::decide(actor, Action::InternalNotes, target) == Decision::Allow;
        let client = is_client(actor);
        let now = self.now();
        let last = thread.count;
        let first = from
            .unwrap_or_else(|| last.saturating_sub(PAGE - 1))
            .clamp(1, last.max(1));
        let end = (first + PAGE - 1).min(last);
        let thread = self.store.write(|tx| {
            let mut t = messages::thread_for_update(tx, id)?.ok_or(ServiceError::NotFound)?;
            if client && t.client_read < end {
                t.client_read = end;
                t.client_read_at = Some(now);
            } else if !client && t.practice_read < end {
                t.practice_read = end;
                t.practice_read_at = Some(now);
            }
            if client {
                t.read_by_client(end);
            } else {
                t.read_by_practice(end);
            }
            messages::put_thread(tx, &t)?;
            audit::record(
                tx,
                now,
                actor,
                Action::ReadThread,
                AuditTarget::new().client(t.client).thread(id),
                Outcome::Ok,
            )?;
            Ok::<_, ServiceError>(t)
        })?;
        let all = self
            .store
            .read(|tx| messages::messages(tx, id, first, end))?;
        let visible: Vec<Message> = all
            .into_iter()
            .filter(|m| m.kind == MessageKind::Message || notes_allowed)
            .collect();
        // The receipt: has the other side read this side's latest message?
        let own_last = visible
            .iter()
            .filter(|m| m.kind == MessageKind::Message && !m.automatic && m.from_client == client)
            .map(|m| m.number)
            .max();
        let seen_at = match own_last {
            Some(n) if client && thread.practice_read >= n => thread.practice_read_at,
            Some(n) if !client && thread.client_read >= n => thread.client_read_at,
            _ => None,
        };
        Ok(ThreadView {
            client_name: self.client_name(thread.client)?,
            earlier_from: (first > 1).then(|| first.saturating_sub(PAGE).max(1)),
            messages: visible,
            seen_at,
            notes_allowed,
            thread,
        })
    }

    /// Closes (archives) or reopens a thread. Nothing in it is removed.
    pub fn set_thread_closed(
        &self,
        actor: &Actor,
        id: ThreadId,
        closed: bool,
    ) -> Result<(), ServiceError> {
        let thread = self.load_thread(id)?;
        self.authorize(actor, Action::ManageThread, Target::Client(thread.client))?;
        let now = self.now();
        self.store.write(|tx| {
            let mut t = messages::thread_for_update(tx, id)?.ok_or(ServiceError::NotFound)?;
            t.closed = closed;
            messages::put_thread(tx, &t)?;
            let what = if closed {
                Event::ThreadClose
            } else {
                Event::ThreadReopen
            };
            audit::record(
                tx,
                now,
                actor,
                what,
                AuditTarget::new().client(t.client).thread(id),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    /// Clients the actor may start a thread with (the practice: every active client).
    pub fn message_recipients(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(AccountId, String)>, ServiceError> {
        let clients = self.list_clients(actor)?;
        Ok(clients
            .into_iter()
            .filter(|c| {
                policy::decide(actor, Action::WriteMessage, Target::Client(c.id)) == Decision::Allow
            })
            .map(|c| (c.id, c.name))
            .collect())
    }
}
