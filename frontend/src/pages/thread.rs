//! A conversation: messages oldest first, a "seen" receipt, the reply form, and for the
//! practice the internal-note form.

use leptos::prelude::*;

use super::app::{action_view, field_view, nav_bar};
use crate::layout::Layout;
use crate::views::Chrome;
use crate::views_app::{
    ActionSpec, Field, FieldKind, FormSpec, Link, MessageItem, Nav, ThreadPage,
};

/// How a message the reader wrote themselves is signed.
pub const YOU: &str = "You";

/// A conversation as the services allowed the reader to see it, before its wording.
pub struct ConversationView {
    pub chrome: Chrome,
    pub nav: Option<Nav>,
    /// The conversation's path (`/messages/{id}`).
    pub path: String,
    pub subject: String,
    /// Whom it is with; `None` for a client, whose conversations are with their practice.
    pub with: Option<String>,
    pub closed: bool,
    pub messages: Vec<MessageItem>,
    /// The first message of the previous page, when there is one.
    pub earlier_from: Option<u64>,
    /// When the other side read the reader's side's latest message, as shown.
    pub seen: Option<String>,
    pub csrf: String,
    /// The reply form's fields (`reply_fields`, with any draft); shown while open.
    pub reply: Vec<Field>,
    /// The internal-note form's fields, for those who may write notes.
    pub note: Option<Vec<Field>>,
    /// Closing and reopening, for those who may.
    pub may_close: bool,
}

/// The reply form's fields: the message (optional when a file goes with it) and `file`.
pub fn reply_fields(file: Field) -> Vec<Field> {
    let mut body = Field::new("body", "Your message", FieldKind::LongText)
        .help("You can leave this empty when you send a file.");
    body.required = false;
    vec![body, file]
}

/// The internal-note form's field.
pub fn note_fields() -> Vec<Field> {
    vec![
        Field::new("note", "Note for the practice team", FieldKind::LongText)
            .help("Only practice staff with access to messages see this. The client never does."),
    ]
}

/// The conversation page, worded.
pub fn conversation_page(view: ConversationView) -> ThreadPage {
    let path = view.path;
    let closed = view.closed;
    let mut actions = vec![ActionSpec::Link {
        href: "/messages".into(),
        label: "Back to messages".into(),
        primary: false,
    }];
    if view.may_close {
        actions.push(ActionSpec::Post {
            action: format!("{path}/close"),
            csrf: view.csrf.clone(),
            label: if closed {
                "Reopen conversation"
            } else {
                "Close conversation"
            }
            .into(),
            primary: false,
        });
    }
    ThreadPage {
        chrome: view.chrome,
        nav: view.nav,
        subject: view.subject,
        meta: format!(
            "With {} · {}",
            view.with.as_deref().unwrap_or("your practice"),
            if closed { "Closed" } else { "Open" }
        ),
        notice: closed.then(|| {
            "This conversation is closed. Start a new message if you need to write again."
                .to_owned()
        }),
        earlier: view.earlier_from.map(|n| Link {
            href: format!("{path}?from={n}"),
            label: "Show earlier messages".into(),
        }),
        messages: view.messages,
        receipt: view.seen.map(|at| format!("Seen {at}")),
        reply: (!closed).then(|| FormSpec {
            action: path.clone(),
            csrf: view.csrf.clone(),
            fields: view.reply,
            submit: "Send".into(),
        }),
        note: view.note.map(|fields| FormSpec {
            action: format!("{path}/note"),
            csrf: view.csrf.clone(),
            fields,
            submit: "Save note".into(),
        }),
        actions,
    }
}

fn form_view(form: FormSpec, heading: &'static str) -> impl IntoView {
    let enctype = crate::views_app::sends_file(&form.fields).then_some("multipart/form-data");
    let fields = form.fields.into_iter().map(field_view).collect_view();
    view! {
        <section class="card">
            <h2>{heading}</h2>
            <form class="stack" method="post" action=form.action enctype=enctype>
                <input type="hidden" name="csrf" value=form.csrf/>
                {fields}
                <button type="submit" class="button primary">{form.submit}</button>
            </form>
        </section>
    }
}

pub fn render_thread(page: ThreadPage) -> String {
    crate::document(move || {
        let notice = page
            .notice
            .map(|n| view! { <p class="notice" role="status">{n}</p> });
        let earlier = page
            .earlier
            .map(|l| view! { <p><a href=l.href>{l.label}</a></p> });
        let messages = page
            .messages
            .into_iter()
            .map(|m| {
                let class = match (m.note, m.mine) {
                    (true, _) => "message note",
                    (false, true) => "message mine",
                    (false, false) => "message theirs",
                };
                let files = (!m.files.is_empty()).then(|| {
                    let items = m
                        .files
                        .into_iter()
                        .map(|f| view! { <li><a href=f.href download="">{f.label}</a></li> })
                        .collect_view();
                    view! { <ul class="files" aria-label="Attached files">{items}</ul> }
                });
                let label = m.note.then(|| view! { <p class="note-label">"Internal note — never shown to the client"</p> });
                view! {
                    <li class=class>
                        {label}
                        <p class="message-meta"><strong>{m.author}</strong>" · "{m.when}</p>
                        <p class="message-body">{m.body}</p>
                        {files}
                    </li>
                }
            })
            .collect_view();
        let receipt = page.receipt.map(|r| view! { <p class="receipt">{r}</p> });
        let reply = page.reply.map(|f| form_view(f, "Reply"));
        let note = page.note.map(|f| form_view(f, "Internal note"));
        let actions = (!page.actions.is_empty()).then(|| {
            let items = page.actions.into_iter().map(action_view).collect_view();
            view! { <div class="actions">{items}</div> }
        });
        view! {
            <Layout chrome=page.chrome title=page.subject.clone()>
                {nav_bar(page.nav)}
                <h1>{page.subject}</h1>
                <p class="help">{page.meta}</p>
                {notice}
                {earlier}
                <ol class="messages">{messages}</ol>
                {receipt}
                {reply}
                {note}
                {actions}
            </Layout>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(with: Option<&str>, closed: bool, may_close: bool) -> ConversationView {
        ConversationView {
            chrome: Chrome {
                practice_name: "P".into(),
                stylesheet_href: "/a.css".into(),
                icon_href: "/i.svg".into(),
            },
            nav: None,
            path: "/messages/ab".into(),
            subject: "Scheduling".into(),
            with: with.map(str::to_owned),
            closed,
            messages: Vec::new(),
            earlier_from: Some(3),
            seen: None,
            csrf: "t".into(),
            reply: reply_fields(Field::new("file", "File", FieldKind::File { accept: "" })),
            note: None,
            may_close,
        }
    }

    #[test]
    fn a_client_sees_their_practice_and_no_close_button() {
        let page = conversation_page(view(None, false, false));
        assert_eq!(page.meta, "With your practice · Open");
        assert_eq!(page.actions.len(), 1);
        assert!(page.reply.is_some() && page.note.is_none() && page.notice.is_none());
        assert_eq!(page.earlier.unwrap().href, "/messages/ab?from=3");
    }

    #[test]
    fn a_closed_conversation_takes_no_reply_and_offers_to_reopen() {
        let page = conversation_page(view(Some("Ada Quokka"), true, true));
        assert_eq!(page.meta, "With Ada Quokka · Closed");
        assert!(page.reply.is_none() && page.notice.is_some());
        assert!(
            matches!(&page.actions[1], ActionSpec::Post { label, action, .. }
            if label == "Reopen conversation" && action == "/messages/ab/close")
        );
    }
}
