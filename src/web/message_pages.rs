//! Messaging pages: the inbox, a new conversation, a conversation with its reply and
//! internal-note forms.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{
    ActionSpec, Cell, Field, FieldKind, FormSpec, Link, MessageItem, Section, TableSpec, ThreadPage,
};
use serde::Deserialize;

use super::disk_full;
use super::error::AppError;
use super::forms::{
    field_errors, nav, page, see_other, signed_in_form, FormText, NewThreadForm, NoteForm,
    TokenOnly,
};
use super::practice_pages::{link, panel};
use super::render::{chrome, human_size, human_time};
use super::session::{form_token, services, Checked, SignedIn};
use super::upload::{file_field, read_post, Posted};
use crate::domain::ServiceError;
use crate::ids::ThreadId;
use crate::policy::{AccountId, Actor, Role};
use crate::store::messages::MessageKind;

fn is_client(actor: &Actor) -> bool {
    matches!(
        actor,
        Actor::Account {
            role: Role::Client,
            ..
        }
    )
}

/// May this person write messages at all (a client: with the practice; the practice: with
/// clients)? Asked of the policy before showing or taking the new-message form.
fn check_scope(req: &HttpRequest, s: &SignedIn) -> Result<(), AppError> {
    let (_, services) = services(req)?;
    let actor = s.actor();
    let scope = if is_client(&actor) {
        crate::policy::Target::Client(s.0.account.id)
    } else {
        crate::policy::Target::Practice
    };
    services.authorize(&actor, crate::policy::Action::ListThreads, scope)?;
    Ok(())
}

/// `GET /messages`: the inbox, unread first.
pub async fn inbox(req: HttpRequest, s: SignedIn) -> Result<HttpResponse, AppError> {
    let (_, services) = services(&req)?;
    let actor = s.actor();
    let threads = services.inbox(&actor)?;
    let client = is_client(&actor);
    let mut headers = vec!["Subject".to_owned()];
    if !client {
        headers.push("Client".into());
    }
    headers.extend(["Unread".to_owned(), "Last message".to_owned()]);
    let rows: Vec<Vec<Cell>> = threads
        .into_iter()
        .map(|t| {
            let subject = if t.closed {
                format!("{} (closed)", t.subject)
            } else {
                t.subject
            };
            let mut row = vec![Cell::Link {
                href: format!("/messages/{}", t.id),
                label: subject,
            }];
            if !client {
                row.push(Cell::Text(t.client_name));
            }
            row.push(Cell::Text(if t.unread > 0 {
                format!("{} new", t.unread)
            } else {
                "—".into()
            }));
            row.push(Cell::Text(human_time(t.last_message_at)));
            row
        })
        .collect();
    let empty = rows.is_empty();
    panel(
        &req,
        &s,
        "/messages",
        "Messages",
        "Messages",
        None,
        vec![Section {
            paragraphs: if empty {
                vec!["No messages yet.".into()]
            } else {
                vec![]
            },
            table: (!empty).then(|| TableSpec {
                caption: "Conversations, unread first".into(),
                headers,
                rows,
            }),
            actions: vec![link("/messages/new", "Write a new message", true)],
            ..Section::default()
        }],
    )
}

fn new_thread_page(
    req: &HttpRequest,
    s: &SignedIn,
    form: &NewThreadForm,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let (_, services) = services(req)?;
    let actor = s.actor();
    let mut fields = Vec::new();
    if !is_client(&actor) {
        let mut options = vec![(String::new(), "Choose a client".to_owned())];
        options.extend(
            services
                .message_recipients(&actor)?
                .into_iter()
                .map(|(id, name)| (id.to_string(), name)),
        );
        fields.push(Field::new("client", "To", FieldKind::Select(options)).value(&form.client));
    }
    fields.push(
        Field::new("subject", "Subject", FieldKind::Text)
            .value(&form.subject)
            .autocomplete("off"),
    );
    fields.push(Field::new("body", "Message", FieldKind::LongText).value(&form.body));
    fields.push(file_field(&services));
    let intro = if is_client(&actor) {
        vec!["Your message goes securely to your practice. If you are in crisis, call or text 988, or call 911 — do not wait for a reply here.".into()]
    } else {
        Vec::new()
    };
    let text = FormText {
        current: "/messages",
        title: "New message",
        heading: "Write a new message",
        action: "/messages",
        submit: "Send",
        intro,
    };
    signed_in_form(req, s, text, fields, error, status)
}

/// `GET /messages/new`.
pub async fn new_thread(
    req: HttpRequest,
    s: SignedIn,
    q: web::Query<ComposeQuery>,
) -> Result<HttpResponse, AppError> {
    check_scope(&req, &s)?;
    let (state, services) = services(&req)?;
    let client = q.client.clone().unwrap_or_default();
    // Starting from a template: its text, filled in for the chosen client.
    let (subject, body) = match (
        q.template
            .as_deref()
            .and_then(crate::ids::TemplateId::parse),
        AccountId::parse(&client),
    ) {
        (Some(template), Some(client_id)) => {
            let name = services
                .templates(&s.actor())?
                .into_iter()
                .find(|t| t.id == template)
                .map(|t| t.name)
                .ok_or(AppError::NotFound)?;
            let body = services.filled_template(
                &s.actor(),
                template,
                client_id,
                &state.practice_name(),
            )?;
            (name, body)
        }
        _ => (String::new(), String::new()),
    };
    let form = NewThreadForm {
        csrf: String::new(),
        client,
        subject,
        body,
    };
    new_thread_page(&req, &s, &form, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct ComposeQuery {
    client: Option<String>,
    template: Option<String>,
}

/// `POST /messages`: starts a conversation, with an optional file.
pub async fn create_thread(
    req: HttpRequest,
    s: SignedIn,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    check_scope(&req, &s)?;
    let (_, services) = services(&req)?;
    let actor = s.actor();
    let own = is_client(&actor).then_some(s.0.account.id);
    let choose = || ServiceError::invalid("client", "Please choose a client.");
    let posted = read_post(
        &req,
        payload,
        services.limits.attachment_max_bytes,
        |fields, name| {
            let client = own
                .or_else(|| AccountId::parse(fields.get("client").map_or("", String::as_str)))
                .ok_or_else(choose)?;
            services.begin_upload(&actor, client, name)
        },
    )
    .await?;
    let Posted {
        fields,
        file,
        file_error,
        ..
    } = posted;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let f = NewThreadForm {
        csrf: String::new(),
        client: get("client"),
        subject: get("subject"),
        body: get("body"),
    };
    let result = match (file_error, own.or_else(|| AccountId::parse(&f.client))) {
        (Some(e), _) => Err(e),
        (None, Some(client)) => services.start_thread(&actor, client, &f.subject, &f.body, file),
        (None, None) => Err(choose()),
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/messages/{id}"), &[])),
        Err(e @ ServiceError::Invalid { .. }) => {
            new_thread_page(&req, &s, &f, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) if disk_full::is_disk_full(&e) => {
            disk_full::new_thread_draft(&req, &s, own.is_none(), &f)
        }
        Err(e) => Err(e.into()),
    }
}

/// What was typed into a refused reply or note, and why it was refused.
pub struct Draft {
    pub note: bool,
    pub text: String,
    pub error: ServiceError,
}

#[derive(Deserialize)]
pub struct ThreadQuery {
    from: Option<u64>,
}

fn thread_page(
    req: &HttpRequest,
    s: &SignedIn,
    id: ThreadId,
    from: Option<u64>,
    status: StatusCode,
    draft: Option<Draft>,
) -> Result<HttpResponse, AppError> {
    let (state, services) = services(req)?;
    let actor = s.actor();
    let view = services.read_thread(&actor, id, from)?;
    let (csrf, c) = form_token(req, &services);
    let client = is_client(&actor);
    let t = &view.thread;
    let meta = if client {
        format!(
            "With your practice · {}",
            if t.closed { "Closed" } else { "Open" }
        )
    } else {
        format!(
            "With {} · {}",
            view.client_name,
            if t.closed { "Closed" } else { "Open" }
        )
    };
    let messages = view
        .messages
        .iter()
        .map(|m| MessageItem {
            author: if m.from_client == client && m.author == s.0.account.id {
                "You".into()
            } else {
                m.author_name.clone()
            },
            when: human_time(m.sent_at),
            body: m.body.clone(),
            note: m.kind == MessageKind::InternalNote,
            mine: m.from_client == client,
            files: m
                .attachments
                .iter()
                .map(|a| Link {
                    href: format!("/messages/{id}/files/{}", a.id),
                    label: format!("{} ({}, {})", a.name, a.kind.label(), human_size(a.size)),
                })
                .collect(),
        })
        .collect();
    let mut reply_fields = vec![
        Field::new("body", "Your message", FieldKind::LongText)
            .help("You can leave this empty when you send a file."),
        file_field(&services),
    ];
    reply_fields[0].required = false;
    let mut note_fields =
        vec![
            Field::new("note", "Note for the practice team", FieldKind::LongText).help(
                "Only practice staff with access to messages see this. The client never does.",
            ),
        ];
    if let Some(d) = draft {
        let fields = if d.note {
            &mut note_fields
        } else {
            &mut reply_fields
        };
        fields[0].value = d.text;
        if let Some(general) = field_errors(fields, Some(d.error))? {
            fields[0].error = Some(general);
        }
    }
    let reply = (!t.closed).then(|| FormSpec {
        action: format!("/messages/{id}"),
        csrf: csrf.clone(),
        fields: reply_fields,
        submit: "Send".into(),
    });
    let note = view.notes_allowed.then(|| FormSpec {
        action: format!("/messages/{id}/note"),
        csrf: csrf.clone(),
        fields: note_fields,
        submit: "Save note".into(),
    });
    let mut actions = vec![ActionSpec::Link {
        href: "/messages".into(),
        label: "Back to messages".into(),
        primary: false,
    }];
    if !client {
        let label = if t.closed {
            "Reopen conversation"
        } else {
            "Close conversation"
        };
        actions.push(ActionSpec::Post {
            action: format!("/messages/{id}/close"),
            csrf: csrf.clone(),
            label: label.into(),
            primary: false,
        });
    }
    let body = alcove_frontend::render_thread(ThreadPage {
        chrome: chrome(Some(&state)),
        nav: Some(nav(&s.0, &csrf, "/messages")),
        subject: t.subject.clone(),
        meta,
        notice: t.closed.then(|| {
            "This conversation is closed. Start a new message if you need to write again."
                .to_owned()
        }),
        earlier: view.earlier_from.map(|n| Link {
            href: format!("/messages/{id}?from={n}"),
            label: "Show earlier messages".into(),
        }),
        messages,
        receipt: view.seen_at.map(|at| format!("Seen {}", human_time(at))),
        reply,
        note,
        actions,
    });
    Ok(page(status, body, c))
}

/// `GET /messages/{id}`.
pub async fn thread(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<ThreadId>,
    q: web::Query<ThreadQuery>,
) -> Result<HttpResponse, AppError> {
    thread_page(&req, &s, id.into_inner(), q.from, StatusCode::OK, None)
}

fn refused(
    req: &HttpRequest,
    s: &SignedIn,
    id: ThreadId,
    draft: Draft,
) -> Result<HttpResponse, AppError> {
    thread_page(req, s, id, None, StatusCode::BAD_REQUEST, Some(draft))
}

/// `POST /messages/{id}`: a reply, with an optional file.
pub async fn reply(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<ThreadId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (_, services) = services(&req)?;
    let id = id.into_inner();
    let actor = s.actor();
    let posted = read_post(
        &req,
        payload,
        services.limits.attachment_max_bytes,
        |_, name| services.begin_reply_upload(&actor, id, name),
    )
    .await?;
    let text = posted.field("body").to_owned();
    let result = match posted.file_error {
        Some(e) => Err(e),
        None => services.write_message(&actor, id, &text, MessageKind::Message, posted.file),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/messages/{id}"), &[])),
        Err(ServiceError::ThreadClosed(closed)) => {
            let crate::domain::messages::ClosedThread { subject, client } = closed;
            // Offer the same words as a new conversation, with the person's text kept.
            let subject: String = format!("Re: {subject}")
                .chars()
                .take(crate::domain::messages::MAX_SUBJECT)
                .collect();
            let form = NewThreadForm {
                csrf: String::new(),
                client: client.to_string(),
                subject,
                body: text,
            };
            let why = ServiceError::invalid(
                "body",
                "This conversation is closed, so your reply was not sent. You can send it as a new message below (choose any file again).",
            );
            new_thread_page(&req, &s, &form, StatusCode::CONFLICT, Some(why))
        }
        Err(e) if disk_full::is_disk_full(&e) => disk_full::reply_draft(&req, &s, id, &text),
        Err(error @ ServiceError::Invalid { .. }) => refused(
            &req,
            &s,
            id,
            Draft {
                note: false,
                text,
                error,
            },
        ),
        Err(e) => Err(e.into()),
    }
}

/// `POST /messages/{id}/note`: an internal note (practice only).
pub async fn note(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<ThreadId>,
    form: Checked<NoteForm>,
) -> Result<HttpResponse, AppError> {
    let (_, services) = services(&req)?;
    let id = id.into_inner();
    let text = form.0.note;
    match services.write_message(&s.actor(), id, &text, MessageKind::InternalNote, None) {
        Ok(_) => Ok(see_other(&format!("/messages/{id}"), &[])),
        Err(e) if disk_full::is_disk_full(&e) => disk_full::note_draft(&req, &s, id, &text),
        Err(error @ ServiceError::Invalid { .. }) => refused(
            &req,
            &s,
            id,
            Draft {
                note: true,
                text,
                error,
            },
        ),
        Err(e) => Err(e.into()),
    }
}

/// `POST /messages/{id}/close`: closes or reopens.
pub async fn close(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<ThreadId>,
    _f: Checked<TokenOnly>,
) -> Result<HttpResponse, AppError> {
    let (_, services) = services(&req)?;
    let id = id.into_inner();
    let view = services.read_thread(&s.actor(), id, None)?;
    services.set_thread_closed(&s.actor(), id, !view.thread.closed)?;
    Ok(see_other(&format!("/messages/{id}"), &[]))
}
