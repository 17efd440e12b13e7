//! Sign-in, the second step, its enrollment, sign-out and re-authentication.

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, Field, FieldKind, Link, PanelPage, Section};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::error::AppError;
use super::kit::{form_page, nav, page, see_other};
use super::render::chrome;
use super::session::{
    client_ip, cookie, csrf_form, removal, Checked, Ctx, MaybeSession, SignedIn, TokenOnly,
    SESSION_COOKIE,
};
use super::state::AppState;
use crate::domain::signin::{Next, SignInError};
use crate::store::sessions::SessionStage;

csrf_form!(SignInForm { email: String, password: Zeroizing<String> });
csrf_form!(CodeForm { code: String });
csrf_form!(ReauthForm { password: Zeroizing<String>, code: String });

fn sign_in_fields(email: &str) -> Vec<Field> {
    vec![
        Field::new("email", "Email address", FieldKind::Email)
            .value(email)
            .autocomplete("username"),
        Field::new(
            "password",
            "Password",
            FieldKind::Password {
                autocomplete: "current-password",
            },
        ),
    ]
}

fn sign_in_page(
    ctx: &Ctx,
    status: StatusCode,
    email: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let Ctx {
        state,
        csrf,
        cookie,
        ..
    } = ctx;
    let mut p = form_page(
        state,
        "Sign in",
        "Sign in",
        "/signin",
        csrf,
        sign_in_fields(email),
        "Sign in",
    );
    p.notice = notice;
    p.error = error;
    // The configured notice about the risks of email (also in the consent form).
    p.intro = vec![state.config.forms.email_risk_notice.clone()];
    p.after = vec![];
    let mut body = alcove_frontend::render_form(p);
    // The help line under the form.
    body = body.replace(
        "</form>",
        "</form><p class=\"help\">Forgot your password, or never received an invitation? \
         Please contact your practice; they can send you a new link.</p>",
    );
    Ok(page(status, body, cookie.clone()))
}

/// `GET /`: the sign-in page (or the unlock page while sealed, or home when signed in).
pub async fn index(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if state.vault().is_none() {
        return Ok(super::pages::unlock_page(&state, StatusCode::OK, None));
    }
    if let MaybeSession(Some(s)) = MaybeSession::extract(&req).await? {
        let to = match s.session.stage {
            SessionStage::Full => "/home",
            SessionStage::AwaitingTotp => "/signin/code",
            SessionStage::EnrollingTotp => "/mfa/setup",
        };
        return Ok(see_other(to, &[]));
    }
    sign_in_page(&Ctx::of(&req)?, StatusCode::OK, "", None, None)
}

#[derive(Deserialize)]
pub struct SignedOutQuery {
    why: Option<String>,
}

/// `GET /signed-out`: the sign-in page with a note saying why.
pub async fn signed_out(q: web::Query<SignedOutQuery>, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let note = match q.why.as_deref() {
        Some("idle") => "You were signed out because the portal was not used for a while. This keeps your information safe on shared devices. Please sign in again.",
        _ => "You are signed out.",
    };
    sign_in_page(&ctx, StatusCode::OK, "", Some(note.to_owned()), None)
}

/// `POST /signin`: the password step.
pub async fn sign_in(
    req: HttpRequest,
    form: Checked<SignInForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let form = form.0;
    match services
        .sign_in_password(client_ip(&req), &form.email, form.password)
        .await
    {
        Ok(next) => {
            // Any session from before this sign-in ends now (no fixation).
            if let Some(old) = req.cookie(SESSION_COOKIE) {
                services.end_session(old.value())?;
            }
            let (to, token) = match next {
                Next::Code(t) => ("/signin/code", t),
                Next::Enroll(t) => ("/mfa/setup", t),
                Next::Done(t) => ("/home", t),
            };
            Ok(see_other(to, &[cookie(SESSION_COOKIE, token.0)]))
        }
        Err(SignInError::Service(e)) => Err(e.into()),
        Err(e) => {
            let status = match e {
                SignInError::Locked { .. } | SignInError::Busy => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            let mut resp = sign_in_page(&ctx, status, &form.email, None, Some(e.to_string()))?;
            let _ = resp.add_removal_cookie(&removal(SESSION_COOKIE));
            Ok(resp)
        }
    }
}

fn code_page(
    ctx: &Ctx,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let mut p = form_page(
        &ctx.state,
        "Sign-in code",
        "Enter your sign-in code",
        "/signin/code",
        &ctx.csrf,
        vec![
            Field::new("code", "Code from your authenticator app", FieldKind::Code).help(
                "Six digits. If you lost your phone, enter one of your recovery codes instead.",
            ),
        ],
        "Continue",
    );
    p.error = error;
    p.after = vec![Link {
        href: "/".into(),
        label: "Start again".into(),
    }];
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `GET /signin/code`.
pub async fn code_form(s: MaybeSession, ctx: Ctx) -> Result<HttpResponse, AppError> {
    match s.0 {
        Some(s) if s.session.stage == SessionStage::AwaitingTotp => {
            code_page(&ctx, StatusCode::OK, None)
        }
        _ => Ok(see_other("/", &[])),
    }
}

/// `POST /signin/code`: the second step; a fresh session token on success.
pub async fn code_submit(
    req: HttpRequest,
    form: Checked<CodeForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(see_other("/", &[]));
    };
    match ctx
        .services
        .sign_in_code(client_ip(&req), &token, &form.0.code)
    {
        Ok(fresh) => Ok(see_other("/home", &[cookie(SESSION_COOKIE, fresh.0)])),
        Err(SignInError::Expired) => Ok(see_other("/", &[removal(SESSION_COOKIE)])),
        Err(SignInError::Service(e)) => Err(e.into()),
        Err(e @ SignInError::Locked { .. }) => {
            code_page(&ctx, StatusCode::TOO_MANY_REQUESTS, Some(e.to_string()))
        }
        Err(e) => code_page(&ctx, StatusCode::UNAUTHORIZED, Some(e.to_string())),
    }
}

fn enroll_page(
    ctx: &Ctx,
    s: &super::session::AnySession,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let Ctx {
        state,
        services,
        csrf,
        cookie,
    } = ctx;
    let (svg, secret) = services.enrollment(&s.account, &state.practice_name())?;
    let mut p = form_page(
        state,
        "Set up sign-in codes",
        "Set up your second sign-in step",
        "/mfa/setup",
        csrf,
        vec![Field::new(
            "code",
            "The six-digit code the app shows",
            FieldKind::Code,
        )],
        "Turn on sign-in codes",
    );
    p.intro = vec![
        "Each time you sign in you will also type a code from an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or 1Password). This keeps your account safe even if someone learns your password.".into(),
        "Open the app, add an account, and scan this code:".into(),
    ];
    p.svg = Some(svg);
    p.secret = Some(secret);
    p.error = error;
    let status = if p.error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        cookie.clone(),
    ))
}

/// `GET /mfa/setup`: QR code and secret for the authenticator app.
pub async fn enroll_form(s: MaybeSession, ctx: Ctx) -> Result<HttpResponse, AppError> {
    match s.0 {
        Some(s) if may_enroll(&s) => enroll_page(&ctx, &s, None),
        Some(_) => Ok(see_other("/home", &[])),
        None => Ok(see_other("/", &[])),
    }
}

/// Enrollment is for a session that must enroll, or a signed-in person (a client) who has
/// no sign-in codes yet and chooses to turn them on.
fn may_enroll(s: &super::session::AnySession) -> bool {
    s.session.stage == SessionStage::EnrollingTotp
        || (s.session.stage == SessionStage::Full && !s.account.mfa_enabled())
}

/// `POST /mfa/setup`: the first code turns the second step on; recovery codes are shown once.
pub async fn enroll_submit(
    req: HttpRequest,
    s: MaybeSession,
    form: Checked<CodeForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let Some(s) = s.0.filter(may_enroll) else {
        return Ok(see_other("/", &[]));
    };
    match ctx
        .services
        .confirm_enrollment(client_ip(&req), &s.token, s.account.id, &form.0.code)
    {
        Ok(codes) => {
            let body = alcove_frontend::render_panel(PanelPage {
                chrome: chrome(Some(&ctx.state)),
                nav: None,
                title: "Recovery codes".into(),
                heading: "Sign-in codes are on".into(),
                notice: Some("From now on you will type a code from your app each time you sign in.".into()),
                sections: vec![Section {
                    heading: Some("Save your recovery codes".into()),
                    paragraphs: vec![
                        "If you lose your phone, each of these codes lets you sign in once. Print them or write them down and keep them somewhere safe. They are shown only now.".into(),
                    ],
                    codes,
                    actions: vec![ActionSpec::Link { href: "/home".into(), label: "I have saved them; continue".into(), primary: true }],
                    ..Section::default()
                }],
            });
            Ok(page(StatusCode::OK, body, None))
        }
        Err(SignInError::Service(e)) => Err(e.into()),
        Err(e) => enroll_page(&ctx, &s, Some(e.to_string())),
    }
}

/// `POST /signout`: ends the session on the server and forgets the cookie.
pub async fn sign_out(
    s: MaybeSession,
    _form: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    if let Some(s) = s.0 {
        services.sign_out(&s.actor(), &s.token)?;
    }
    Ok(see_other("/signed-out", &[removal(SESSION_COOKIE)]))
}

fn reauth_page(
    ctx: &Ctx,
    s: &SignedIn,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let mut p = form_page(
        &ctx.state,
        "Confirm it is you",
        "Confirm it is you",
        "/reauth",
        &ctx.csrf,
        vec![
            Field::new(
                "password",
                "Password",
                FieldKind::Password {
                    autocomplete: "current-password",
                },
            ),
            Field::new("code", "Code from your authenticator app", FieldKind::Code),
        ],
        "Confirm",
    );
    p.nav = Some(nav(&s.0, &ctx.csrf, ""));
    p.intro = vec!["This action changes who can reach the practice's data, so please confirm your password and a sign-in code. You will not be asked again for five minutes.".into()];
    p.error = error;
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// `GET /reauth`.
pub async fn reauth_form(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    reauth_page(&ctx, &s, StatusCode::OK, None)
}

/// `POST /reauth`.
pub async fn reauth_submit(
    req: HttpRequest,
    s: SignedIn,
    form: Checked<ReauthForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    match ctx
        .services
        .reauthenticate(
            client_ip(&req),
            &s.0.token,
            s.0.account.id,
            form.password,
            &form.code,
        )
        .await
    {
        Ok(()) => Ok(see_other("/team", &[])),
        Err(SignInError::Service(e)) => Err(e.into()),
        Err(e) => reauth_page(&ctx, &s, StatusCode::UNAUTHORIZED, Some(e.to_string())),
    }
}
