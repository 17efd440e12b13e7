//! What waits for a client on their home page: conversations with unread messages, forms
//! their practice sent that are still open, and upcoming appointments. One snapshot, one
//! audit event (the home's own, recorded by `client_home`). Internal notes never count.

use time::OffsetDateTime;

use super::forms::{state_of, LinkState};
use super::{ServiceError, Services};
use crate::ids::ThreadId;
use crate::policy::Actor;
use crate::store::appointments::Appointment;
use crate::store::forms::FormDef;
use crate::store::messages::{self, InboxOf};

/// A conversation with messages the client has not read.
pub struct UnreadThread {
    pub id: ThreadId,
    pub subject: String,
    pub unread: u64,
    pub last_message_at: OffsetDateTime,
}

/// A form link sent to this client, not used yet and not expired.
pub struct WaitingForm {
    pub name: String,
    pub expires_at: OffsetDateTime,
}

/// The client's home page model.
pub struct ClientOverview {
    pub preferred_name: String,
    /// Newest first.
    pub unread: Vec<UnreadThread>,
    /// Soonest to expire first.
    pub forms: Vec<WaitingForm>,
    /// Soonest first.
    pub upcoming: Vec<Appointment>,
}

impl ClientOverview {
    /// "Nothing here yet" is true only when nothing waits.
    pub fn nothing_waits(&self) -> bool {
        self.unread.is_empty() && self.forms.is_empty() && self.upcoming.is_empty()
    }
}

impl Services {
    /// The signed-in client's home, with everything that waits for them.
    pub fn client_overview(&self, actor: &Actor) -> Result<ClientOverview, ServiceError> {
        let home = self.client_home(actor)?;
        let me = actor.account_id().ok_or(ServiceError::Forbidden)?;
        let now = self.now();
        let (mut unread, mut forms, mut upcoming) = self.store.read(|tx| {
            // The client's own inbox order puts unread conversations first.
            let (threads, _) =
                messages::inbox_page(tx, InboxOf::Client(me), None, super::inbox::INBOX_PAGE)?;
            let mut unread = Vec::new();
            for t in threads.into_iter().take_while(|t| t.unread_by_client()) {
                let new = t.unread_for(true);
                unread.push(UnreadThread {
                    id: t.id,
                    subject: t.subject,
                    unread: new,
                    last_message_at: t.last_message_at,
                });
            }
            let mut forms = Vec::new();
            let rows = super::client_chart::SECTION_ROWS;
            for (_, link) in crate::store::forms::client_links(tx, me, rows)? {
                if link.uses > 0 || state_of(&link, now) != LinkState::Open {
                    continue;
                }
                if let Some(form) = tx.get::<FormDef>(&link.form.0)? {
                    forms.push(WaitingForm {
                        name: form.name,
                        expires_at: link.expires_at,
                    });
                }
            }
            let upcoming = crate::store::appointments::upcoming(tx, me, now, rows)?;
            Ok::<_, ServiceError>((unread, forms, upcoming))
        })?;
        unread.sort_by_key(|t| std::cmp::Reverse(t.last_message_at));
        forms.sort_by_key(|f| f.expires_at);
        upcoming.sort_by_key(|a| a.starts_at);
        Ok(ClientOverview {
            preferred_name: home.preferred_name,
            unread,
            forms,
            upcoming,
        })
    }
}
