//! Arriving by link: the owner's one-time setup link and invitation / password-reset links.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{Field, FieldKind, MessageView};
use zeroize::Zeroizing;

use super::error::AppError;
use super::kit::{field_errors, form_page, page, see_other};
use super::render::chrome;
use super::session::{client_ip, cookie, csrf_form, Checked, Ctx, SESSION_COOKIE};
use crate::domain::accounts::InviteState;
use crate::domain::setup::{OwnerForm, SetupTokenState};
use crate::domain::ServiceError;
use crate::store::invites::InviteKind;

csrf_form!(OwnerSetupForm {
    practice: String,
    name: String,
    email: String,
    password: Zeroizing<String>,
    confirm: Zeroizing<String>,
});
csrf_form!(PasswordForm { password: Zeroizing<String>, confirm: Zeroizing<String> });

fn link_gone(ctx: &Ctx, heading: &str, paragraphs: &[&str]) -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        alcove_frontend::render_message(MessageView {
            chrome: chrome(Some(&ctx.state)),
            title: "Link not valid".into(),
            heading: heading.into(),
            paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
            reference: None,
            back_href: "/".into(),
        }),
        None,
    )
}

fn password_fields() -> Vec<Field> {
    vec![
        Field::new("password", "Choose a password", FieldKind::Password { autocomplete: "new-password" })
            .help("At least 12 characters. A few unrelated words make a strong password that is easy to remember."),
        Field::new("confirm", "Type the password again", FieldKind::Password { autocomplete: "new-password" }),
    ]
}

fn setup_page(
    ctx: &Ctx,
    token: &str,
    practice: &str,
    name: &str,
    email: &str,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let expires = match ctx.services.setup_link_state(token)? {
        SetupTokenState::Valid { expires_at } => super::render::human_time(expires_at),
        SetupTokenState::NotValid => {
            return Ok(link_gone(ctx, "This setup link no longer works", &[
                "Setup links work once, for 24 hours, and only the newest one works.",
                "If the owner account does not exist yet, restart Alcove on your server to print a fresh link.",
            ]))
        }
    };
    let mut fields = vec![
        Field::new("practice", "Practice name", FieldKind::Text)
            .value(practice)
            .autocomplete("organization")
            .help("Shown at the top of every page, as your clients should see it."),
        Field::new("name", "Your name", FieldKind::Text)
            .value(name)
            .autocomplete("name"),
        Field::new("email", "Your email address", FieldKind::Email)
            .value(email)
            .autocomplete("username"),
    ];
    fields.extend(password_fields());
    let general = field_errors(&mut fields, error)?;
    let action = format!("/setup/{token}");
    let mut p = form_page(
        &ctx.state,
        "Set up",
        "Set up your practice",
        &action,
        &ctx.csrf,
        fields,
        "Create owner account",
    );
    p.intro = vec![
        format!("This one-time link is valid until {expires}. You are creating the owner account: the person who runs this portal."),
        "Next you will set up sign-in codes on your phone.".into(),
    ];
    p.error = general.or_else(|| {
        (status != StatusCode::OK).then(|| "Please correct the marked fields.".to_owned())
    });
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `GET /setup/{token}`.
pub async fn setup_form(token: web::Path<String>, ctx: Ctx) -> Result<HttpResponse, AppError> {
    setup_page(&ctx, &token, "", "", "", StatusCode::OK, None)
}

/// `POST /setup/{token}`: creates the owner, then on to the second step.
pub async fn setup_submit(
    req: HttpRequest,
    token: web::Path<String>,
    form: Checked<OwnerSetupForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let (practice, name, email) = (f.practice.clone(), f.name.clone(), f.email.clone());
    let owner = OwnerForm {
        practice: f.practice,
        name: f.name,
        email: f.email,
        password: f.password,
        confirm: f.confirm,
    };
    match ctx
        .services
        .create_owner(client_ip(&req), &token, owner)
        .await
    {
        Ok(session) => {
            ctx.state.set_practice_name(practice.trim());
            Ok(see_other(
                "/mfa/setup",
                &[cookie(SESSION_COOKIE, session.0)],
            ))
        }
        Err(ServiceError::NotFound) => {
            setup_page(&ctx, &token, "", "", "", StatusCode::NOT_FOUND, None)
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Password(_))) => setup_page(
            &ctx,
            &token,
            &practice,
            &name,
            &email,
            StatusCode::BAD_REQUEST,
            Some(e),
        ),
        Err(e) => Err(e.into()),
    }
}

fn invite_page(
    ctx: &Ctx,
    token: &str,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let (kind, name) = match ctx.services.check_invite(token)? {
        InviteState::Valid { kind, name, .. } => (kind, name),
        InviteState::NotValid => {
            return Ok(link_gone(ctx, "This link no longer works", &[
                "Links work once and only for a limited time, and a newer link replaces an older one.",
                "Please contact your practice and ask for a new link.",
            ]))
        }
    };
    let mut fields = password_fields();
    let general = field_errors(&mut fields, error)?;
    let action = format!("/invite/{token}");
    let (title, heading, intro) = match kind {
        InviteKind::Join => (
            "Welcome",
            format!("Welcome, {name}"),
            "Choose a password to open your secure portal. This link works once.",
        ),
        InviteKind::ResetPassword => (
            "New password",
            format!("New password for {name}"),
            "Choose a new password. Signing in elsewhere will end.",
        ),
    };
    let mut p = form_page(
        &ctx.state,
        title,
        &heading,
        &action,
        &ctx.csrf,
        fields,
        "Save password",
    );
    p.intro = vec![intro.to_owned()];
    p.error = general;
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `GET /invite/{token}`.
pub async fn invite_form(token: web::Path<String>, ctx: Ctx) -> Result<HttpResponse, AppError> {
    invite_page(&ctx, &token, StatusCode::OK, None)
}

/// `POST /invite/{token}`: sets the password and signs the person in.
pub async fn invite_submit(
    req: HttpRequest,
    token: web::Path<String>,
    form: Checked<PasswordForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    match ctx
        .services
        .accept_invite(client_ip(&req), &token, f.password, f.confirm)
        .await
    {
        Ok(session) => Ok(see_other("/", &[cookie(SESSION_COOKIE, session.0)])),
        Err(ServiceError::NotFound) => invite_page(&ctx, &token, StatusCode::NOT_FOUND, None),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Password(_))) => {
            invite_page(&ctx, &token, StatusCode::BAD_REQUEST, Some(e))
        }
        Err(e) => Err(e.into()),
    }
}
