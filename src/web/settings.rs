//! The owner's practice settings: automatic replies and message templates.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, Field, FieldKind, Section};

use super::error::AppError;
use super::kit::{
    field_errors, form_page, link, nav, page, panel, see_other, signed_in_form, FormText,
};
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::ServiceError;

csrf_form!(TemplateForm {
    name: String,
    body: String
});
csrf_form!(AutoReplyForm {
    crisis_notice: String,
    away_message: String,
    away_from: String,
    away_until: String
});

/// `GET /settings/templates` (owner): the practice's message templates.
pub async fn templates(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, csrf, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(
        &services,
        crate::policy::Action::ManagePractice,
        crate::policy::Target::Practice,
    )?;
    let mut sections = vec![Section {
        paragraphs: vec![format!(
            "Templates may use {}. They are filled in when you start a message from a client's page.",
            crate::domain::templates::PLACEHOLDERS.join(", ")
        )],
        actions: vec![link("/settings/templates/new", "Add a template", true)],
        ..Section::default()
    }];
    for t in services.templates(&s.actor())? {
        sections.push(Section {
            heading: Some(t.name),
            paragraphs: vec![t.body],
            actions: vec![ActionSpec::Post {
                action: format!("/settings/templates/{}/delete", t.id),
                csrf: csrf.clone(),
                label: "Remove".into(),
                primary: false,
            }],
            ..Section::default()
        });
    }
    panel(
        &Ctx::of(&req)?,
        &s,
        "",
        "Templates",
        "Message templates",
        None,
        sections,
    )
}

fn template_form(
    req: &HttpRequest,
    s: &SignedIn,
    name: &str,
    body: &str,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, .. } = Ctx::of(req)?;
    s.require(
        &services,
        crate::policy::Action::ManagePractice,
        crate::policy::Target::Practice,
    )?;
    let fields = vec![
        Field::new("name", "Name", FieldKind::Text)
            .value(name)
            .autocomplete("off"),
        Field::new("body", "Text", FieldKind::LongText)
            .value(body)
            .help("You may use {client_first_name}, {practice_name} and {appointment_time}."),
    ];
    let text = FormText {
        current: "",
        title: "Add a template",
        heading: "Add a template",
        action: "/settings/templates",
        submit: "Save template",
        intro: Vec::new(),
    };
    signed_in_form(&Ctx::of(req)?, s, text, fields, error, status)
}

/// `GET /settings/templates/new` (owner).
pub async fn new_template(req: HttpRequest, s: SignedIn) -> Result<HttpResponse, AppError> {
    template_form(&req, &s, "", "", StatusCode::OK, None)
}

/// `POST /settings/templates` (owner).
pub async fn add_template(
    req: HttpRequest,
    s: SignedIn,
    form: Checked<TemplateForm>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    match services.add_template(&s.actor(), &f.name, &f.body) {
        Ok(()) => Ok(see_other("/settings/templates", &[])),
        Err(e) if e.keeps_draft() => {
            template_form(&req, &s, &f.name, &f.body, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/templates/{template}/delete` (owner).
pub async fn remove_template(
    s: SignedIn,
    id: web::Path<crate::ids::TemplateId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(
        &services,
        crate::policy::Action::ManagePractice,
        crate::policy::Target::Practice,
    )?;
    let id = id.into_inner();
    services.remove_template(&s.actor(), id)?;
    Ok(see_other("/settings/templates", &[]))
}

fn auto_reply_page(
    req: &HttpRequest,
    s: &SignedIn,
    values: &crate::store::practice::AutoReply,
    status: StatusCode,
    notice: Option<String>,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let (state, _, csrf, c) = Ctx::of(req)?.parts();
    let mut fields = vec![
        Field::new("crisis_notice", "Crisis notice", FieldKind::LongText).value(&values.crisis_notice)
            .help("Sent automatically in reply to a client's message, at most once per conversation every 12 hours."),
        Field::new("away_message", "Away message", FieldKind::LongText).value(&values.away_message).optional()
            .help("Added to the automatic reply on the days below, for example \"I am away until 3 March and will answer when I am back.\""),
        Field::new("away_from", "First day away", FieldKind::Date).value(&values.away_from).optional(),
        Field::new("away_until", "Last day away", FieldKind::Date).value(&values.away_until).optional(),
    ];
    let general = field_errors(&mut fields, error)?;
    let mut p = form_page(
        &state,
        "Automatic replies",
        "Automatic replies",
        "/settings/auto-reply",
        &csrf,
        fields,
        "Save",
    );
    p.nav = Some(nav(&s.0, &csrf, ""));
    p.notice = notice;
    p.error = general;
    Ok(page(status, alcove_frontend::render_form(p), c))
}

/// `GET /settings/auto-reply` (owner).
pub async fn auto_reply_form(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let values = services.auto_reply_settings(&s.actor())?;
    auto_reply_page(&req, &s, &values, StatusCode::OK, None, None)
}

/// `POST /settings/auto-reply` (owner).
pub async fn auto_reply_save(
    req: HttpRequest,
    s: SignedIn,
    form: Checked<AutoReplyForm>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let values = crate::store::practice::AutoReply {
        crisis_notice: f.crisis_notice,
        away_message: f.away_message,
        away_from: f.away_from,
        away_until: f.away_until,
    };
    match services.save_auto_reply(&s.actor(), values.clone()) {
        Ok(()) => auto_reply_page(
            &req,
            &s,
            &values,
            StatusCode::OK,
            Some("Saved.".into()),
            None,
        ),
        Err(e @ ServiceError::Invalid { .. }) => {
            auto_reply_page(&req, &s, &values, StatusCode::BAD_REQUEST, None, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}
