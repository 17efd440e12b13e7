//! Email alert pages: one's own alert settings, confirming an address from the emailed
//! link, the practice recording a client's choice, and the owner's dashboard note when
//! alerts fail.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, MessageView, Section};

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
    req: &HttpRequest,
    s: &SignedIn,
    status: StatusCode,
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, csrf, .. } = Ctx::of(req)?;
    let settings = services.email_settings(&s.actor())?;
    let mut paragraphs = vec![format!(
        "Alerts go to {}. They never say who wrote or what about: only that a secure message is waiting.",
        settings.address
    )];
    let mut actions = Vec::new();
    if !settings.reads_messages {
        paragraphs = vec!["Message alerts go to people who read messages; your role does not, so none are sent to you.".into()];
    } else {
        paragraphs.push(
            if settings.confirmed {
                "This address is confirmed."
            } else {
                "This address is not confirmed yet, so no alerts are sent to it. Use the link in the confirmation email, or ask for a new one here."
            }
            .into(),
        );
        paragraphs.push(
            if settings.alerts {
                "Alerts are on."
            } else {
                "Alerts are off: you check the portal yourself."
            }
            .into(),
        );
        actions.push(ActionSpec::Post {
            action: "/settings/email".into(),
            csrf: csrf.clone(),
            label: if settings.alerts {
                "Turn alerts off"
            } else {
                "Turn alerts on"
            }
            .into(),
            primary: !settings.alerts,
        });
        if !settings.confirmed && settings.mail_enabled {
            actions.push(ActionSpec::Post {
                action: "/settings/email/confirm".into(),
                csrf,
                label: "Send a confirmation link".into(),
                primary: false,
            });
        }
    }
    if !settings.mail_enabled {
        paragraphs
            .push("Email is not set up on this portal yet, so no alerts are sent at all.".into());
    }
    let mut resp = panel(
        &Ctx::of(req)?,
        s,
        "/settings/email",
        "Email alerts",
        "Email alerts",
        notice.map(str::to_owned),
        vec![Section {
            paragraphs,
            actions,
            ..Section::default()
        }],
    )?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /settings/email`.
pub async fn settings(req: HttpRequest, s: SignedIn) -> Result<HttpResponse, AppError> {
    settings_page(&req, &s, StatusCode::OK, None)
}

/// `POST /settings/email`: turns one's alerts off or on.
pub async fn toggle_own(
    s: SignedIn,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let now_on = services.email_settings(&s.actor())?.alerts;
    services.set_own_email_alerts(&s.actor(), !now_on)?;
    Ok(see_other("/settings/email", &[]))
}

/// `POST /settings/email/confirm`: a new confirmation link to one's own address.
pub async fn resend_own(
    req: HttpRequest,
    s: SignedIn,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    match services.resend_own_confirmation(&s.actor()) {
        Ok(()) => settings_page(
            &req,
            &s,
            StatusCode::OK,
            Some("A confirmation link is on its way. It works for 7 days."),
        ),
        Err(ServiceError::Invalid { message, .. }) => {
            settings_page(&req, &s, StatusCode::BAD_REQUEST, Some(&message))
        }
        Err(e) => Err(e.into()),
    }
}

/// The client page's section about email alerts, for those who may change them.
pub fn client_alerts_section(services: &Services, detail: &ClientDetail, csrf: &str) -> Section {
    let id = detail.id;
    let csrf = csrf.to_owned();
    let mut paragraphs = vec![
        if detail.email_confirmed {
            "The client's email address is confirmed."
        } else {
            "The client's email address is not confirmed yet: no alerts go to it until the client uses the confirmation link."
        }
        .to_owned(),
        if detail.email_alerts {
            "Email alerts: on (a short note that a secure message is waiting, nothing more)."
        } else {
            "Email alerts: off — the client declined them."
        }
        .to_owned(),
    ];
    if !services.mail_enabled() {
        paragraphs.push("Email is not set up on this portal yet, so no alerts are sent.".into());
    }
    let mut actions = vec![ActionSpec::Post {
        action: format!("/clients/{id}/email-alerts"),
        csrf: csrf.clone(),
        label: if detail.email_alerts {
            "Record that the client declines email alerts"
        } else {
            "Turn email alerts back on"
        }
        .into(),
        primary: false,
    }];
    if !detail.email_confirmed && services.mail_enabled() {
        actions.push(ActionSpec::Post {
            action: format!("/clients/{id}/confirm-email"),
            csrf,
            label: "Send the confirmation link again".into(),
            primary: false,
        });
    }
    Section {
        heading: Some("Email alerts".into()),
        paragraphs,
        actions,
        ..Section::default()
    }
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
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    match services.resend_client_confirmation(&s.actor(), id) {
        Ok(()) => Ok(see_other(&format!("/clients/{id}"), &[])),
        Err(ServiceError::Invalid { field, message }) => {
            let mut page =
                super::clients::client_page(&Ctx::of(&req)?, &s, id, Some(message), None)?;
            if field == "resend" {
                *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            }
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

fn confirm_message(
    req: &HttpRequest,
    status: StatusCode,
    heading: &str,
    paragraphs: &[&str],
) -> Result<HttpResponse, AppError> {
    let Ctx { state, .. } = Ctx::of(req)?;
    Ok(page(
        status,
        alcove_frontend::render_message(MessageView {
            chrome: chrome(Some(&state)),
            title: "Email address".into(),
            heading: heading.into(),
            paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
            reference: None,
            back_href: "/".into(),
        }),
        None,
    ))
}

fn link_gone(req: &HttpRequest) -> Result<HttpResponse, AppError> {
    confirm_message(
        req,
        StatusCode::NOT_FOUND,
        "This link no longer works",
        &[
            "Confirmation links work once and for 7 days, and only for the address they were sent to.",
            "Sign in and ask for a new link under “Email alerts”, or contact your practice.",
        ],
    )
}

/// `GET /confirm-email/{token}`: a button, so that mail scanners following links confirm
/// nothing.
pub async fn confirm_form(
    req: HttpRequest,
    token: web::Path<String>,
    Ctx {
        state,
        services,
        csrf,
        cookie: c,
        ..
    }: Ctx,
) -> Result<HttpResponse, AppError> {
    if !matches!(services.check_confirmation(&token)?, ConfirmState::Valid) {
        return link_gone(&req);
    }
    let mut p = form_page(
        &state,
        "Confirm your email address",
        "Confirm your email address",
        &format!("/confirm-email/{token}"),
        &csrf,
        vec![],
        "Confirm this address",
    );
    p.intro = vec!["Confirming lets the portal send you short alerts when a secure message is waiting. The alerts never say who wrote or what about.".into()];
    Ok(page(StatusCode::OK, alcove_frontend::render_form(p), c))
}

/// `POST /confirm-email/{token}`.
pub async fn confirm(
    req: HttpRequest,
    token: web::Path<String>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let actor = Actor::Anonymous {
        ip: client_ip(&req),
    };
    match services.confirm_email(&token, &actor)? {
        ConfirmState::Valid => confirm_message(
            &req,
            StatusCode::OK,
            "Thank you — your address is confirmed",
            &[&format!(
                "You will get a short email when a secure message is waiting (confirmed {}).",
                human_time(services.now())
            )],
        ),
        ConfirmState::Expired | ConfirmState::Unknown => link_gone(&req),
    }
}

/// The owner's dashboard note when alerts are failing or were given up.
pub fn mail_problem_section(
    services: &Services,
    actor: &Actor,
) -> Result<Option<Section>, AppError> {
    let Some(p) = services.mail_problems(actor)? else {
        return Ok(None);
    };
    let mut paragraphs = Vec::new();
    if p.retrying > 0 {
        paragraphs.push(format!(
            "{} email alert(s) could not be sent yet{}: {}. They are retried automatically; messages in the portal are not affected.",
            p.retrying,
            p.since
                .map(|t| format!(" (waiting since {})", human_time(t)))
                .unwrap_or_default(),
            p.reason.unwrap_or_else(|| "unknown problem".into()),
        ));
    }
    if p.given_up > 0 {
        paragraphs.push(format!(
            "{} email alert(s) were given up after 3 days of failures. Check the [smtp] settings in alcove.toml.",
            p.given_up
        ));
    }
    Ok(Some(Section {
        heading: Some("Email alerts are failing".into()),
        paragraphs,
        ..Section::default()
    }))
}
