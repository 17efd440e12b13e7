//! Form links: sending one to a client (`/clients/{id}/form-links`), and filling a form
//! from a secure link without an account: the form, its checks with every typed value
//! kept, and a calm page for a link that is unknown, used, expired or revoked (which never
//! says whose it was). The wording is in the frontend's `pages/form_links.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::form_links::{self as view, Answer, LinkGone, Question, Refill};
use alcove_frontend::Field;

use super::error::AppError;
use super::kit::{form_page, page, panel, signed_in_form, FormText};
use super::render::chrome;
use super::session::{client_ip, csrf_form, Checked, Ctx, SignedIn};
use super::upload::read_post;
use crate::domain::form_check::Answers;
use crate::domain::forms::{LinkProblem, OpenForm, SubmitError};
use crate::domain::ServiceError;
use crate::ids::FormId;
use crate::policy::{AccountId, Action, Actor, Target};
use crate::store::forms::{FieldDef, FieldType};

csrf_form!(LinkForm {
    form: String,
    single_use: String
});

/// Posted pairs grouped by field, in order (the form token left out).
pub fn answers_of(pairs: Vec<(String, String)>) -> Answers {
    let mut answers: Answers = Vec::new();
    for (k, v) in pairs.into_iter().filter(|(k, _)| k != "csrf") {
        match answers.iter_mut().find(|(key, _)| key == &k) {
            Some((_, values)) => values.push(v),
            None => answers.push((k, vec![v])),
        }
    }
    answers
}

/// The view of one form field with what was typed.
pub fn field_for(def: &FieldDef, answers: &Answers, error: Option<&String>) -> Field {
    let answer = match def.kind {
        FieldType::ShortText => Answer::ShortText,
        FieldType::LongText => Answer::LongText,
        FieldType::Email => Answer::Email,
        FieldType::Phone => Answer::Phone,
        FieldType::Date => Answer::Date,
        FieldType::Signature => Answer::Signature,
        FieldType::SingleChoice => Answer::SingleChoice,
        FieldType::MultipleChoice => Answer::MultipleChoice,
        FieldType::Checkbox => Answer::Checkbox,
        FieldType::Consent => Answer::Consent,
        FieldType::File => Answer::File {
            accept: super::upload::ACCEPT,
        },
    };
    view::fill_field(Question {
        key: &def.key,
        label: &def.label,
        answer,
        required: def.required,
        help: &def.help,
        options: &def.options,
        given: answers
            .iter()
            .filter(|(k, _)| k == &def.key)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect(),
        error: error.cloned(),
    })
}

fn gone(ctx: &Ctx, problem: LinkProblem) -> Result<HttpResponse, AppError> {
    let why = match problem {
        LinkProblem::Used => LinkGone::Used,
        LinkProblem::Expired => LinkGone::Expired,
        LinkProblem::Revoked => LinkGone::Revoked,
        LinkProblem::Unknown => LinkGone::Unknown,
    };
    let body = view::gone_message(chrome(Some(&ctx.state)), why);
    Ok(page(
        StatusCode::NOT_FOUND,
        alcove_frontend::render_message(body),
        None,
    ))
}

fn fill_page(
    ctx: &Ctx,
    token: &str,
    open: &OpenForm,
    answers: &Answers,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let fields = open
        .form
        .fields
        .iter()
        .map(|f| {
            field_for(
                f,
                answers,
                errors.iter().find(|(k, _)| k == &f.key).map(|(_, e)| e),
            )
        })
        .collect();
    let refill = if status == super::disk_full::STATUS {
        Some(Refill::DiskFull {
            heading: super::disk_full::HEADING.into(),
        })
    } else {
        (!errors.is_empty()).then_some(Refill::Answers)
    };
    let risk = open
        .consent
        .then(|| ctx.state.config.forms.email_risk_notice.clone());
    let text = view::fill_text(open.form.intro.clone(), risk, refill);
    let mut p = form_page(
        &ctx.state,
        &open.name,
        &open.name,
        &format!("/f/{token}"),
        &ctx.csrf,
        fields,
        view::FILL_SUBMIT,
    );
    p.intro = text.intro;
    p.error = text.error;
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `GET /f/{token}`.
pub async fn show(token: web::Path<String>, ctx: Ctx) -> Result<HttpResponse, AppError> {
    match ctx.services.open_link(&token)? {
        Ok(open) => fill_page(&ctx, &token, &open, &Vec::new(), &[], StatusCode::OK),
        Err(problem) => gone(&ctx, problem),
    }
}

/// `POST /f/{token}`.
pub async fn submit(
    req: HttpRequest,
    token: web::Path<String>,
    payload: web::Payload,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let max = services.limits().attachment_max_bytes;
    let posted = read_post(&req, services, payload, max, |_, name| {
        services.begin_form_upload(&token, name)
    })
    .await?;
    let answers = answers_of(posted.pairs);
    let actor = Actor::Anonymous {
        ip: client_ip(&req),
    };
    let result = match posted.file_error {
        // The file was refused: say so next to the file question, keep the rest.
        Some(ServiceError::Invalid { message, .. }) => {
            let key = services
                .open_link(&token)?
                .ok()
                .and_then(|o| {
                    o.form
                        .fields
                        .iter()
                        .find(|f| f.kind == FieldType::File)
                        .map(|f| f.key.clone())
                })
                .unwrap_or_default();
            Err(SubmitError::Fields(vec![(key, message)]))
        }
        Some(other) => Err(SubmitError::Service(other)),
        None => services.submit_with_file(&token, &answers, posted.file, &actor),
    };
    // Shown again with what was typed: the refused answers, or (the server's disk is
    // full, nothing was saved) none.
    let again = |errors: &[(String, String)], status| -> Result<HttpResponse, AppError> {
        match services.open_link(&token)? {
            Ok(open) => fill_page(&ctx, &token, &open, &answers, errors, status),
            Err(problem) => gone(&ctx, problem),
        }
    };
    match result {
        Ok(_) => Ok(page(
            StatusCode::OK,
            alcove_frontend::render_message(view::received_message(chrome(Some(&ctx.state)))),
            None,
        )),
        Err(SubmitError::Link(problem)) => gone(&ctx, problem),
        Err(SubmitError::Fields(errors)) => again(&errors, StatusCode::BAD_REQUEST),
        Err(SubmitError::Service(e)) if super::disk_full::is_disk_full(&e) => {
            again(&[], super::disk_full::STATUS)
        }
        Err(SubmitError::Service(e)) => Err(e.into()),
    }
}

fn link_page(
    ctx: &Ctx,
    s: &SignedIn,
    client: AccountId,
    f: &LinkForm,
    status: StatusCode,
    e: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let forms: Vec<(String, String)> = ctx
        .services
        .forms(&s.actor())?
        .into_iter()
        .map(|f| (f.id.to_string(), f.name))
        .collect();
    let text = FormText {
        current: "/clients",
        title: view::SEND_TITLE,
        heading: view::SEND_TITLE,
        action: &format!("/clients/{client}/form-links"),
        submit: view::SEND_SUBMIT,
        intro: vec![view::SEND_INTRO.into()],
    };
    let fields = view::send_fields(forms, &f.form, &f.single_use);
    signed_in_form(ctx, s, text, fields, e, status)
}

/// `GET /clients/{id}/form-links/new`.
pub async fn new_link(
    s: SignedIn,
    id: web::Path<AccountId>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let client = id.into_inner();
    s.require(&ctx.services, Action::SendFormLink, Target::Client(client))?;
    let empty = LinkForm {
        csrf: String::new(),
        form: String::new(),
        single_use: "yes".into(),
    };
    link_page(&ctx, &s, client, &empty, StatusCode::OK, None)
}

/// `POST /clients/{id}/form-links`: the link, shown once.
pub async fn create_link(
    s: SignedIn,
    id: web::Path<AccountId>,
    f: Checked<LinkForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let client = id.into_inner();
    s.require(&ctx.services, Action::SendFormLink, Target::Client(client))?;
    let Some(form) = FormId::parse(&f.0.form) else {
        let e = ServiceError::invalid("form", view::CHOOSE_A_FORM);
        return link_page(&ctx, &s, client, &f.0, StatusCode::BAD_REQUEST, Some(e));
    };
    let single_use = f.0.single_use != "no";
    let token = ctx
        .services
        .create_link(&s.actor(), form, Some(client), single_use)?;
    let section = view::created_section(
        format!("{}/f/{token}", ctx.state.origin),
        format!("/clients/{client}"),
    );
    panel(
        &ctx,
        &s,
        "/clients",
        view::CREATED_TITLE,
        view::CREATED_HEADING,
        None,
        vec![section],
    )
}
