//! The form builder (owner and clinicians): the list of forms, one form's fields with
//! add, edit, move and remove, and its public intake links. The wording is in the
//! frontend's `pages/forms.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::forms::{
    self as view, FormRow, FormView, PublicLinkRow, PublicLinks, QuestionDraft, QuestionRow,
};
use serde::Deserialize;

use super::error::AppError;
use super::kit::{panel, see_other, signed_in_form, FormText};
use super::render::human_time;
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::form_builder::{Change, FieldInput};
use crate::domain::forms::LinkState;
use crate::domain::ServiceError;
use crate::ids::{FormId, FormLinkId};
use crate::policy::{Action, Target};
use crate::store::forms::FieldType;

csrf_form!(NewFormForm {
    name: String,
    intro: String
});
csrf_form!(FieldForm {
    label: String,
    kind: String,
    required: String,
    help: String,
    options: String
});

/// `GET /forms`.
pub async fn list(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    s.require(&ctx.services, Action::ManageForms, Target::Practice)?;
    let rows = ctx
        .services
        .forms(&s.actor())?
        .into_iter()
        .map(|f| FormRow {
            href: format!("/forms/{}", f.id),
            version: f.current().version,
            fields: f.current().fields.len(),
            name: f.name,
        })
        .collect();
    panel(
        &ctx,
        &s,
        "/forms",
        view::LIST_TITLE,
        view::LIST_TITLE,
        None,
        vec![view::list_section(rows)],
    )
}

fn new_form_page(
    ctx: &Ctx,
    s: &SignedIn,
    (name, intro): (&str, &str),
    status: StatusCode,
    e: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let text = FormText {
        current: "/forms",
        title: view::NEW_TITLE,
        heading: view::NEW_HEADING,
        action: "/forms",
        submit: view::NEW_SUBMIT,
        intro: Vec::new(),
    };
    let fields = view::new_form_fields(name, intro);
    signed_in_form(ctx, s, text, fields, e, status)
}

/// `GET /forms/new`.
pub async fn new_form(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    s.require(&ctx.services, Action::ManageForms, Target::Practice)?;
    new_form_page(&ctx, &s, ("", ""), StatusCode::OK, None)
}

/// `POST /forms`.
pub async fn create(
    s: SignedIn,
    form: Checked<NewFormForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let NewFormForm { name, intro, .. } = &form.0;
    match ctx.services.create_form(&s.actor(), name, intro) {
        Ok(id) => Ok(see_other(&format!("/forms/{id}"), &[])),
        Err(e) if e.keeps_draft() => {
            new_form_page(&ctx, &s, (name, intro), StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /forms/{form}`: its fields and public links.
pub async fn show(s: SignedIn, id: web::Path<FormId>, ctx: Ctx) -> Result<HttpResponse, AppError> {
    form_page(&ctx, &s, id.into_inner(), None)
}

fn form_page(
    ctx: &Ctx,
    s: &SignedIn,
    id: FormId,
    new_link: Option<String>,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let actor = s.actor();
    let def = services.form(&actor, id)?;
    s.require(services, Action::ManageForms, Target::Practice)?;
    let links = services.links(&actor, None)?;
    let now = services.now();
    let links = links
        .into_iter()
        .filter(|(l, _)| l.form == id)
        .map(|(l, st)| PublicLinkRow {
            created: human_time(l.created_at),
            expires: human_time(l.expires_at),
            state: st.word().into(),
            answers: l.uses,
            revoke_action: (st == LinkState::Open && l.expires_at > now)
                .then(|| format!("/form-links/{}/revoke", l.id)),
        })
        .collect();
    let current = def.current();
    let questions = current
        .fields
        .iter()
        .map(|f| QuestionRow {
            label: f.label.clone(),
            kind: f.kind.label().into(),
            required: f.required,
            options: f.options.clone(),
            help: f.help.clone(),
        })
        .collect();
    let view = FormView {
        href: format!("/forms/{id}"),
        version: current.version,
        intro: current.intro.clone(),
        questions,
        public: PublicLinks {
            rows: links,
            new_link,
        },
    };
    let sections = view::form_sections(&ctx.csrf, view);
    panel(
        ctx,
        s,
        "/forms",
        view::FORM_TITLE,
        &def.name,
        None,
        sections,
    )
}

#[derive(Deserialize)]
pub struct FieldPath {
    form: FormId,
    n: usize,
}

fn field_page(
    ctx: &Ctx,
    s: &SignedIn,
    form: FormId,
    n: Option<usize>,
    draft: QuestionDraft,
    status: StatusCode,
    e: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let types = FieldType::ALL
        .iter()
        .map(|t| (t.name().to_owned(), t.label().to_owned()))
        .collect();
    let action = match n {
        Some(i) => format!("/forms/{form}/fields/{i}"),
        None => format!("/forms/{form}/fields"),
    };
    let text = FormText {
        current: "/forms",
        title: view::QUESTION_TITLE,
        heading: view::question_heading(n.is_some()),
        action: &action,
        submit: view::QUESTION_SUBMIT,
        intro: Vec::new(),
    };
    let fields = view::question_fields(draft, types);
    signed_in_form(ctx, s, text, fields, e, status)
}

/// `GET /forms/{form}/fields/new`.
pub async fn new_field(
    s: SignedIn,
    id: web::Path<FormId>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(&ctx.services, Action::ManageForms, Target::Practice)?;
    let form = id.into_inner();
    ctx.services.form(&s.actor(), form)?;
    let draft = QuestionDraft::default();
    field_page(&ctx, &s, form, None, draft, StatusCode::OK, None)
}

/// `GET /forms/{form}/fields/{n}`.
pub async fn edit_field(
    s: SignedIn,
    p: web::Path<FieldPath>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(&ctx.services, Action::ManageForms, Target::Practice)?;
    let def = ctx.services.form(&s.actor(), p.form)?;
    let f = def.current().fields.get(p.n).ok_or(AppError::NotFound)?;
    let draft = QuestionDraft {
        label: f.label.clone(),
        kind: f.kind.name().into(),
        required: if f.required { "yes" } else { "no" }.into(),
        help: f.help.clone(),
        options: f.options.join("\n"),
    };
    field_page(&ctx, &s, p.form, Some(p.n), draft, StatusCode::OK, None)
}

fn change(
    ctx: &Ctx,
    s: &SignedIn,
    form: FormId,
    n: Option<usize>,
    f: FieldForm,
) -> Result<HttpResponse, AppError> {
    let input = FieldInput {
        label: &f.label,
        kind: &f.kind,
        required: f.required == "yes",
        help: &f.help,
        options: &f.options,
    };
    let what = match n {
        Some(i) => Change::Edit(i, input),
        None => Change::Add(input),
    };
    match ctx.services.change_form(&s.actor(), form, what) {
        Ok(_) => Ok(see_other(&format!("/forms/{form}"), &[])),
        Err(e @ ServiceError::Invalid { .. }) => {
            let FieldForm {
                label,
                kind,
                required,
                help,
                options,
                ..
            } = f;
            let draft = QuestionDraft {
                label,
                kind,
                required,
                help,
                options,
            };
            field_page(ctx, s, form, n, draft, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /forms/{form}/fields`.
pub async fn add_field(
    s: SignedIn,
    id: web::Path<FormId>,
    f: Checked<FieldForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    change(&ctx, &s, id.into_inner(), None, f.0)
}

/// `POST /forms/{form}/fields/{n}`.
pub async fn save_field(
    s: SignedIn,
    p: web::Path<FieldPath>,
    f: Checked<FieldForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    change(&ctx, &s, p.form, Some(p.n), f.0)
}

/// The buttons that move or remove one question: `POST /forms/{form}/fields/{n}/…`.
macro_rules! field_button {
    ($($(#[$doc:meta])* $name:ident => $change:path;)*) => {$(
        $(#[$doc])*
        pub async fn $name(
            s: SignedIn,
            p: web::Path<FieldPath>,
            _f: Checked<TokenOnly>,
            ctx: Ctx,
        ) -> Result<HttpResponse, AppError> {
            ctx.services.change_form(&s.actor(), p.form, $change(p.n))?;
            Ok(see_other(&format!("/forms/{}", p.form), &[]))
        }
    )*};
}

field_button! {
    /// `POST /forms/{form}/fields/{n}/up`.
    up => Change::Up;
    /// `POST /forms/{form}/fields/{n}/down`.
    down => Change::Down;
    /// `POST /forms/{form}/fields/{n}/remove`.
    remove => Change::Remove;
}

/// `POST /forms/{form}/public-link`: a public intake link, shown once.
pub async fn public_link(
    s: SignedIn,
    id: web::Path<FormId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let form = id.into_inner();
    let token = ctx.services.create_link(&s.actor(), form, None, true)?;
    let url = format!("{}/f/{token}", ctx.state.origin);
    form_page(&ctx, &s, form, Some(url))
}

/// `POST /form-links/{link}/revoke`.
pub async fn revoke(
    req: HttpRequest,
    s: SignedIn,
    link: web::Path<FormLinkId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    ctx.services.revoke_link(&s.actor(), link.into_inner())?;
    let back = req
        .headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_owned()))
        })
        .filter(|p| p.starts_with("/clients/") || p.starts_with("/forms/"))
        .unwrap_or_else(|| "/forms".into());
    Ok(see_other(&back, &[]))
}
