//! Form links: sending one to a client (`/clients/{id}/form-links`), and filling a form
//! from a secure link without an account: the form, its checks with every typed value
//! kept, and a calm page for a link that is unknown, used, expired or revoked (which never
//! says whose it was).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{Field, FieldKind, MessageView, Section};

use super::error::AppError;
use super::kit::{form_page, link, page, panel, signed_in_form, FormText};
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
    let given: Vec<String> = answers
        .iter()
        .filter(|(k, _)| k == &def.key)
        .flat_map(|(_, v)| v.iter().cloned())
        .collect();
    let first = given.first().cloned().unwrap_or_default();
    let kind = match def.kind {
        FieldType::ShortText | FieldType::Signature => FieldKind::Text,
        FieldType::LongText => FieldKind::LongText,
        FieldType::Email => FieldKind::Email,
        FieldType::Phone => FieldKind::Tel,
        FieldType::Date => FieldKind::Date,
        FieldType::SingleChoice | FieldType::MultipleChoice => FieldKind::Choice {
            options: def.options.clone(),
            multiple: def.kind == FieldType::MultipleChoice,
            selected: given.clone(),
        },
        FieldType::Checkbox | FieldType::Consent => FieldKind::Check {
            checked: first == "yes",
        },
        FieldType::File => FieldKind::File {
            accept: super::upload::ACCEPT,
        },
    };
    let mut field = Field::new(&def.key, &def.label, kind).value(&first);
    field.required = def.required || def.kind == FieldType::Consent;
    if !def.help.is_empty() {
        field = field.help(&def.help);
    }
    if def.kind == FieldType::Signature {
        field = field.autocomplete("name");
    }
    field.error = error.cloned();
    field
}

fn gone(req: &HttpRequest, problem: LinkProblem) -> Result<HttpResponse, AppError> {
    let Ctx { state, .. } = Ctx::of(req)?;
    let (heading, why) = match problem {
        LinkProblem::Used => (
            "This form was already sent",
            "This link works once, and it has been used.",
        ),
        LinkProblem::Expired => (
            "This link has expired",
            "Form links work for a limited time.",
        ),
        LinkProblem::Revoked => (
            "This link was withdrawn",
            "The practice has withdrawn this link.",
        ),
        LinkProblem::Unknown => (
            "This link does not work",
            "It may be mistyped or incomplete.",
        ),
    };
    Ok(page(
        StatusCode::NOT_FOUND,
        alcove_frontend::render_message(MessageView {
            chrome: chrome(Some(&state)),
            title: "Form link".into(),
            heading: heading.into(),
            paragraphs: vec![
                why.into(),
                "Please contact the practice and ask for a new link. Nothing you may have typed was kept.".into(),
            ],
            reference: None,
            back_href: "/".into(),
        }),
        None,
    ))
}

fn form_view(
    req: &HttpRequest,
    token: &str,
    open: &OpenForm,
    answers: &Answers,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (state, _, csrf, c) = Ctx::of(req)?.parts();
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
    let mut p = form_page(
        &state,
        &open.name,
        &open.name,
        &format!("/f/{token}"),
        &csrf,
        fields,
        "Send securely",
    );
    p.intro = vec![open.form.intro.clone()];
    if open.consent {
        p.intro.push(state.config.forms.email_risk_notice.clone());
    }
    if status == super::disk_full::STATUS {
        p.error = Some(format!(
            "{}. Please try again in a few minutes.",
            super::disk_full::HEADING
        ));
    } else if !errors.is_empty() {
        p.error = Some("Some answers need another look; see the notes next to them. Everything you typed is still here.".into());
    }
    p.intro.push(
        "No account is needed. What you send is encrypted and seen only by the practice.".into(),
    );
    Ok(page(status, alcove_frontend::render_form(p), c))
}

/// `GET /f/{token}`.
pub async fn show(
    req: HttpRequest,
    token: web::Path<String>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    match services.open_link(&token)? {
        Ok(open) => form_view(&req, &token, &open, &Vec::new(), &[], StatusCode::OK),
        Err(problem) => gone(&req, problem),
    }
}

/// `POST /f/{token}`.
pub async fn submit(
    req: HttpRequest,
    token: web::Path<String>,
    payload: web::Payload,
    Ctx {
        state, services, ..
    }: Ctx,
) -> Result<HttpResponse, AppError> {
    let max = services.limits().attachment_max_bytes;
    let posted = read_post(&req, &services, payload, max, |_, name| {
        services.begin_form_upload(&token, name)
    })
    .await?;
    let answers = answers_of(posted.pairs);
    let actor = Actor::Anonymous {
        ip: client_ip(&req),
    };
    let result = match posted.file_error {
        // The file was refused: say so next to the file question, keep the rest.
        Some(crate::domain::ServiceError::Invalid { message, .. }) => {
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
    match result {
        Ok(_) => Ok(page(
            StatusCode::OK,
            alcove_frontend::render_message(MessageView {
                chrome: chrome(Some(&state)),
                title: "Form received".into(),
                heading: "Thank you — your form was received".into(),
                paragraphs: vec!["It was sent securely and stored encrypted. The practice will see it in your record. You can close this page.".into()],
                reference: None,
                back_href: "/".into(),
            }),
            None,
        )),
        Err(SubmitError::Link(problem)) => gone(&req, problem),
        Err(SubmitError::Fields(errors)) => match services.open_link(&token)? {
            Ok(open) => form_view(&req, &token, &open, &answers, &errors, StatusCode::BAD_REQUEST),
            Err(problem) => gone(&req, problem),
        },
        // The server's disk is full: nothing was saved, and the answers come back.
        Err(SubmitError::Service(e)) if super::disk_full::is_disk_full(&e) => {
            match services.open_link(&token)? {
                Ok(open) => form_view(
                    &req,
                    &token,
                    &open,
                    &answers,
                    &[],
                    super::disk_full::STATUS,
                ),
                Err(problem) => gone(&req, problem),
            }
        }
        Err(SubmitError::Service(e)) => Err(e.into()),
    }
}

fn link_page(
    req: &HttpRequest,
    s: &SignedIn,
    client: AccountId,
    f: &LinkForm,
    status: StatusCode,
    e: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, .. } = Ctx::of(req)?;
    let forms: Vec<(String, String)> = services
        .forms(&s.actor())?
        .into_iter()
        .map(|f| (f.id.to_string(), f.name))
        .collect();
    let fields = vec![
        Field::new("form", "Form", FieldKind::Select(forms)).value(&f.form),
        Field::new(
            "single_use",
            "The link works",
            FieldKind::Select(vec![
                ("yes".into(), "Once".into()),
                ("no".into(), "Until it expires (7 days)".into()),
            ]),
        )
        .value(&f.single_use),
    ];
    let text = FormText {
        current: "/clients",
        title: "Send a form",
        heading: "Send a form",
        action: &format!("/clients/{client}/form-links"),
        submit: "Create link",
        intro: vec!["You get a link to give the client (by the portal, a text message or in person). It works for 7 days without an account.".into()],
    };
    signed_in_form(&Ctx::of(req)?, s, text, fields, e, status)
}

/// `GET /clients/{id}/form-links/new`.
pub async fn new_link(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let client = id.into_inner();
    s.require(&services, Action::SendFormLink, Target::Client(client))?;
    let empty = LinkForm {
        csrf: String::new(),
        form: String::new(),
        single_use: "yes".into(),
    };
    link_page(&req, &s, client, &empty, StatusCode::OK, None)
}

/// `POST /clients/{id}/form-links`: the link, shown once.
pub async fn create_link(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    f: Checked<LinkForm>,
    Ctx {
        state, services, ..
    }: Ctx,
) -> Result<HttpResponse, AppError> {
    let client = id.into_inner();
    s.require(&services, Action::SendFormLink, Target::Client(client))?;
    let Some(form) = FormId::parse(&f.0.form) else {
        return link_page(
            &req,
            &s,
            client,
            &f.0,
            StatusCode::BAD_REQUEST,
            Some(ServiceError::invalid("form", "Please choose a form.")),
        );
    };
    let token = services.create_link(&s.actor(), form, Some(client), f.0.single_use != "no")?;
    panel(&Ctx::of(&req)?, &s, "/clients", "Form link", "Form link created", None, vec![Section {
        paragraphs: vec!["Copy this link and give it to the client; it is shown only now and works for 7 days:".into()],
        link_box: Some(format!("{}/f/{token}", state.origin)),
        actions: vec![link(&format!("/clients/{client}"), "Back to the client", true)],
        ..Section::default()
    }])
}
