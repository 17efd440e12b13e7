//! The form builder (owner and clinicians): the list of forms, one form's fields with
//! add, edit, move and remove, and its public intake links.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, Cell, Field, FieldKind, Section, TableSpec};
use serde::Deserialize;

use super::error::AppError;
use super::kit::{link, panel, see_other, signed_in_form, FormText};
use super::render::human_time;
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::form_builder::{Change, FieldInput};
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
pub async fn list(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(&services, Action::ManageForms, Target::Practice)?;
    let forms = services.forms(&s.actor())?;
    let rows = forms
        .iter()
        .map(|f| {
            vec![
                Cell::Link {
                    href: format!("/forms/{}", f.id),
                    label: f.name.clone(),
                },
                Cell::Text(format!("version {}", f.current().version)),
                Cell::Text(f.current().fields.len().to_string()),
            ]
        })
        .collect();
    panel(&Ctx::of(&req)?, &s, "/forms", "Forms", "Forms", None, vec![Section {
        paragraphs: vec!["Send a form to a client from the client's page. A public intake link lets someone who is not a client yet fill in a form; it creates a new client record for you to review.".into()],
        table: Some(TableSpec {
            caption: "Forms".into(),
            headers: vec!["Form".into(), "Current".into(), "Fields".into()],
            rows,
        }),
        actions: vec![link("/forms/new", "Create a form", true)],
        ..Section::default()
    }])
}

fn new_form_page(
    req: &HttpRequest,
    s: &SignedIn,
    f: &NewFormForm,
    status: StatusCode,
    e: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let fields = vec![
        Field::new("name", "Form name", FieldKind::Text).value(&f.name),
        Field::new(
            "intro",
            "Text shown above the questions",
            FieldKind::LongText,
        )
        .value(&f.intro)
        .optional(),
    ];
    let text = FormText {
        current: "/forms",
        title: "New form",
        heading: "Create a form",
        action: "/forms",
        submit: "Create form",
        intro: Vec::new(),
    };
    signed_in_form(&Ctx::of(req)?, s, text, fields, e, status)
}

/// `GET /forms/new`.
pub async fn new_form(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(&services, Action::ManageForms, Target::Practice)?;
    let empty = NewFormForm {
        csrf: String::new(),
        name: String::new(),
        intro: String::new(),
    };
    new_form_page(&req, &s, &empty, StatusCode::OK, None)
}

/// `POST /forms`.
pub async fn create(
    req: HttpRequest,
    s: SignedIn,
    form: Checked<NewFormForm>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    match services.create_form(&s.actor(), &form.0.name, &form.0.intro) {
        Ok(id) => Ok(see_other(&format!("/forms/{id}"), &[])),
        Err(e) if e.keeps_draft() => {
            new_form_page(&req, &s, &form.0, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

fn post(action: String, csrf: &str, label: &str) -> ActionSpec {
    ActionSpec::Post {
        action,
        csrf: csrf.to_owned(),
        label: label.into(),
        primary: false,
    }
}

/// `GET /forms/{form}`: its fields and public links.
pub async fn show(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<FormId>,
) -> Result<HttpResponse, AppError> {
    form_view(&req, &s, id.into_inner(), None)
}

fn form_view(
    req: &HttpRequest,
    s: &SignedIn,
    id: FormId,
    link_shown: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (state, services, csrf, _) = Ctx::of(req)?.parts();
    let actor = s.actor();
    let def = services.form(&actor, id)?;
    s.require(&services, Action::ManageForms, Target::Practice)?;
    let current = def.current();
    let mut sections = vec![Section {
        paragraphs: vec![
            format!("Version {}. Changing a form that has answers makes a new version; earlier answers keep the version they answered.", current.version),
            current.intro.clone(),
        ],
        actions: vec![link(&format!("/forms/{id}/fields/new"), "Add a question", true)],
        ..Section::default()
    }];
    for (i, f) in current.fields.iter().enumerate() {
        let mut paragraphs = vec![format!(
            "{}{}",
            f.kind.label(),
            if f.required {
                ", required"
            } else {
                ", optional"
            }
        )];
        if !f.options.is_empty() {
            paragraphs.push(format!("Answers: {}", f.options.join(" · ")));
        }
        if !f.help.is_empty() {
            paragraphs.push(format!("Help: {}", f.help));
        }
        sections.push(Section {
            heading: Some(format!("{}. {}", i + 1, f.label)),
            paragraphs,
            actions: vec![
                link(&format!("/forms/{id}/fields/{i}"), "Edit", false),
                post(format!("/forms/{id}/fields/{i}/up"), &csrf, "Move up"),
                post(format!("/forms/{id}/fields/{i}/down"), &csrf, "Move down"),
                post(format!("/forms/{id}/fields/{i}/remove"), &csrf, "Remove"),
            ],
            ..Section::default()
        });
    }
    let links = services.links(&actor, None)?;
    let now = services.now();
    let rows: Vec<Vec<Cell>> = links
        .iter()
        .filter(|(l, _)| l.form == id)
        .map(|(l, st)| {
            vec![
                Cell::Text(human_time(l.created_at)),
                Cell::Text(human_time(l.expires_at)),
                Cell::Text(st.word().into()),
                Cell::Text(l.uses.to_string()),
            ]
        })
        .collect();
    let mut public = Section {
        heading: Some("Public intake links".into()),
        paragraphs: vec!["Anyone with a public link can fill in this form once within 7 days; each answer creates a new client record for you to review.".into()],
        actions: vec![post(format!("/forms/{id}/public-link"), &csrf, "Create a public link")],
        table: (!rows.is_empty()).then(|| TableSpec {
            caption: "Public links of this form".into(),
            headers: vec!["Created".into(), "Expires".into(), "State".into(), "Answers".into()],
            rows,
        }),
        ..Section::default()
    };
    for (l, st) in links.iter().filter(|(l, _)| l.form == id) {
        if st.word() == "open" && l.expires_at > now {
            public.actions.push(post(
                format!("/form-links/{}/revoke", l.id),
                &csrf,
                &format!("Withdraw the link of {}", human_time(l.created_at)),
            ));
        }
    }
    if let Some(url) = link_shown {
        public
            .paragraphs
            .push("Copy this link now; it is shown only once:".into());
        public.link_box = Some(url);
    }
    sections.push(public);
    let _ = state;
    panel(
        &Ctx::of(req)?,
        s,
        "/forms",
        "Form",
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
    req: &HttpRequest,
    s: &SignedIn,
    form: FormId,
    n: Option<usize>,
    f: &FieldForm,
    status: StatusCode,
    e: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let types = FieldType::ALL
        .iter()
        .map(|t| (t.name().to_owned(), t.label().to_owned()))
        .collect();
    let fields = vec![
        Field::new("label", "Question", FieldKind::LongText).value(&f.label),
        Field::new("kind", "Type of answer", FieldKind::Select(types)).value(&f.kind),
        Field::new(
            "required",
            "Required",
            FieldKind::Select(vec![
                ("yes".into(), "Yes".into()),
                ("no".into(), "No, optional".into()),
            ]),
        )
        .value(&f.required),
        Field::new("help", "Help text", FieldKind::Text)
            .value(&f.help)
            .optional(),
        Field::new(
            "options",
            "Answers to choose from (for choice questions), one per line",
            FieldKind::LongText,
        )
        .value(&f.options)
        .optional(),
    ];
    let action = match n {
        Some(i) => format!("/forms/{form}/fields/{i}"),
        None => format!("/forms/{form}/fields"),
    };
    let text = FormText {
        current: "/forms",
        title: "Question",
        heading: if n.is_some() {
            "Edit a question"
        } else {
            "Add a question"
        },
        action: &action,
        submit: "Save question",
        intro: Vec::new(),
    };
    signed_in_form(&Ctx::of(req)?, s, text, fields, e, status)
}

/// `GET /forms/{form}/fields/new`.
pub async fn new_field(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<FormId>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(&services, Action::ManageForms, Target::Practice)?;
    let form = id.into_inner();
    services.form(&s.actor(), form)?;
    let empty = FieldForm {
        csrf: String::new(),
        label: String::new(),
        kind: "short_text".into(),
        required: "yes".into(),
        help: String::new(),
        options: String::new(),
    };
    field_page(&req, &s, form, None, &empty, StatusCode::OK, None)
}

/// `GET /forms/{form}/fields/{n}`.
pub async fn edit_field(
    req: HttpRequest,
    s: SignedIn,
    p: web::Path<FieldPath>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(&services, Action::ManageForms, Target::Practice)?;
    let form = p.form;
    let def = services.form(&s.actor(), form)?;
    let f = def.current().fields.get(p.n).ok_or(AppError::NotFound)?;
    let filled = FieldForm {
        csrf: String::new(),
        label: f.label.clone(),
        kind: f.kind.name().into(),
        required: if f.required {
            "yes".into()
        } else {
            "no".into()
        },
        help: f.help.clone(),
        options: f.options.join("\n"),
    };
    field_page(&req, &s, form, Some(p.n), &filled, StatusCode::OK, None)
}

fn change(
    req: &HttpRequest,
    s: &SignedIn,
    form: FormId,
    n: Option<usize>,
    f: &FieldForm,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, .. } = Ctx::of(req)?;
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
    match services.change_form(&s.actor(), form, what) {
        Ok(_) => Ok(see_other(&format!("/forms/{form}"), &[])),
        Err(e @ ServiceError::Invalid { .. }) => {
            field_page(req, s, form, n, f, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /forms/{form}/fields`.
pub async fn add_field(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<FormId>,
    f: Checked<FieldForm>,
) -> Result<HttpResponse, AppError> {
    change(&req, &s, id.into_inner(), None, &f.0)
}

/// `POST /forms/{form}/fields/{n}`.
pub async fn save_field(
    req: HttpRequest,
    s: SignedIn,
    p: web::Path<FieldPath>,
    f: Checked<FieldForm>,
) -> Result<HttpResponse, AppError> {
    change(&req, &s, p.form, Some(p.n), &f.0)
}

async fn simple(
    req: HttpRequest,
    s: SignedIn,
    p: web::Path<FieldPath>,
    make: fn(usize) -> Change<'static>,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, .. } = Ctx::of(&req)?;
    let form = p.form;
    services.change_form(&s.actor(), form, make(p.n))?;
    Ok(see_other(&format!("/forms/{form}"), &[]))
}

/// `POST /forms/{form}/fields/{n}/up`.
pub async fn up(
    req: HttpRequest,
    s: SignedIn,
    p: web::Path<FieldPath>,
    _f: Checked<TokenOnly>,
) -> Result<HttpResponse, AppError> {
    simple(req, s, p, Change::Up).await
}

/// `POST /forms/{form}/fields/{n}/down`.
pub async fn down(
    req: HttpRequest,
    s: SignedIn,
    p: web::Path<FieldPath>,
    _f: Checked<TokenOnly>,
) -> Result<HttpResponse, AppError> {
    simple(req, s, p, Change::Down).await
}

/// `POST /forms/{form}/fields/{n}/remove`.
pub async fn remove(
    req: HttpRequest,
    s: SignedIn,
    p: web::Path<FieldPath>,
    _f: Checked<TokenOnly>,
) -> Result<HttpResponse, AppError> {
    simple(req, s, p, Change::Remove).await
}

/// `POST /forms/{form}/public-link`: a public intake link, shown once.
pub async fn public_link(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<FormId>,
    _f: Checked<TokenOnly>,
    Ctx {
        state, services, ..
    }: Ctx,
) -> Result<HttpResponse, AppError> {
    let form = id.into_inner();
    let token = services.create_link(&s.actor(), form, None, true)?;
    form_view(&req, &s, form, Some(format!("{}/f/{token}", state.origin)))
}

/// `POST /form-links/{link}/revoke`.
pub async fn revoke(
    req: HttpRequest,
    s: SignedIn,
    link: web::Path<FormLinkId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    services.revoke_link(&s.actor(), link.into_inner())?;
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
