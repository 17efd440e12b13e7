//! Sessions and form tokens at the HTTP edge: the `__Host-alcove` cookie, the extractors
//! that turn it into an actor, and the one place that checks CSRF tokens.
//!
//! A form token is HMAC(index key, cookie value), bound to the session cookie when there is
//! one and to a pre-session cookie (`__Host-alcove-pre`) otherwise; every state-changing
//! form carries it as `csrf`, and `Checked<T>` refuses a form without the right one. The
//! Origin check in `origin.rs` comes first.

use std::future::{ready, Ready};
use std::net::IpAddr;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::error::AppError;
use super::state::AppState;
use crate::domain::sessions::Resolved;
use crate::domain::Services;
use crate::policy::Actor;
use crate::store::accounts::Account;
use crate::store::sessions::{Session, SessionStage};

pub const SESSION_COOKIE: &str = "__Host-alcove";
pub const PRE_COOKIE: &str = "__Host-alcove-pre";

/// A cookie with the attributes every Alcove cookie has.
pub fn cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .finish()
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = cookie(name, String::new());
    c.make_removal();
    c
}

/// The address the request counts as coming from: the TCP peer, or behind a reverse proxy
/// the address it forwards (see `proxy.rs`).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let behind_proxy = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.tls.mode == crate::config::TlsMode::Proxy);
    super::proxy::client_ip(req.peer_addr(), req.headers(), behind_proxy)
}

fn services(req: &HttpRequest) -> Result<(web::Data<AppState>, Services), AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(AppError::NoState)?;
    let services = state.vault().ok_or(AppError::Sealed)?.services.clone();
    Ok((state, services))
}

/// What a handler needs from the request, extracted once: the state, the services of the
/// opened store (a sealed data directory is a 503 here, as before any handler code runs),
/// and this visitor's form token with the pre-session cookie to set when they have no
/// cookie yet. Put it after the path, the session and the form in a handler's arguments:
/// extractors run in order, so a bad id stays a 404 and a missing session a redirect.
pub struct Ctx {
    pub state: web::Data<AppState>,
    pub services: Services,
    pub csrf: String,
    pub cookie: Option<Cookie<'static>>,
}

impl Ctx {
    /// Runs `f` (a service call) on the blocking pool: a write waits for its flush to disk
    /// there, shared with the writes of other requests (group commit), while the actix
    /// worker goes on serving others.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Services) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let services = self.services.clone();
        Ok(web::block(move || f(&services)).await?)
    }

    pub fn of(req: &HttpRequest) -> Result<Self, AppError> {
        let (state, services) = services(req)?;
        let (csrf, cookie) = form_token(req, &services);
        Ok(Ctx {
            state,
            services,
            csrf,
            cookie,
        })
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ctx::of(req))
    }
}

fn csrf_for(services: &Services, cookie_value: &str) -> String {
    let mac = services.csrf_mac(cookie_value);
    hex::encode(&mac[..16])
}

/// The form token for this request, and a pre-session cookie to set when the visitor has
/// neither cookie yet.
fn form_token(req: &HttpRequest, services: &Services) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req
        .cookie(SESSION_COOKIE)
        .or_else(|| req.cookie(PRE_COOKIE))
    {
        return (csrf_for(services, c.value()), None);
    }
    let value = crate::crypto::random::token();
    let token = csrf_for(services, &value);
    (token, Some(cookie(PRE_COOKIE, value)))
}

/// Is `token` the form token of this visitor's session (or pre-session) cookie?
pub fn csrf_matches(req: &HttpRequest, services: &Services, token: &str) -> bool {
    let cookie = req
        .cookie(SESSION_COOKIE)
        .or_else(|| req.cookie(PRE_COOKIE));
    cookie.is_some_and(|c| {
        let expected = csrf_for(services, c.value());
        bool::from(expected.as_bytes().ct_eq(token.as_bytes()))
    })
}

/// A form that carries a `csrf` field.
pub trait HasCsrf {
    fn csrf(&self) -> &str;
}

/// A form whose token has been checked. The only way handlers receive state-changing forms.
pub struct Checked<T>(pub T);

impl<T: DeserializeOwned + HasCsrf + 'static> FromRequest for Checked<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let form = web::Form::<T>::from_request(&req, payload);
        Box::pin(async move {
            let form = form.await?.into_inner();
            let (_, services) = services(&req)?;
            if !csrf_matches(&req, &services, form.csrf()) {
                tracing::warn!("refused a form without a valid form token");
                return Err(AppError::Forbidden.into());
            }
            Ok(Checked(form))
        })
    }
}

/// A session in any stage, as found from the cookie.
pub struct AnySession {
    pub token: String,
    pub session: Session,
    pub account: Box<Account>,
    pub ip: Option<IpAddr>,
}

impl AnySession {
    pub fn actor(&self) -> Actor {
        Actor::account(self.account.id, self.account.role, self.ip)
    }
}

fn find_session(req: &HttpRequest) -> Result<Option<AnySession>, AppError> {
    let (_, services) = services(req)?;
    let Some(c) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let token = c.value().to_owned();
    match services.resolve_session(&token)? {
        Resolved::Valid { session, account } => Ok(Some(AnySession {
            token,
            session,
            account,
            ip: client_ip(req),
        })),
        Resolved::TimedOut => Err(AppError::Redirect("/signed-out?why=idle".into())),
        Resolved::Invalid => Ok(None),
    }
}

/// The session, if the visitor has a live one (any stage).
pub struct MaybeSession(pub Option<AnySession>);

impl FromRequest for MaybeSession {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match find_session(req) {
            Ok(s) => Ok(MaybeSession(s)),
            Err(AppError::Redirect(_)) => Ok(MaybeSession(None)),
            Err(e) => Err(e),
        })
    }
}

/// A fully signed-in person. Anyone else is sent to the right step.
pub struct SignedIn(pub AnySession);

impl SignedIn {
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }

    /// Asks the policy (through the services, so a refusal is audited) before a page that
    /// reads nothing else is shown.
    pub fn require(
        &self,
        services: &Services,
        action: crate::policy::Action,
        target: crate::policy::Target,
    ) -> Result<(), AppError> {
        services.authorize(&self.actor(), action, target)?;
        Ok(())
    }
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match find_session(req) {
            Ok(Some(s)) => match s.session.stage {
                SessionStage::Full => Ok(SignedIn(s)),
                SessionStage::AwaitingTotp => Err(AppError::Redirect("/signin/code".into())),
                SessionStage::EnrollingTotp => Err(AppError::Redirect("/mfa/setup".into())),
            },
            Ok(None) => Err(AppError::Redirect("/".into())),
            Err(e) => Err(e),
        })
    }
}

/// Declares a state-changing form: its fields (each defaulting when missing) and the
/// `csrf` field `Checked<T>` checks. Each handler file declares the forms it receives.
macro_rules! csrf_form {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(serde::Deserialize)]
        pub struct $name {
            // Missing counts as wrong: the check refuses it with 403.
            #[serde(default)]
            pub csrf: String,
            $(#[serde(default)] pub $field: $ty,)*
        }
        impl $crate::web::session::HasCsrf for $name {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
        // Forms may hold passwords and client details: never print them.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), " { .. }"))
            }
        }
    };
}
pub(crate) use csrf_form;

csrf_form!(TokenOnly {});
