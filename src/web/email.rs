//! Email alert pages: one's own alert settings, confirming an address from the emailed
//! link, the practice recording a client's choice, and the owner's dashboard note when
//! alerts fail. The wording is in the frontend's `pages/email.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::email::{self as view, ClientAlertsView, MailProblemsView, OwnAlertsView};
use alcove_frontend::{MessageView, Section};

use super::error::AppError;
use super::kit::{form_page, page, panel, see_other};
use super::render::{chrome, human_time};
use super::session::{client_ip, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::clients::ClientDetail;
use crate::domain::notify::ConfirmState;
use crate::domain::{ServiceError, Services};
use crate::ids::AccountId;
use crate::policy::Actor;

fn settings_page(
    ctx: &Ctx,
    s: &SignedIn,
    status: StatusCode,
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let settings = ctx.services.email_settings(&s.actor())?;
    let own = OwnAlertsView {
        address: settings.address,
        reads_messages: settings.reads_messages,
        confirmed: settings.confirmed,
        alerts: settings.alerts,
        mail_enabled: settings.mail_enabled,
    };
    let mut resp = panel(
        ctx,
        s,
        view::SETTINGS_HREF,
        view::SETTINGS_TITLE,
        view::SETTINGS_TITLE,
        notice.map(str::to_owned),
        vec![view::own_alerts_section(&own, &ctx.csrf)],
    )?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /settings/email`.
pub async fn settings(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    settings_page(&ctx, &s, StatusCode::OK, None)
}

/// `POST /settings/email`: turns one's alerts off or on.
pub async fn toggle_own(
    s: SignedIn,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let now_on = services.email_settings(&s.actor())?.alerts;
    services.set_own_email_alerts(&s.actor(), !now_on)?;
    Ok(see_other(view::SETTINGS_HREF, &[]))
}

/// `POST /settings/email/confirm`: a new confirmation link to one's own address.
pub async fn resend_own(
    s: SignedIn,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    match ctx.services.resend_own_confirmation(&s.actor()) {
        Ok(()) => settings_page(&ctx, &s, StatusCode::OK, Some(view::CONFIRMATION_SENT)),
        Err(ServiceError::Invalid { message, .. }) => {
            settings_page(&ctx, &s, StatusCode::BAD_REQUEST, Some(&message))
        }
        Err(e) => Err(e.into()),
    }
}

/// The client page's section about email alerts, for those who may change them.
pub fn client_alerts_section(services: &Services, detail: &ClientDetail, csrf: &str) -> Section {
    let id = detail.id;
    view::client_alerts_section(
        &ClientAlertsView {
            confirmed: detail.email_confirmed,
            alerts: detail.email_alerts,
            mail_enabled: services.mail_enabled(),
            toggle: format!("/clients/{id}/email-alerts"),
            resend: format!("/clients/{id}/confirm-email"),
        },
        csrf,
    )
}

/// `POST /clients/{id}/email-alerts`: switches a client's alerts off or back on.
pub async fn toggle_client(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = s.actor();
    let detail = services.client_detail(&actor, id)?;
    services.set_client_email_alerts(&actor, id, !detail.email_alerts)?;
    Ok(see_other(&format!("/clients/{id}"), &[]))
}

/// `POST /clients/{id}/confirm-email`: a new confirmation link to the client.
pub async fn resend_client(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    match ctx.services.resend_client_confirmation(&s.actor(), id) {
        Ok(()) => Ok(see_other(&format!("/clients/{id}"), &[])),
        Err(ServiceError::Invalid { field, message }) => {
            let mut page = super::clients::client_page(&ctx, &s, id, Some(message), None)?;
            if field == "resend" {
                *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            }
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

fn message_page(status: StatusCode, message: MessageView) -> HttpResponse {
    page(status, alcove_frontend::render_message(message), None)
}

fn link_gone(ctx: &Ctx) -> HttpResponse {
    message_page(
        StatusCode::NOT_FOUND,
        view::link_gone(chrome(Some(&ctx.state))),
    )
}

/// `GET /confirm-email/{token}`: a button, so that mail scanners following links confirm
/// nothing.
pub async fn confirm_form(token: web::Path<String>, ctx: Ctx) -> Result<HttpResponse, AppError> {
    if !matches!(
        ctx.services.check_confirmation(&token)?,
        ConfirmState::Valid
    ) {
        return Ok(link_gone(&ctx));
    }
    let mut p = form_page(
        &ctx.state,
        view::CONFIRM_TITLE,
        view::CONFIRM_TITLE,
        &format!("/confirm-email/{token}"),
        &ctx.csrf,
        vec![],
        view::CONFIRM_SUBMIT,
    );
    p.intro = vec![view::CONFIRM_INTRO.into()];
    Ok(page(
        StatusCode::OK,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `POST /confirm-email/{token}`.
pub async fn confirm(
    req: HttpRequest,
    token: web::Path<String>,
    _f: Checked<TokenOnly>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let actor = Actor::Anonymous {
        ip: client_ip(&req),
    };
    let services = &ctx.services;
    Ok(match services.confirm_email(&token, &actor)? {
        ConfirmState::Valid => message_page(
            StatusCode::OK,
            view::confirmed(chrome(Some(&ctx.state)), &human_time(services.now())),
        ),
        ConfirmState::Expired | ConfirmState::Unknown => link_gone(&ctx),
    })
}

/// The owner's dashboard note when alerts are failing or were given up.
pub fn mail_problem_section(
    services: &Services,
    actor: &Actor,
) -> Result<Option<Section>, AppError> {
    Ok(services.mail_problems(actor)?.map(|p| {
        view::mail_problem_section(MailProblemsView {
            retrying: p.retrying,
            since: p.since.map(human_time),
            reason: p.reason,
            given_up: p.given_up,
        })
    }))
}
