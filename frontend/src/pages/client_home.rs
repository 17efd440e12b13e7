//! The client's own home's wording: what waits for them (new messages, forms to fill in,
//! upcoming appointments), and "nothing here yet" only when nothing does. The services
//! gather what waits (`client_overview`); this module words it.

use super::appointments::{client_section, AppointmentRow};
use crate::views_app::{ActionSpec, Cell, Section, TableSpec};

/// The home's title.
pub const CLIENT_HOME_TITLE: &str = "Home";

/// The home's heading, greeting the client by the name they go by.
pub fn welcome(preferred_name: &str) -> String {
    format!("Welcome, {preferred_name}")
}

/// What waits for the client, as the services gathered it.
#[derive(Clone, Debug, Default)]
pub struct ClientHomeView {
    /// Nothing waits: no new messages, forms or appointments (the services' answer).
    pub nothing_waits: bool,
    /// Newest first.
    pub unread: Vec<UnreadRow>,
    /// Soonest to expire first.
    pub forms: Vec<WaitingFormRow>,
    /// Soonest first.
    pub appointments: Vec<AppointmentRow>,
    /// Offer sign-in codes (the client has none yet).
    pub offer_codes: bool,
}

/// A conversation with messages the client has not read.
#[derive(Clone, Debug)]
pub struct UnreadRow {
    pub href: String,
    pub subject: String,
    pub unread: u64,
    /// When the last message was sent, as shown.
    pub last_message: String,
}

/// A form the practice sent, still open.
#[derive(Clone, Debug)]
pub struct WaitingFormRow {
    pub name: String,
    /// Until when its link works, as shown.
    pub open_until: String,
}

/// The home's sections, each only when something is in it.
pub fn client_home_sections(view: ClientHomeView) -> Vec<Section> {
    let mut sections = vec![intro(view.nothing_waits)];
    sections.extend(unread_section(view.unread));
    sections.extend(forms_section(view.forms));
    sections.extend(client_section(view.appointments));
    if view.offer_codes {
        sections.push(Section {
            heading: Some("Extra protection (optional)".into()),
            paragraphs: vec!["You can ask for a code from your phone each time you sign in, so nobody else can sign in even if they learn your password.".into()],
            actions: vec![ActionSpec::link("/mfa/setup", "Turn on sign-in codes", false)],
            ..Section::default()
        });
    }
    sections
}

fn intro(nothing_waits: bool) -> Section {
    let mut paragraphs = vec!["This is your private space with your practice.".to_owned()];
    if nothing_waits {
        paragraphs.push("There is nothing here yet. When your practice sends you a message, a form to fill in, or an appointment, you will find it on this page.".into());
    }
    Section {
        paragraphs,
        ..Section::default()
    }
}

fn unread_section(unread: Vec<UnreadRow>) -> Option<Section> {
    if unread.is_empty() {
        return None;
    }
    let total: u64 = unread.iter().map(|t| t.unread).sum();
    Some(Section {
        heading: Some("New messages".into()),
        paragraphs: vec![if total == 1 {
            "Your practice sent you a message you have not read yet.".to_owned()
        } else {
            format!("Your practice sent you {total} messages you have not read yet.")
        }],
        table: Some(TableSpec {
            caption: "Conversations with new messages".into(),
            headers: vec!["Subject".into(), "New".into(), "Last message".into()],
            rows: unread
                .into_iter()
                .map(|t| {
                    vec![
                        Cell::Link {
                            href: t.href,
                            label: t.subject,
                        },
                        Cell::Text(format!("{} new", t.unread)),
                        Cell::Text(t.last_message),
                    ]
                })
                .collect(),
        }),
        actions: vec![ActionSpec::link("/messages", "Open your messages", true)],
        ..Section::default()
    })
}

fn forms_section(forms: Vec<WaitingFormRow>) -> Option<Section> {
    if forms.is_empty() {
        return None;
    }
    Some(Section {
        heading: Some("Forms to fill in".into()),
        paragraphs: vec!["Your practice sent you a link for each of these, by message or email. Open that link to fill the form in.".into()],
        table: Some(TableSpec {
            caption: "Forms waiting for you".into(),
            headers: vec!["Form".into(), "Link open until".into()],
            rows: forms
                .into_iter()
                .map(|f| vec![Cell::Text(f.name), Cell::Text(f.open_until)])
                .collect(),
        }),
        ..Section::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unread(n: u64) -> UnreadRow {
        UnreadRow {
            href: "/messages/t".into(),
            subject: "Hello".into(),
            unread: n,
            last_message: "today".into(),
        }
    }

    #[test]
    fn nothing_here_yet_only_when_nothing_waits() {
        let empty = client_home_sections(ClientHomeView {
            nothing_waits: true,
            ..ClientHomeView::default()
        });
        assert_eq!(empty.len(), 1, "only the introduction");
        assert_eq!(empty[0].paragraphs.len(), 2);
        let forms = client_home_sections(ClientHomeView {
            forms: vec![WaitingFormRow {
                name: "Intake".into(),
                open_until: "Friday".into(),
            }],
            offer_codes: true,
            ..ClientHomeView::default()
        });
        let shown: Vec<Option<&str>> = forms.iter().map(|s| s.heading.as_deref()).collect();
        assert_eq!(
            shown,
            [
                None,
                Some("Forms to fill in"),
                Some("Extra protection (optional)")
            ]
        );
        assert_eq!(forms[0].paragraphs.len(), 1);
    }

    #[test]
    fn the_new_messages_are_counted_across_conversations() {
        let one = client_home_sections(ClientHomeView {
            unread: vec![unread(1)],
            ..ClientHomeView::default()
        });
        assert_eq!(
            one[1].paragraphs,
            ["Your practice sent you a message you have not read yet."]
        );
        let three = client_home_sections(ClientHomeView {
            unread: vec![unread(1), unread(2)],
            ..ClientHomeView::default()
        });
        assert!(three[1].paragraphs[0].contains(" 3 messages "));
        assert_eq!(three[1].table.as_ref().unwrap().rows.len(), 2);
    }
}
