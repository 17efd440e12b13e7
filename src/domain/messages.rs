//! Secure messaging: threads between the practice and one client. Messages are part of the
//! record and are never deleted; a correction is a new message. Internal notes are for the
//! practice only, and the policy keeps them from clients.

use time::OffsetDateTime;

use super::audit::{self, Outcome};
use super::{ServiceError, Services};
use crate::policy::{self, AccountId, Action, Actor, Decision, Role, Target};
use crate::store::accounts;
use crate::store::messages::{self, Message, MessageKind, Thread, ThreadId};
use crate::store::StoreError;

pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 20_000;
/// How many messages a thread page shows at once.
pub const PAGE: u64 = 50;
/// The automatic reply goes into a thread at most this often.
pub const AUTO_REPLY_EVERY_HOURS: i64 = 12;

/// True when today (UTC) lies within the away dates.
fn away_today(settings: &crate::store::practice::AutoReply, now: OffsetDateTime) -> bool {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let (Ok(from), Ok(until)) = (
        time::Date::parse(&settings.away_from, fmt),
        time::Date::parse(&settings.away_until, fmt),
    ) else {
        return false;
    };
    !settings.away_message.trim().is_empty() && (from..=until).contains(&now.date())
}

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

fn is_client(actor: &Actor) -> bool {
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

impl Services {
    fn client_name(&self, id: AccountId) -> Result<String, StoreError> {
        let profile = self.store.read(|tx| accounts::profile(tx, id))?;
        Ok(match profile {
            Some(p) if !p.preferred_name.is_empty() => {
                format!("{} ({})", p.legal_name, p.preferred_name)
            }
            Some(p) => p.legal_name,
            None => String::new(),
        })
    }

    fn load_thread(&self, id: ThreadId) -> Result<Thread, ServiceError> {
        self.store
            .read(|tx| messages::get_thread(tx, id))?
            .ok_or(ServiceError::NotFound)
    }

    /// The inbox: every thread for the practice, one's own for a client; unread first.
    pub fn inbox(&self, actor: &Actor) -> Result<Vec<ThreadSummary>, ServiceError> {
        let client = is_client(actor);
        let scope = match (client, actor.account_id()) {
            (true, Some(id)) => Target::Client(id),
            _ => Target::Practice,
        };
        self.authorize(actor, Action::ListThreads, scope)?;
        self.audit_read(actor, Action::ListThreads, scope)?;
        let threads = self.store.read(messages::all_threads)?;
        let mut out = Vec::new();
        for t in threads {
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
                let newer = self
                    .store
                    .read(|tx| messages::messages(tx, t.id, read_upto + 1, t.count))?;
                newer
                    .iter()
                    .filter(|m| m.kind == MessageKind::Message && m.from_client != client)
                    .count() as u64
            };
            out.push(ThreadSummary {
                id: t.id,
                client_name: self.client_name(t.client)?,
                subject: t.subject.clone(),
                unread,
                last_message_at: t.last_message_at,
                closed: t.closed,
            });
        }
        out.sort_by(|a, b| {
            (b.unread > 0, b.last_message_at).cmp(&(a.unread > 0, a.last_message_at))
        });
        Ok(out)
    }

    /// Starts a thread with its first message. A client can only start one with the
    /// practice about themselves.
    pub fn start_thread(
        &self,
        actor: &Actor,
        client: AccountId,
        subject: &str,
        body: &str,
    ) -> Result<ThreadId, ServiceError> {
        self.authorize(actor, Action::WriteMessage, Target::Client(client))?;
        check_text("subject", subject, MAX_SUBJECT, "a subject")?;
        check_text("body", body, MAX_BODY, "a message")?;
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
        };
        let id = thread.id;
        self.store.write(|tx| {
            messages::put_thread(tx, &thread)?;
            audit::record(
                tx,
                now,
                actor,
                "thread.start",
                &format!("client:{client} thread:{id}"),
                Outcome::Ok,
            )?;
            Ok::<_, ServiceError>(())
        })?;
        self.write_message(actor, id, body, MessageKind::Message)?;
        Ok(id)
    }

    /// Adds a message or an internal note to a thread.
    pub fn write_message(
        &self,
        actor: &Actor,
        id: ThreadId,
        body: &str,
        kind: MessageKind,
    ) -> Result<u64, ServiceError> {
        let thread = self.load_thread(id)?;
        let action = match kind {
            MessageKind::Message => Action::WriteMessage,
            MessageKind::InternalNote => Action::InternalNotes,
        };
        self.authorize(actor, action, Target::Client(thread.client))?;
        check_text(
            "body",
            body,
            MAX_BODY,
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
        self.store.write(|tx| {
            let mut thread = messages::thread_for_update(tx, id)?.ok_or(ServiceError::NotFound)?;
            thread.count += 1;
            thread.last_message_at = now;
            let message = Message {
                number: thread.count,
                kind,
                author,
                author_name,
                from_client,
                automatic: false,
                body: body.trim_end().to_owned(),
                sent_at: now,
            };
            // Writing means the writer has read everything before it.
            if from_client {
                thread.client_read = thread.count;
                thread.client_read_at = Some(now);
            } else {
                thread.practice_read = thread.count;
                thread.practice_read_at = Some(now);
            }
            messages::put_message(tx, id, &message)?;
            if from_client && kind == MessageKind::Message {
                self.auto_reply(tx, &mut thread, now)?;
            }
            messages::put_thread(tx, &thread)?;
            let what = match kind {
                MessageKind::Message => "message.write",
                MessageKind::InternalNote => "note.write",
            };
            audit::record(
                tx,
                now,
                actor,
                what,
                &format!(
                    "client:{} thread:{id} message:{}",
                    thread.client, thread.count
                ),
                Outcome::Ok,
            )?;
            Ok(thread.count)
        })
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
            messages::put_thread(tx, &t)?;
            audit::record(
                tx,
                now,
                actor,
                "thread.read",
                &format!("client:{} thread:{id}", t.client),
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

    /// Answers a client's message with the crisis notice (and the away message while the
    /// practice is away), at most once per thread per 12 hours. Runs inside the write.
    fn auto_reply(
        &self,
        tx: &crate::store::WriteTx<'_>,
        thread: &mut Thread,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if thread
            .last_auto_reply_at
            .is_some_and(|at| now - at < time::Duration::hours(AUTO_REPLY_EVERY_HOURS))
        {
            return Ok(());
        }
        let settings = crate::store::practice::auto_reply_for_update(tx)?;
        let mut parts = Vec::new();
        if away_today(&settings, now) {
            parts.push(settings.away_message.trim().to_owned());
        }
        if !settings.crisis_notice.trim().is_empty() {
            parts.push(settings.crisis_notice.trim().to_owned());
        }
        if parts.is_empty() {
            return Ok(());
        }
        thread.count += 1;
        thread.last_auto_reply_at = Some(now);
        let message = Message {
            number: thread.count,
            kind: MessageKind::Message,
            author: AccountId([0; 16]),
            author_name: "Automatic reply".to_owned(),
            from_client: false,
            automatic: true,
            body: parts.join("\n\n"),
            sent_at: now,
        };
        messages::put_message(tx, thread.id, &message)?;
        audit::record(
            tx,
            now,
            &Actor::System("auto-reply"),
            "message.auto_reply",
            &format!("client:{} thread:{}", thread.client, thread.id),
            Outcome::Ok,
        )
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
                "thread.close"
            } else {
                "thread.reopen"
            };
            audit::record(
                tx,
                now,
                actor,
                what,
                &format!("client:{} thread:{id}", t.client),
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

impl Services {
    /// The automatic-reply settings (owner).
    pub fn auto_reply_settings(
        &self,
        actor: &Actor,
    ) -> Result<crate::store::practice::AutoReply, ServiceError> {
        self.authorize(actor, Action::ManagePractice, Target::Practice)?;
        Ok(self.store.read(crate::store::practice::auto_reply)?)
    }

    /// Saves the automatic-reply settings after checking them.
    pub fn save_auto_reply(
        &self,
        actor: &Actor,
        settings: crate::store::practice::AutoReply,
    ) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManagePractice, Target::Practice)?;
        if settings.crisis_notice.trim().is_empty() {
            return Err(ServiceError::invalid(
                "crisis_notice",
                "Please keep a crisis notice: clients need to know where to turn in an emergency.",
            ));
        }
        if settings.crisis_notice.chars().count() > 1000 {
            return Err(ServiceError::invalid(
                "crisis_notice",
                "Please keep the notice under 1000 characters.",
            ));
        }
        if settings.away_message.chars().count() > 2000 {
            return Err(ServiceError::invalid(
                "away_message",
                "Please keep the away message under 2000 characters.",
            ));
        }
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let date = |field: &'static str, text: &str| -> Result<Option<time::Date>, ServiceError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            time::Date::parse(text.trim(), fmt)
                .map(Some)
                .map_err(|_| ServiceError::invalid(field, "Please enter the date as YYYY-MM-DD."))
        };
        let from = date("away_from", &settings.away_from)?;
        let until = date("away_until", &settings.away_until)?;
        if !settings.away_message.trim().is_empty() && (from.is_none() || until.is_none()) {
            return Err(ServiceError::invalid(
                "away_from",
                "Please give the first and the last day you are away.",
            ));
        }
        if let (Some(f), Some(u)) = (from, until) {
            if u < f {
                return Err(ServiceError::invalid(
                    "away_until",
                    "The last day must not be before the first day.",
                ));
            }
        }
        let now = self.now();
        self.store.write(|tx| {
            crate::store::practice::save_auto_reply(tx, &settings)?;
            audit::record(
                tx,
                now,
                actor,
                "practice.auto_reply",
                "practice",
                Outcome::Ok,
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use crate::crypto::{Keyring, Sealer};
    use crate::domain::SessionTimeouts;
    use crate::store::accounts::{Account, ClientProfile};
    use crate::store::practice::AutoReply;
    use crate::store::Store;
    use std::sync::Arc;
    use time::Duration;

    fn world() -> (
        tempfile::TempDir,
        Services,
        ManualClock,
        Actor,
        Actor,
        ThreadId,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create(&dir.path().join("db"), Sealer::new(Keyring::generate())).unwrap();
        let clock = ManualClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
        let services = Services::new(store, Arc::new(clock.clone()), SessionTimeouts::default());
        let owner = Account::invited(Role::Owner, "Dana", "d@example.org", clock.now());
        let client = Account::invited(Role::Client, "Jo", "j@example.org", clock.now());
        services
            .store
            .write(|tx| {
                accounts::put(tx, &owner)?;
                accounts::put(tx, &client)?;
                accounts::put_profile(tx, client.id, &ClientProfile::default())
            })
            .unwrap();
        let owner_actor = Actor::account(owner.id, Role::Owner, None);
        let client_actor = Actor::account(client.id, Role::Client, None);
        let thread = services
            .start_thread(&owner_actor, client.id, "Hello", "First")
            .unwrap();
        (dir, services, clock, owner_actor, client_actor, thread)
    }

    fn automatic(services: &Services, owner: &Actor, thread: ThreadId) -> Vec<String> {
        services
            .read_thread(owner, thread, None)
            .unwrap()
            .messages
            .into_iter()
            .filter(|m| m.automatic)
            .map(|m| m.body)
            .collect()
    }

    #[test]
    fn crisis_notice_answers_at_most_once_per_thread_per_12_hours() {
        let (_d, services, clock, owner, client, thread) = world();
        services
            .write_message(&client, thread, "one", MessageKind::Message)
            .unwrap();
        services
            .write_message(&client, thread, "two", MessageKind::Message)
            .unwrap();
        assert_eq!(automatic(&services, &owner, thread).len(), 1);
        clock.advance(Duration::hours(11));
        services
            .write_message(&client, thread, "three", MessageKind::Message)
            .unwrap();
        assert_eq!(automatic(&services, &owner, thread).len(), 1);
        clock.advance(Duration::hours(2));
        services
            .write_message(&client, thread, "four", MessageKind::Message)
            .unwrap();
        let replies = automatic(&services, &owner, thread);
        assert_eq!(replies.len(), 2);
        assert!(replies[0].contains("988"));
        // The practice's own messages never trigger it.
        services
            .write_message(&owner, thread, "answer", MessageKind::Message)
            .unwrap();
        assert_eq!(automatic(&services, &owner, thread).len(), 2);
    }

    #[test]
    fn away_message_is_added_only_on_the_away_days() {
        let (_d, services, clock, owner, client, thread) = world();
        let settings = AutoReply {
            away_message: "Away this week, back Monday.".into(),
            away_from: "2026-03-03".into(),
            away_until: "2026-03-06".into(),
            ..AutoReply::default()
        };
        services.save_auto_reply(&owner, settings).unwrap();
        services
            .write_message(&client, thread, "monday", MessageKind::Message)
            .unwrap();
        assert!(!automatic(&services, &owner, thread)[0].contains("Away"));
        clock.advance(Duration::days(2));
        services
            .write_message(&client, thread, "wednesday", MessageKind::Message)
            .unwrap();
        let replies = automatic(&services, &owner, thread);
        assert!(replies[1].starts_with("Away this week") && replies[1].contains("988"));
        assert!(matches!(
            services.save_auto_reply(&client, AutoReply::default()),
            Err(ServiceError::Forbidden)
        ));
        let empty = AutoReply {
            crisis_notice: " ".into(),
            ..AutoReply::default()
        };
        assert!(matches!(
            services.save_auto_reply(&owner, empty),
            Err(ServiceError::Invalid {
                field: "crisis_notice",
                ..
            })
        ));
    }
}
