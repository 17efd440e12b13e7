//! Clients: the list, adding one, the client page (the chart read once, one audit event),
//! portal invitations and requiring sign-in codes. Thin: extract the actor, call a service
//! (which asks the policy and audits), render.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, Cell, Field, FieldKind, Section, TableSpec};

use super::error::AppError;
use super::kit::{field_errors, form_page, link, nav, page, panel, see_other, status_word};
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::clients::NewClient;
use crate::domain::ServiceError;
use crate::policy::AccountId;

csrf_form!(ClientForm {
    legal_name: String,
    preferred_name: String,
    email: String,
    phone: String,
    date_of_birth: String,
    admin_note: String,
});

/// `GET /clients`.
pub async fn clients(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let rows = services.list_clients(&s.actor())?;
    let table = TableSpec {
        caption: "Clients".into(),
        headers: vec!["Name".into(), "Portal access".into()],
        rows: rows
            .into_iter()
            .map(|c| {
                vec![
                    Cell::Link {
                        href: format!("/clients/{}", c.id),
                        label: c.name,
                    },
                    Cell::Text(status_word(c.status).into()),
                ]
            })
            .collect(),
    };
    let empty = table.rows.is_empty();
    panel(
        &Ctx::of(&req)?,
        &s,
        "/clients",
        "Clients",
        "Clients",
        None,
        vec![Section {
            paragraphs: if empty {
                vec!["No clients yet.".into()]
            } else {
                vec![]
            },
            table: (!empty).then_some(table),
            actions: vec![link("/clients/new", "Add a client", true)],
            ..Section::default()
        }],
    )
}

fn client_fields(f: &ClientForm) -> Vec<Field> {
    vec![
        Field::new("legal_name", "Legal name", FieldKind::Text).value(&f.legal_name).autocomplete("off"),
        Field::new("preferred_name", "Preferred name", FieldKind::Text).value(&f.preferred_name).optional().autocomplete("off"),
        Field::new("email", "Email address", FieldKind::Email).value(&f.email).autocomplete("off")
            .help("The invitation link is meant for this address. Alcove never sends health information by email."),
        Field::new("phone", "Phone", FieldKind::Tel).value(&f.phone).optional().autocomplete("off"),
        Field::new("date_of_birth", "Date of birth", FieldKind::Date).value(&f.date_of_birth).optional(),
        Field::new("admin_note", "Admin note", FieldKind::LongText).value(&f.admin_note).optional()
            .help("A short practical note for the practice (not clinical notes)."),
    ]
}

fn client_form_page(
    req: &HttpRequest,
    s: &SignedIn,
    form: &ClientForm,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let (state, _, csrf, c) = Ctx::of(req)?.parts();
    let mut fields = client_fields(form);
    let status = super::disk_full::status_for(error.as_ref(), status);
    let general = field_errors(&mut fields, error)?;
    let mut p = form_page(
        &state,
        "Add a client",
        "Add a client",
        "/clients",
        &csrf,
        fields,
        "Save client",
    );
    p.nav = Some(nav(&s.0, &csrf, "/clients"));
    p.error = general.or_else(|| {
        (status != StatusCode::OK).then(|| "Please correct the marked field.".to_owned())
    });
    Ok(page(status, alcove_frontend::render_form(p), c))
}

/// `GET /clients/new`.
pub async fn new_client(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    s.require(
        &services,
        crate::policy::Action::CreateClient,
        crate::policy::Target::Practice,
    )?;
    let empty = ClientForm {
        csrf: String::new(),
        legal_name: String::new(),
        preferred_name: String::new(),
        email: String::new(),
        phone: String::new(),
        date_of_birth: String::new(),
        admin_note: String::new(),
    };
    client_form_page(&req, &s, &empty, StatusCode::OK, None)
}

/// `POST /clients`.
pub async fn create_client(
    req: HttpRequest,
    s: SignedIn,
    form: Checked<ClientForm>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let new = NewClient {
        legal_name: f.legal_name.clone(),
        preferred_name: f.preferred_name.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        date_of_birth: f.date_of_birth.clone(),
        admin_note: f.admin_note.clone(),
    };
    match services.create_client(&s.actor(), new) {
        Ok(id) => Ok(see_other(&format!("/clients/{id}"), &[])),
        Err(e) if e.keeps_draft() => {
            client_form_page(&req, &s, &f, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn client_page(
    ctx: &Ctx,
    s: &SignedIn,
    id: AccountId,
    notice: Option<String>,
    invite_link: Option<String>,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, csrf, .. } = ctx;
    let chart = services.client_chart(&s.actor(), id)?;
    let detail = &chart.detail;
    let p = &detail.profile;
    let or_dash = |v: &str| {
        if v.is_empty() {
            "—".to_owned()
        } else {
            v.to_owned()
        }
    };
    let mut sections = vec![Section {
        facts: vec![
            ("Legal name".into(), p.legal_name.clone()),
            ("Preferred name".into(), or_dash(&p.preferred_name)),
            ("Email".into(), detail.email.clone()),
            ("Phone".into(), or_dash(&p.phone)),
            ("Date of birth".into(), or_dash(&p.date_of_birth)),
            ("Admin note".into(), or_dash(&p.admin_note)),
            ("Portal access".into(), status_word(detail.status).into()),
            (
                "Sign-in codes".into(),
                if detail.mfa {
                    "On".into()
                } else {
                    "Off".into()
                },
            ),
        ],
        ..Section::default()
    }];
    let mut invite = Section {
        heading: Some("Invitation".into()),
        paragraphs: vec!["An invitation link lets the client set a password. It works once and for 7 days; making a new one cancels the old one.".into()],
        actions: vec![
            ActionSpec::Post { action: format!("/clients/{id}/invite"), csrf: csrf.clone(), label: "Create invitation link".into(), primary: true },
            ActionSpec::Post { action: format!("/clients/{id}/invite/revoke"), csrf: csrf.clone(), label: "Cancel open invitations".into(), primary: false },
        ],
        ..Section::default()
    };
    if let Some(link) = invite_link {
        invite
            .paragraphs
            .push("Copy this link and give it to the client (it is shown only now):".into());
        invite.link_box = Some(link);
    }
    // Invitations are only for a client who has never set a password.
    if detail.status == crate::store::accounts::AccountStatus::Invited {
        sections.push(invite);
    }
    if let Some(templates) = &chart.messages {
        let mut actions = vec![link(
            &format!("/messages/new?client={id}"),
            "Write a message",
            true,
        )];
        actions.extend(templates.iter().map(|t| {
            link(
                &format!("/messages/new?client={id}&template={}", t.id),
                &format!("Start from “{}”", t.name),
                false,
            )
        }));
        sections.push(Section {
            heading: Some("Messages".into()),
            actions,
            ..Section::default()
        });
    }
    if let Some(access) = &chart.access {
        let mut paragraphs = vec![
            "Switching off portal access ends the client's sessions at once; the record stays."
                .into(),
        ];
        let mut actions = vec![];
        if p.mfa_required {
            paragraphs.push("This client must use sign-in codes.".into());
        } else {
            actions.push(ActionSpec::Post {
                action: format!("/clients/{id}/require-mfa"),
                csrf: csrf.clone(),
                label: "Require sign-in codes".into(),
                primary: false,
            });
        }
        if access.reset_password {
            paragraphs.push("A client who forgot their password gets a password-reset link from you (it works once, for 24 hours; their sign-in codes stay as they are).".into());
            actions.push(ActionSpec::Post {
                action: format!("/accounts/{id}/reset-password"),
                csrf: csrf.clone(),
                label: "Send a password-reset link".into(),
                primary: false,
            });
        }
        actions.push(ActionSpec::Post {
            action: format!("/accounts/{id}/disable"),
            csrf: csrf.clone(),
            label: "Switch off portal access".into(),
            primary: false,
        });
        sections.push(Section {
            heading: Some("Access".into()),
            paragraphs,
            actions,
            ..Section::default()
        });
    }
    if chart.alerts {
        sections.insert(
            1,
            super::email::client_alerts_section(services, detail, csrf),
        );
    }
    sections.extend(super::chart::chart_sections(services, &chart, csrf));
    if chart.legal_hold {
        sections.push(super::retention::hold_section(detail, csrf));
    }
    panel(
        ctx,
        s,
        "/clients",
        "Client",
        &p.legal_name,
        notice,
        sections,
    )
}

/// `GET /clients/{id}`.
pub async fn client(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    client_page(&Ctx::of(&req)?, &s, id, None, None)
}

/// `POST /clients/{id}/invite`: a new invitation link, shown once.
pub async fn invite_client(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx {
        state, services, ..
    }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let token = match services.invite_client(&s.actor(), id) {
        Err(crate::domain::ServiceError::Invalid { message, .. }) => {
            let mut page = client_page(&Ctx::of(&req)?, &s, id, Some(message), None)?;
            *page.status_mut() = actix_web::http::StatusCode::CONFLICT;
            return Ok(page);
        }
        other => other?,
    };
    let link = format!("{}/invite/{token}", state.origin);
    client_page(
        &Ctx::of(&req)?,
        &s,
        id,
        Some("A new invitation link was created.".into()),
        Some(link),
    )
}

/// `POST /clients/{id}/invite/revoke`.
pub async fn revoke_invites(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let n = services.revoke_client_invites(&s.actor(), id)?;
    client_page(
        &Ctx::of(&req)?,
        &s,
        id,
        Some(format!("Open invitations cancelled: {n}.")),
        None,
    )
}

/// `POST /clients/{id}/require-mfa` (owner): the client must set up sign-in codes.
pub async fn require_mfa(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    services.require_client_mfa(&s.actor(), id)?;
    client_page(
        &Ctx::of(&req)?,
        &s,
        id,
        Some("This client will set up sign-in codes at their next sign-in.".into()),
        None,
    )
}
