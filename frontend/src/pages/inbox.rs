//! The messaging pages' wording: the inbox (conversations, unread first) and the form to
//! start a conversation. The services decide who sees which column and which fields; these
//! functions turn their answer into sections and fields.

use crate::views_app::{ActionSpec, Cell, Field, FieldKind, Section, TableSpec};

/// The inbox page's title and heading.
pub const INBOX_TITLE: &str = "Messages";

/// The inbox as the services returned it.
#[derive(Clone, Debug, Default)]
pub struct InboxView {
    /// Show whom each conversation is with (the practice sees every client's).
    pub client_column: bool,
    pub rows: Vec<InboxRow>,
    /// Where the next (older) page starts, when there is one.
    pub next: Option<String>,
    /// This page came after "Older conversations" (it offers the way back).
    pub older: bool,
    /// The client the inbox is narrowed to (id, name).
    pub about: Option<(String, String)>,
}

/// One conversation in the inbox.
#[derive(Clone, Debug)]
pub struct InboxRow {
    pub href: String,
    pub subject: String,
    pub closed: bool,
    pub client: String,
    pub unread: u64,
    /// When the last message was sent, as shown.
    pub last_message: String,
}

/// The inbox's one section: the table of conversations, or a line saying there are none.
pub fn inbox_section(view: InboxView) -> Section {
    let client_column = view.client_column;
    let mut headers = vec!["Subject".to_owned()];
    if client_column {
        headers.push("Client".into());
    }
    headers.extend(["Unread".to_owned(), "Last message".to_owned()]);
    let rows: Vec<Vec<Cell>> = view
        .rows
        .into_iter()
        .map(|t| {
            let label = if t.closed {
                format!("{} (closed)", t.subject)
            } else {
                t.subject
            };
            let mut row = vec![Cell::Link {
                href: t.href,
                label,
            }];
            if client_column {
                row.push(Cell::Text(t.client));
            }
            row.push(Cell::Text(if t.unread > 0 {
                format!("{} new", t.unread)
            } else {
                "—".into()
            }));
            row.push(Cell::Text(t.last_message));
            row
        })
        .collect();
    let empty = rows.is_empty();
    let mut paragraphs = Vec::new();
    let mut actions = vec![ActionSpec::link(
        "/messages/new",
        "Write a new message",
        true,
    )];
    let about_query = match &view.about {
        Some((id, name)) => {
            paragraphs.push(format!("Conversations with {name}."));
            actions.push(ActionSpec::link("/messages", "All conversations", false));
            format!("client={id}&")
        }
        None => String::new(),
    };
    if empty {
        paragraphs.push(if view.older {
            "No older conversations.".into()
        } else {
            "No messages yet.".into()
        });
    }
    if let Some(next) = &view.next {
        actions.push(ActionSpec::link(
            &format!("/messages?{about_query}after={next}"),
            "Older conversations",
            false,
        ));
    }
    if view.older {
        let newest = match &view.about {
            Some((id, _)) => format!("/messages?client={id}"),
            None => "/messages".into(),
        };
        actions.push(ActionSpec::link(&newest, "Back to the newest", false));
    }
    Section {
        paragraphs,
        table: (!empty).then(|| TableSpec {
            caption: "Conversations, unread first".into(),
            headers,
            rows,
        }),
        actions,
        ..Section::default()
    }
}

/// The form to start a conversation, as the services allow it.
#[derive(Clone, Debug)]
pub struct ComposeView {
    /// The clients the practice may write to (value, name); `None` when a client writes,
    /// always to their practice.
    pub recipients: Option<Vec<(String, String)>>,
    pub client: String,
    pub subject: String,
    pub body: String,
    /// The file chooser, with the size limit in its help.
    pub file: Field,
}

/// The compose page's words and fields.
pub struct ComposeForm {
    pub title: &'static str,
    pub heading: &'static str,
    pub submit: &'static str,
    pub intro: Vec<String>,
    pub fields: Vec<Field>,
}

/// Where the compose form posts, and the page whose navigation link it marks.
pub const COMPOSE_ACTION: &str = "/messages";

/// Why a reply to a closed conversation is offered as a new message.
pub const REPLY_TO_CLOSED: &str = "This conversation is closed, so your reply was not sent. You can send it as a new message below (choose any file again).";

pub fn compose_form(view: ComposeView) -> ComposeForm {
    let mut fields = Vec::new();
    let to_practice = view.recipients.is_none();
    if let Some(recipients) = view.recipients {
        let mut options = vec![(String::new(), "Choose a client".to_owned())];
        options.extend(recipients);
        fields.push(Field::new("client", "To", FieldKind::Select(options)).value(&view.client));
    }
    fields.push(
        Field::new("subject", "Subject", FieldKind::Text)
            .value(&view.subject)
            .autocomplete("off"),
    );
    fields.push(Field::new("body", "Message", FieldKind::LongText).value(&view.body));
    fields.push(view.file);
    let intro = if to_practice {
        vec!["Your message goes securely to your practice. If you are in crisis, call or text 988, or call 911 — do not wait for a reply here.".into()]
    } else {
        Vec::new()
    };
    ComposeForm {
        title: "New message",
        heading: "Write a new message",
        submit: "Send",
        intro,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(subject: &str, closed: bool, unread: u64) -> InboxRow {
        InboxRow {
            href: "/messages/1".into(),
            subject: subject.into(),
            closed,
            client: "Ada Quokka".into(),
            unread,
            last_message: "today".into(),
        }
    }

    #[test]
    fn an_empty_inbox_says_so_and_offers_to_write() {
        let s = inbox_section(InboxView::default());
        assert_eq!(s.paragraphs, ["No messages yet."]);
        assert!(s.table.is_none());
        assert_eq!(s.actions.len(), 1);
    }

    #[test]
    fn the_client_column_appears_only_when_asked_for() {
        let practice = inbox_section(InboxView {
            client_column: true,
            rows: vec![row("Hello", true, 2)],
            ..InboxView::default()
        });
        let table = practice.table.unwrap();
        assert_eq!(
            table.headers,
            ["Subject", "Client", "Unread", "Last message"]
        );
        assert!(matches!(&table.rows[0][0], Cell::Link { label, .. } if label == "Hello (closed)"));
        assert!(matches!(&table.rows[0][2], Cell::Text(t) if t == "2 new"));

        let client = inbox_section(InboxView {
            client_column: false,
            rows: vec![row("Hello", false, 0)],
            ..InboxView::default()
        });
        let table = client.table.unwrap();
        assert_eq!(table.headers, ["Subject", "Unread", "Last message"]);
        assert!(matches!(&table.rows[0][1], Cell::Text(t) if t == "—"));
    }

    fn hrefs(s: &Section) -> Vec<(&str, &str)> {
        s.actions
            .iter()
            .filter_map(|a| match a {
                ActionSpec::Link { href, label, .. } => Some((href.as_str(), label.as_str())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_page_links_to_older_conversations_and_back_keeping_the_client() {
        let s = inbox_section(InboxView {
            client_column: false,
            rows: vec![row("Hello", false, 120)],
            next: Some("01ab".into()),
            older: true,
            about: Some(("c1".into(), "Ada Quokka".into())),
        });
        assert_eq!(s.paragraphs, ["Conversations with Ada Quokka."]);
        assert_eq!(
            hrefs(&s),
            [
                ("/messages/new", "Write a new message"),
                ("/messages", "All conversations"),
                ("/messages?client=c1&after=01ab", "Older conversations"),
                ("/messages?client=c1", "Back to the newest"),
            ]
        );
        let table = s.table.unwrap();
        assert!(matches!(&table.rows[0][1], Cell::Text(t) if t == "120 new"));

        let last = inbox_section(InboxView {
            older: true,
            ..InboxView::default()
        });
        assert_eq!(last.paragraphs, ["No older conversations."]);
        assert_eq!(hrefs(&last)[1], ("/messages", "Back to the newest"));
    }

    #[test]
    fn a_client_writes_to_the_practice_with_the_crisis_notice() {
        let file = Field::new("file", "File", FieldKind::File { accept: "" });
        let view = ComposeView {
            recipients: None,
            client: String::new(),
            subject: "s".into(),
            body: "b".into(),
            file: file.clone(),
        };
        let form = compose_form(view.clone());
        assert!(form.fields.iter().all(|f| f.name != "client"));
        assert!(form.intro[0].contains("988"));

        let form = compose_form(ComposeView {
            recipients: Some(vec![("id".into(), "Ada".into())]),
            ..view
        });
        assert_eq!(form.fields[0].name, "client");
        assert!(form.intro.is_empty());
    }
}
