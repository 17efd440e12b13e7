//! Messaging pages: the inbox, a new conversation, a conversation with its reply and
//! internal-note forms.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::inbox::{
    compose_form, inbox_section, ComposeView, InboxRow, InboxView, COMPOSE_ACTION, INBOX_TITLE,
    REPLY_TO_CLOSED,
};
use alcove_frontend::thread::{self, ConversationView};
use alcove_frontend::{Link, MessageItem};
use serde::Deserialize;

use super::disk_full;
use super::error::AppError;
use super::kit::{field_errors, nav, page, panel, query_id, see_other, signed_in_form, FormText};
use super::render::{chrome, human_size, human_time};
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use super::upload::{file_field, read_post, Posted};
use crate::domain::inbox::InboxQuery;
use crate::domain::ServiceError;
use crate::ids::ThreadId;
use crate::policy::AccountId;
use crate::store::messages::MessageKind;

csrf_form!(NewThreadForm {
    client: String,
    subject: String,
    body: String
});
csrf_form!(NoteForm { note: String });

/// `GET /messages?client=…&after=…`: a page of the inbox, unread first.
#[derive(Deserialize)]
pub struct InboxParams {
    client: Option<String>,
    after: Option<String>,
}

/// `GET /messages`: the inbox, unread first, a page at a time.
pub async fn inbox(
    s: SignedIn,
    ctx: Ctx,
    params: web::Query<InboxParams>,
) -> Result<HttpResponse, AppError> {
    let actor = s.actor();
    let params = params.into_inner();
    let query = InboxQuery {
        client: query_id(params.client.as_deref())?,
        after: params.after,
    };
    let inbox = ctx
        .blocking(move |services| services.inbox(&actor, &query))
        .await??;
    let about = inbox.about.map(|(id, name)| (id.to_string(), name));
    let view = InboxView {
        client_column: inbox.client_column && about.is_none(),
        rows: inbox
            .threads
            .into_iter()
            .map(|t| InboxRow {
                href: format!("/messages/{}", t.id),
                subject: t.subject,
                closed: t.closed,
                client: t.client_name,
                unread: t.unread,
                last_message: human_time(t.last_message_at),
            })
            .collect(),
        next: inbox.next,
        older: !inbox.first_page,
        about,
    };
    panel(
        &ctx,
        &s,
        "/messages",
        INBOX_TITLE,
        INBOX_TITLE,
        None,
        vec![inbox_section(view)],
    )
}

fn new_thread_page(
    ctx: &Ctx,
    s: &SignedIn,
    form: &NewThreadForm,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let compose = services.compose(&s.actor())?;
    let recipients = compose.recipients.map(|list| {
        list.into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect()
    });
    let form = compose_form(ComposeView {
        recipients,
        client: form.client.clone(),
        subject: form.subject.clone(),
        body: form.body.clone(),
        file: file_field(services),
    });
    let text = FormText {
        current: "/messages",
        title: form.title,
        heading: form.heading,
        action: COMPOSE_ACTION,
        submit: form.submit,
        intro: form.intro,
    };
    signed_in_form(ctx, s, text, form.fields, error, status)
}

/// `GET /messages/new`.
pub async fn new_thread(
    s: SignedIn,
    q: web::Query<ComposeQuery>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let Ctx {
        state, services, ..
    } = &ctx;
    services.writer(&s.actor())?;
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
    new_thread_page(&ctx, &s, &form, StatusCode::OK, None)
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
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let actor = s.actor();
    let own = services.writer(&actor)?.own_client();
    let choose = || ServiceError::invalid("client", "Please choose a client.");
    let posted = read_post(
        &req,
        services,
        payload,
        services.limits().attachment_max_bytes,
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
            new_thread_page(&ctx, &s, &f, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) if disk_full::is_disk_full(&e) => {
            disk_full::new_thread_draft(&ctx, &s, own.is_none(), &f)
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

async fn thread_page(
    ctx: &Ctx,
    s: &SignedIn,
    id: ThreadId,
    from: Option<u64>,
    status: StatusCode,
    draft: Option<Draft>,
) -> Result<HttpResponse, AppError> {
    let (state, csrf) = (&ctx.state, &ctx.csrf);
    let actor = s.actor();
    let model = ctx
        .blocking(move |services| services.thread_page(&actor, id, from))
        .await??;
    let view = &model.view;
    let messages = view
        .messages
        .iter()
        .map(|m| MessageItem {
            author: if model.by_reader(m) {
                thread::YOU.into()
            } else {
                m.author_name.clone()
            },
            when: human_time(m.sent_at),
            body: m.body.clone(),
            note: m.kind == MessageKind::InternalNote,
            mine: model.from_reader_side(m),
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
    let mut reply = thread::reply_fields(file_field(&ctx.services));
    let mut note = thread::note_fields();
    if let Some(d) = draft {
        let fields = if d.note { &mut note } else { &mut reply };
        fields[0].value = d.text;
        if let Some(general) = field_errors(fields, Some(d.error))? {
            fields[0].error = Some(general);
        }
    }
    let page_view = thread::conversation_page(ConversationView {
        chrome: chrome(Some(state)),
        nav: Some(nav(&s.0, csrf, "/messages")),
        path: format!("/messages/{id}"),
        subject: view.thread.subject.clone(),
        with: model.with().map(str::to_owned),
        closed: view.thread.closed,
        messages,
        earlier_from: view.earlier_from,
        seen: view.seen_at.map(human_time),
        csrf: csrf.clone(),
        reply,
        note: view.notes_allowed.then_some(note),
        may_close: model.may_close,
    });
    let body = alcove_frontend::render_thread(page_view);
    Ok(page(status, body, ctx.cookie.clone()))
}

/// `GET /messages/{id}`.
pub async fn thread(
    s: SignedIn,
    id: web::Path<ThreadId>,
    q: web::Query<ThreadQuery>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    thread_page(&ctx, &s, id.into_inner(), q.from, StatusCode::OK, None).await
}

/// The conversation again, with the refused reply (or note) kept in its field.
async fn refused(
    ctx: &Ctx,
    s: &SignedIn,
    id: ThreadId,
    note: bool,
    text: String,
    error: ServiceError,
) -> Result<HttpResponse, AppError> {
    let draft = Draft { note, text, error };
    thread_page(ctx, s, id, None, StatusCode::BAD_REQUEST, Some(draft)).await
}

/// `POST /messages/{id}`: a reply, with an optional file.
pub async fn reply(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<ThreadId>,
    payload: web::Payload,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let id = id.into_inner();
    let actor = s.actor();
    let posted = read_post(
        &req,
        services,
        payload,
        services.limits().attachment_max_bytes,
        |_, name| services.begin_reply_upload(&actor, id, name),
    )
    .await?;
    let text = posted.field("body").to_owned();
    let result = match posted.file_error {
        Some(e) => Err(e),
        None => {
            let (actor, body, file) = (actor.clone(), text.clone(), posted.file);
            ctx.blocking(move |services| {
                services.write_message(&actor, id, &body, MessageKind::Message, file)
            })
            .await?
        }
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
            let why = ServiceError::invalid("body", REPLY_TO_CLOSED);
            new_thread_page(&ctx, &s, &form, StatusCode::CONFLICT, Some(why))
        }
        Err(e) if disk_full::is_disk_full(&e) => disk_full::reply_draft(&ctx, &s, id, &text),
        Err(error @ ServiceError::Invalid { .. }) => {
            refused(&ctx, &s, id, false, text, error).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /messages/{id}/note`: an internal note (practice only).
pub async fn note(
    s: SignedIn,
    id: web::Path<ThreadId>,
    form: Checked<NoteForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let text = form.0.note;
    let (actor, note) = (s.actor(), text.clone());
    let written = ctx
        .blocking(move |services| {
            services.write_message(&actor, id, &note, MessageKind::InternalNote, None)
        })
        .await?;
    match written {
        Ok(_) => Ok(see_other(&format!("/messages/{id}"), &[])),
        Err(e) if disk_full::is_disk_full(&e) => disk_full::note_draft(&ctx, &s, id, &text),
        Err(error @ ServiceError::Invalid { .. }) => refused(&ctx, &s, id, true, text, error).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /messages/{id}/close`: closes or reopens.
pub async fn close(
    s: SignedIn,
    id: web::Path<ThreadId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let view = services.read_thread(&s.actor(), id, None)?;
    services.set_thread_closed(&s.actor(), id, !view.thread.closed)?;
    Ok(see_other(&format!("/messages/{id}"), &[]))
}
