//! The owner's practice settings: automatic replies and message templates. The wording is
//! in the frontend's `pages/settings.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use alcove_frontend::settings::{self as view, AutoReplyDraft, TemplateRow};

use super::error::AppError;
use super::kit::{field_errors, form_page, nav, page, panel, see_other, signed_in_form, FormText};
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::ServiceError;
use crate::store::practice::AutoReply;

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

fn require_owner(ctx: &Ctx, s: &SignedIn) -> Result<(), AppError> {
    s.require(
        &ctx.services,
        crate::policy::Action::ManagePractice,
        crate::policy::Target::Practice,
    )
}

/// `GET /settings/templates` (owner): the practice's message templates.
pub async fn templates(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    require_owner(&ctx, &s)?;
    let rows = ctx
        .services
        .templates(&s.actor())?
        .into_iter()
        .map(|t| TemplateRow {
            remove: format!("/settings/templates/{}/delete", t.id),
            name: t.name,
            body: t.body,
        })
        .collect();
    let sections =
        view::templates_sections(crate::domain::templates::PLACEHOLDERS, rows, &ctx.csrf);
    panel(
        &ctx,
        &s,
        "",
        view::TEMPLATES_TITLE,
        view::TEMPLATES_HEADING,
        None,
        sections,
    )
}

fn template_form(
    ctx: &Ctx,
    s: &SignedIn,
    name: &str,
    body: &str,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    require_owner(ctx, s)?;
    let text = FormText {
        current: "",
        title: view::TEMPLATE_FORM_TITLE,
        heading: view::TEMPLATE_FORM_TITLE,
        action: view::TEMPLATES_HREF,
        submit: view::TEMPLATE_FORM_SUBMIT,
        intro: Vec::new(),
    };
    let fields = view::template_fields(name, body);
    signed_in_form(ctx, s, text, fields, error, status)
}

/// `GET /settings/templates/new` (owner).
pub async fn new_template(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    template_form(&ctx, &s, "", "", StatusCode::OK, None)
}

/// `POST /settings/templates` (owner).
pub async fn add_template(
    s: SignedIn,
    form: Checked<TemplateForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    match ctx.services.add_template(&s.actor(), &f.name, &f.body) {
        Ok(()) => Ok(see_other(view::TEMPLATES_HREF, &[])),
        Err(e) if e.keeps_draft() => {
            template_form(&ctx, &s, &f.name, &f.body, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/templates/{template}/delete` (owner).
pub async fn remove_template(
    s: SignedIn,
    id: web::Path<crate::ids::TemplateId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    require_owner(&ctx, &s)?;
    ctx.services.remove_template(&s.actor(), id.into_inner())?;
    Ok(see_other(view::TEMPLATES_HREF, &[]))
}

fn auto_reply_page(
    ctx: &Ctx,
    s: &SignedIn,
    values: &AutoReply,
    status: StatusCode,
    notice: Option<String>,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let mut fields = view::auto_reply_fields(&AutoReplyDraft {
        crisis_notice: &values.crisis_notice,
        away_message: &values.away_message,
        away_from: &values.away_from,
        away_until: &values.away_until,
    });
    let general = field_errors(&mut fields, error)?;
    let mut p = form_page(
        &ctx.state,
        view::AUTO_REPLY_TITLE,
        view::AUTO_REPLY_TITLE,
        view::AUTO_REPLY_ACTION,
        &ctx.csrf,
        fields,
        view::AUTO_REPLY_SUBMIT,
    );
    p.nav = Some(nav(&s.0, &ctx.csrf, ""));
    p.notice = notice;
    p.error = general;
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `GET /settings/auto-reply` (owner).
pub async fn auto_reply_form(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let values = ctx.services.auto_reply_settings(&s.actor())?;
    auto_reply_page(&ctx, &s, &values, StatusCode::OK, None, None)
}

/// `POST /settings/auto-reply` (owner).
pub async fn auto_reply_save(
    s: SignedIn,
    form: Checked<AutoReplyForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let values = AutoReply {
        crisis_notice: f.crisis_notice,
        away_message: f.away_message,
        away_from: f.away_from,
        away_until: f.away_until,
    };
    match ctx.services.save_auto_reply(&s.actor(), values.clone()) {
        Ok(()) => auto_reply_page(
            &ctx,
            &s,
            &values,
            StatusCode::OK,
            Some(view::AUTO_REPLY_SAVED.into()),
            None,
        ),
        Err(e @ ServiceError::Invalid { .. }) => {
            auto_reply_page(&ctx, &s, &values, StatusCode::BAD_REQUEST, None, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}
