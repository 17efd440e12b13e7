//! Automatic replies: an always-on crisis notice and an optional away message, sent in
//! reply to a client's message at most once per thread per 12 hours, inside the same
//! transaction as the client's message.

use time::OffsetDateTime;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::policy::{AccountId, Action, Actor, Target};
use crate::store::messages::{self, Message, MessageKind, Thread};
use crate::store::StoreError;

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

impl Services {
    /// Answers a client's message with the crisis notice (and the away message while the
    /// practice is away), at most once per thread per 12 hours. Runs inside the write.
    pub(super) fn auto_reply(
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
        thread.note_message(thread.count, false);
        let message = Message {
            number: thread.count,
            kind: MessageKind::Message,
            author: AccountId([0; 16]),
            author_name: "Automatic reply".to_owned(),
            from_client: false,
            automatic: true,
            body: parts.join("\n\n"),
            sent_at: now,
            attachments: Vec::new(),
        };
        messages::put_message(tx, thread.id, &message)?;
        audit::record(
            tx,
            now,
            &Actor::System("auto-reply"),
            Event::MessageAutoReply,
            AuditTarget::new().client(thread.client).thread(thread.id),
            Outcome::Ok,
        )
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
                Event::PracticeAutoReply,
                AuditTarget::practice(),
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
    use crate::domain::testing::services_at;

    use crate::ids::ThreadId;
    use crate::policy::Role;
    use crate::store::accounts;
    use crate::store::accounts::{Account, ClientProfile};
    use crate::store::practice::AutoReply;

    use time::Duration;

    fn world() -> (
        tempfile::TempDir,
        Services,
        ManualClock,
        Actor,
        Actor,
        ThreadId,
    ) {
        let (dir, services, clock) = services_at(time::macros::datetime!(2026-03-02 09:00 UTC));
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
            .start_thread(&owner_actor, client.id, "Hello", "First", None)
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
            .write_message(&client, thread, "one", MessageKind::Message, None)
            .unwrap();
        services
            .write_message(&client, thread, "two", MessageKind::Message, None)
            .unwrap();
        assert_eq!(automatic(&services, &owner, thread).len(), 1);
        clock.advance(Duration::hours(11));
        services
            .write_message(&client, thread, "three", MessageKind::Message, None)
            .unwrap();
        assert_eq!(automatic(&services, &owner, thread).len(), 1);
        clock.advance(Duration::hours(2));
        services
            .write_message(&client, thread, "four", MessageKind::Message, None)
            .unwrap();
        let replies = automatic(&services, &owner, thread);
        assert_eq!(replies.len(), 2);
        assert!(replies[0].contains("988"));
        // The practice's own messages never trigger it.
        services
            .write_message(&owner, thread, "answer", MessageKind::Message, None)
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
            .write_message(&client, thread, "monday", MessageKind::Message, None)
            .unwrap();
        assert!(!automatic(&services, &owner, thread)[0].contains("Away"));
        clock.advance(Duration::days(2));
        services
            .write_message(&client, thread, "wednesday", MessageKind::Message, None)
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
