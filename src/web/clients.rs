//! Clients: the list, adding one, the client page (the chart read once, one audit event),
//! portal invitations and requiring sign-in codes. Thin: extract the actor, call a service
//! (which asks the policy and audits), render. The wording is in the frontend's
//! `pages/clients.rs` and `pages/client.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use alcove_frontend::client::{
    self as client_view, AccessView, InvitationView, MessagesView, ProfileView,
};
use alcove_frontend::clients::{self as view, ClientRecord, ClientRow};

use super::error::AppError;
use super::kit::{field_errors, form_page, nav, page, panel, see_other, status_word};
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::clients::NewClient;
use crate::domain::ServiceError;
use crate::policy::AccountId;
use crate::store::accounts::AccountStatus;

csrf_form!(ClientForm {
    legal_name: String,
    preferred_name: String,
    email: String,
    phone: String,
    date_of_birth: String,
    admin_note: String,
});

impl ClientForm {
    fn draft(&self) -> ClientRecord<'_> {
        ClientRecord {
            legal_name: &self.legal_name,
            preferred_name: &self.preferred_name,
            email: &self.email,
            phone: &self.phone,
            date_of_birth: &self.date_of_birth,
            admin_note: &self.admin_note,
        }
    }
}

/// `GET /clients`.
pub async fn clients(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let rows = ctx.services.list_clients(&s.actor())?;
    let rows = rows
        .into_iter()
        .map(|c| ClientRow {
            href: format!("/clients/{}", c.id),
            name: c.name,
            portal_access: status_word(c.status).into(),
        })
        .collect();
    panel(
        &ctx,
        &s,
        "/clients",
        view::LIST_TITLE,
        view::LIST_TITLE,
        None,
        vec![view::list_section(rows)],
    )
}

fn client_form_page(
    ctx: &Ctx,
    s: &SignedIn,
    draft: &ClientRecord<'_>,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let mut fields = view::form_fields(draft);
    let status = super::disk_full::status_for(error.as_ref(), status);
    let general = field_errors(&mut fields, error)?;
    let mut p = form_page(
        &ctx.state,
        view::NEW_TITLE,
        view::NEW_TITLE,
        view::NEW_ACTION,
        &ctx.csrf,
        fields,
        view::NEW_SUBMIT,
    );
    p.nav = Some(nav(&s.0, &ctx.csrf, "/clients"));
    p.error =
        general.or_else(|| (status != StatusCode::OK).then(|| view::FIX_THE_FIELD.to_owned()));
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `GET /clients/new`.
pub async fn new_client(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    s.require(
        &ctx.services,
        crate::policy::Action::CreateClient,
        crate::policy::Target::Practice,
    )?;
    client_form_page(&ctx, &s, &ClientRecord::default(), StatusCode::OK, None)
}

/// `POST /clients`.
pub async fn create_client(
    s: SignedIn,
    form: Checked<ClientForm>,
    ctx: Ctx,
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
    match ctx.services.create_client(&s.actor(), new) {
        Ok(id) => Ok(see_other(&format!("/clients/{id}"), &[])),
        Err(e) if e.keeps_draft() => {
            client_form_page(&ctx, &s, &f.draft(), StatusCode::BAD_REQUEST, Some(e))
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
    let mut sections = vec![client_view::profile_section(ProfileView {
        record: ClientRecord {
            legal_name: &p.legal_name,
            preferred_name: &p.preferred_name,
            email: &detail.email,
            phone: &p.phone,
            date_of_birth: &p.date_of_birth,
            admin_note: &p.admin_note,
        },
        portal_access: status_word(detail.status),
        sign_in_codes: detail.mfa,
    })];
    if chart.alerts {
        sections.push(super::email::client_alerts_section(services, detail, csrf));
    }
    // Invitations are only for a client who has never set a password.
    if detail.status == AccountStatus::Invited {
        sections.push(client_view::invitation_section(InvitationView {
            csrf: csrf.clone(),
            create: format!("/clients/{id}/invite"),
            cancel: format!("/clients/{id}/invite/revoke"),
            link: invite_link,
        }));
    }
    if let Some(templates) = &chart.messages {
        sections.push(client_view::messages_section(MessagesView {
            write_href: format!("/messages/new?client={id}"),
            templates: templates
                .iter()
                .map(|t| {
                    (
                        format!("/messages/new?client={id}&template={}", t.id),
                        t.name.clone(),
                    )
                })
                .collect(),
        }));
    }
    if let Some(access) = &chart.access {
        sections.push(client_view::access_section(AccessView {
            csrf: csrf.clone(),
            codes_required: p.mfa_required,
            require_codes: format!("/clients/{id}/require-mfa"),
            reset_password: access
                .reset_password
                .then(|| format!("/accounts/{id}/reset-password")),
            switch_off: format!("/accounts/{id}/disable"),
        }));
    }
    sections.extend(super::chart::chart_sections(services, &chart, csrf));
    if chart.legal_hold {
        sections.push(super::retention::hold_section(detail, csrf));
    }
    panel(
        ctx,
        s,
        "/clients",
        client_view::CLIENT_TITLE,
        &p.legal_name,
        notice,
        sections,
    )
}

/// `GET /clients/{id}`.
pub async fn client(
    s: SignedIn,
    id: web::Path<AccountId>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    client_page(&ctx, &s, id.into_inner(), None, None)
}

/// `POST /clients/{id}/invite`: a new invitation link, shown once.
pub async fn invite_client(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let token = match ctx.services.invite_client(&s.actor(), id) {
        Err(ServiceError::Invalid { message, .. }) => {
            let mut page = client_page(&ctx, &s, id, Some(message), None)?;
            *page.status_mut() = StatusCode::CONFLICT;
            return Ok(page);
        }
        other => other?,
    };
    let link = format!("{}/invite/{token}", ctx.state.origin);
    client_page(
        &ctx,
        &s,
        id,
        Some(client_view::INVITATION_CREATED.into()),
        Some(link),
    )
}

/// `POST /clients/{id}/invite/revoke`.
pub async fn revoke_invites(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let n = ctx.services.revoke_client_invites(&s.actor(), id)?;
    let notice = client_view::invitations_cancelled(n);
    client_page(&ctx, &s, id, Some(notice), None)
}

/// `POST /clients/{id}/require-mfa` (owner): the client must set up sign-in codes.
pub async fn require_mfa(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    ctx.services.require_client_mfa(&s.actor(), id)?;
    let notice = client_view::CODES_REQUIRED.into();
    client_page(&ctx, &s, id, Some(notice), None)
}
