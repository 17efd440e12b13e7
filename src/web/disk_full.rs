//! When the server's disk is full: the person is told that nothing was saved, and the
//! form comes back with what they typed, ready to send again once there is room. The page
//! reads nothing from the store (which cannot record the read while the disk is full).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use alcove_frontend::{Field, FieldKind};

use super::error::AppError;
use super::kit::{signed_in_form, FormText};
use super::messages::NewThreadForm;
use super::session::{Ctx, SignedIn};
use super::upload::file_field;
use crate::domain::ServiceError;
use crate::ids::ThreadId;
use crate::store::StoreError;

/// 507 Insufficient Storage: the status of every "disk full" answer.
pub const STATUS: StatusCode = StatusCode::INSUFFICIENT_STORAGE;

pub const HEADING: &str = "The server's disk is full — nothing was saved; your text is below";

/// The heading of the status page, where no form could be kept.
pub const HEADING_NO_FORM: &str = "The server's disk is full — nothing was saved";

/// Did this fail because the server's disk had no room?
pub fn is_disk_full(error: &ServiceError) -> bool {
    matches!(error, ServiceError::Store(StoreError::DiskFull))
}

/// 507 for a full disk, else `status`: a form page shown again says which it was.
pub fn status_for(error: Option<&ServiceError>, status: StatusCode) -> StatusCode {
    if error.is_some_and(is_disk_full) {
        STATUS
    } else {
        status
    }
}

/// The form again, filled with what was typed, under the plain explanation.
fn draft_page(
    ctx: &Ctx,
    s: &SignedIn,
    current: &str,
    action: &str,
    fields: Vec<Field>,
) -> Result<HttpResponse, AppError> {
    tracing::error!(
        request_id = %super::frame::current_request_id(),
        "refused: the disk is full (the form is shown again with its text)"
    );
    let text = FormText {
        current,
        title: "Not saved: the disk is full",
        heading: HEADING,
        action,
        submit: "Try again",
        intro: vec![
            "The server ran out of storage space, so what you sent was not saved. Your text is kept in the form below: copy it somewhere safe if you like, and try again in a few minutes.".into(),
            "If you attached a file, choose it again before you send.".into(),
            "If you run this portal: free up space on the server's disk. The portal starts saving again by itself, without a restart.".into(),
        ],
    };
    signed_in_form(ctx, s, text, fields, None, STATUS)
}

/// A reply that met a full disk, ready to send again.
pub fn reply_draft(
    ctx: &Ctx,
    s: &SignedIn,
    id: ThreadId,
    text: &str,
) -> Result<HttpResponse, AppError> {
    let fields = vec![
        Field::new("body", "Your message", FieldKind::LongText)
            .value(text)
            .optional(),
        file_field(&ctx.services),
    ];
    draft_page(ctx, s, "/messages", &format!("/messages/{id}"), fields)
}

/// An internal note that met a full disk.
pub fn note_draft(
    ctx: &Ctx,
    s: &SignedIn,
    id: ThreadId,
    text: &str,
) -> Result<HttpResponse, AppError> {
    let fields =
        vec![Field::new("note", "Note for the practice team", FieldKind::LongText).value(text)];
    draft_page(ctx, s, "/messages", &format!("/messages/{id}/note"), fields)
}

/// A new conversation that met a full disk. The practice's choice of client is kept as
/// it was: the client list cannot be read (and its reading recorded) right now.
pub fn new_thread_draft(
    ctx: &Ctx,
    s: &SignedIn,
    choose_client: bool,
    f: &NewThreadForm,
) -> Result<HttpResponse, AppError> {
    let mut fields = Vec::new();
    if choose_client {
        let chosen = vec![(f.client.clone(), "The client you chose".to_owned())];
        fields.push(Field::new("client", "To", FieldKind::Select(chosen)).value(&f.client));
    }
    fields.push(Field::new("subject", "Subject", FieldKind::Text).value(&f.subject));
    fields.push(Field::new("body", "Message", FieldKind::LongText).value(&f.body));
    fields.push(file_field(&ctx.services));
    draft_page(ctx, s, "/messages", "/messages", fields)
}

/// The practice home's section about a disk that filled up, for whoever runs the practice.
pub fn home_section(
    services: &crate::domain::Services,
    actor: &crate::policy::Actor,
) -> Option<alcove_frontend::Section> {
    let notice = services.storage_notice(actor)?;
    let mut paragraphs = Vec::new();
    if notice.refusing {
        paragraphs.push("The server's disk is full: nothing new can be saved right now, and people who send something are told so, with their text kept on the page.".to_owned());
    }
    if notice.disk_full_refusals > 0 {
        paragraphs.push(format!(
            "Since the server started, {} {} refused because the disk was full. Nothing already saved was lost.{}",
            notice.disk_full_refusals,
            if notice.disk_full_refusals == 1 { "save was" } else { "saves were" },
            if notice.refusing { "" } else { " The portal started saving again by itself once there was room." }
        ));
    }
    paragraphs.push(
        "Free up space on the disk that holds the data directory, or move it to a larger one."
            .to_owned(),
    );
    Some(alcove_frontend::Section {
        heading: Some("Disk space".into()),
        paragraphs,
        ..alcove_frontend::Section::default()
    })
}
