//! The owner's pages: the team (invite, switch off, reset sign-in codes) and the audit log.
//! The wording is in the frontend's `pages/team.rs` and `pages/audit.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use alcove_frontend::audit::{self as audit_view, AuditRow, AuditView};
use alcove_frontend::team::{self as view, InviteDraft, MemberActions, MemberRow};

use serde::Deserialize;

use super::error::AppError;
use super::kit::{panel, query_id, see_other, signed_in_form, status_word, FormText};
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::audit::AuditFilter;
use crate::domain::ServiceError;
use crate::ids::AccountId;
use crate::policy::Role;
use crate::store::accounts::AccountStatus;

csrf_form!(TeamInviteForm {
    name: String,
    email: String,
    role: String
});

/// `GET /team`: every account, with switch-off and code-reset buttons (owner).
pub async fn team(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let own = s.0.account.id;
    let members = ctx
        .services
        .team_members(&s.actor())?
        .into_iter()
        .map(|a| MemberRow {
            actions: (a.id != own).then(|| MemberActions {
                reset_password: (a.status == AccountStatus::Active)
                    .then(|| format!("/accounts/{}/reset-password", a.id)),
                reset_mfa: format!("/accounts/{}/reset-mfa", a.id),
                disable: format!("/accounts/{}/disable", a.id),
            }),
            name: a.name,
            email: a.email,
            role: a.role.name().into(),
            status: status_word(a.status).into(),
            mfa: a.mfa,
            locked: a.locked,
        })
        .collect();
    panel(
        &ctx,
        &s,
        view::TEAM_HREF,
        view::TEAM_TITLE,
        view::TEAM_HEADING,
        None,
        view::team_sections(members, &ctx.csrf),
    )
}

/// `GET /team/invite`.
pub async fn team_invite_form(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    team_invite_page(&ctx, &s, &InviteDraft::NEW, StatusCode::OK, None)
}

fn team_invite_page(
    ctx: &Ctx,
    s: &SignedIn,
    draft: &InviteDraft<'_>,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    s.require(
        &ctx.services,
        crate::policy::Action::ManageTeam,
        crate::policy::Target::Practice,
    )?;
    let text = FormText {
        current: view::TEAM_HREF,
        title: view::INVITE_TITLE,
        heading: view::INVITE_HEADING,
        action: view::INVITE_ACTION,
        submit: view::INVITE_SUBMIT,
        intro: Vec::new(),
    };
    signed_in_form(ctx, s, text, view::invite_fields(draft), error, status)
}

/// `POST /team/invite`.
pub async fn team_invite(
    s: SignedIn,
    form: Checked<TeamInviteForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let role = match f.role.as_str() {
        "clinician" => Role::Clinician,
        _ => Role::Staff,
    };
    match ctx
        .services
        .invite_team_member(&s.actor(), &f.name, &f.email, role)
    {
        Ok(token) => panel(
            &ctx,
            &s,
            view::TEAM_HREF,
            view::INVITATION_TITLE,
            view::INVITATION_HEADING,
            None,
            vec![view::invitation_section(format!(
                "{}/invite/{token}",
                ctx.state.origin
            ))],
        ),
        Err(e) if e.keeps_draft() => {
            let draft = InviteDraft {
                name: &f.name,
                email: &f.email,
                role: &f.role,
            };
            team_invite_page(&ctx, &s, &draft, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}

fn require_reauth(services: &crate::domain::Services, s: &SignedIn) -> Result<(), AppError> {
    if services.recently_reauthenticated(&s.0.session) {
        Ok(())
    } else {
        Err(AppError::Redirect("/reauth".into()))
    }
}

type AccountChange = fn(
    &crate::domain::Services,
    &crate::policy::Actor,
    crate::policy::AccountId,
) -> Result<(), ServiceError>;

/// Runs an account change after the policy check and a recent re-authentication.
fn change_account(
    s: SignedIn,
    id: web::Path<AccountId>,
    ctx: Ctx,
    change: AccountChange,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let id = id.into_inner();
    s.require(
        services,
        crate::policy::Action::ManageAccount,
        crate::policy::Target::Account(id),
    )?;
    require_reauth(services, &s)?;
    change(services, &s.actor(), id)?;
    Ok(see_other(view::TEAM_HREF, &[]))
}

/// `POST /accounts/{id}/disable` (re-authentication required).
pub async fn disable_account(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    change_account(s, id, ctx, crate::domain::Services::disable_account)
}

/// `POST /accounts/{id}/reset-mfa` (re-authentication required).
pub async fn reset_mfa(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    change_account(s, id, ctx, crate::domain::Services::reset_mfa)
}

/// `POST /accounts/{id}/reset-password` (owner, re-authentication required): a one-time
/// password-reset link for an active account, shown once.
pub async fn reset_password(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let id = id.into_inner();
    s.require(
        services,
        crate::policy::Action::ResetPassword,
        crate::policy::Target::Account(id),
    )?;
    require_reauth(services, &s)?;
    let link = match services.reset_password_link(&s.actor(), id) {
        Ok(token) => Ok(format!("{}/invite/{token}", ctx.state.origin)),
        Err(ServiceError::Invalid { message, .. }) => Err(message),
        Err(e) => return Err(e.into()),
    };
    panel(
        &ctx,
        &s,
        view::TEAM_HREF,
        view::RESET_TITLE,
        view::RESET_HEADING,
        None,
        vec![view::reset_section(link)],
    )
}

/// `GET /audit?client=…&account=…&before=…`: which page of the audit log.
#[derive(Deserialize)]
pub struct AuditParams {
    client: Option<String>,
    account: Option<String>,
    before: Option<u64>,
}

/// `GET /audit`: the audit log, newest first, a page at a time (owner).
pub async fn audit(
    s: SignedIn,
    ctx: Ctx,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, AppError> {
    let params = params.into_inner();
    let filter = AuditFilter {
        client: query_id(params.client.as_deref())?,
        account: query_id(params.account.as_deref())?,
    };
    let actor = s.actor();
    let before = params.before;
    let page = ctx
        .blocking(move |services| services.audit_page(&actor, filter, before))
        .await??;
    let rows = page
        .events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: e.at,
            who: (e.actor, e.role),
            action: e.action,
            target: e.target,
            outcome: e.outcome,
            ip: e.ip,
        })
        .collect();
    let view = AuditView {
        rows,
        client: filter.client.map(|c| c.to_string()),
        account: filter.account.map(|a| a.to_string()),
        next: page.next,
        older: before.is_some(),
    };
    panel(
        &ctx,
        &s,
        audit_view::AUDIT_HREF,
        audit_view::AUDIT_TITLE,
        audit_view::AUDIT_TITLE,
        None,
        vec![audit_view::audit_section(view)],
    )
}
