//! The small page-building helpers the handlers share: the navigation, form pages, panels,
//! redirects, and putting a service's complaint next to its field.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use alcove_frontend::menu::MenuView;
use alcove_frontend::{ActionSpec, Field, FormPage, FormSpec, Nav, PanelPage, Section};

use super::error::AppError;
use super::render::{self, chrome};
use super::session::{AnySession, Ctx, SignedIn};
use super::state::AppState;
use crate::ids::AccountId;
use crate::store::accounts::AccountStatus;

/// The navigation bar for a signed-in person: the links the services' menu offers them.
pub fn nav(session: &AnySession, csrf: &str, current: &str) -> Nav {
    let menu = crate::domain::menu::menu(&session.actor());
    alcove_frontend::menu::nav(MenuView {
        messages: menu.messages,
        clients: menu.clients,
        forms: menu.forms,
        team: menu.team,
        audit: menu.audit,
        name: session.account.name.clone(),
        csrf: csrf.to_owned(),
        current: current.to_owned(),
    })
}

/// A form page with the usual defaults.
pub fn form_page(
    state: &AppState,
    title: &str,
    heading: &str,
    action: &str,
    csrf: &str,
    fields: Vec<Field>,
    submit: &str,
) -> FormPage {
    FormPage {
        chrome: chrome(Some(state)),
        nav: None,
        title: title.to_owned(),
        heading: heading.to_owned(),
        intro: Vec::new(),
        error: None,
        notice: None,
        svg: None,
        secret: None,
        form: FormSpec {
            action: action.to_owned(),
            csrf: csrf.to_owned(),
            fields,
            submit: submit.to_owned(),
        },
        after: Vec::new(),
    }
}

/// An HTML response that may also set a cookie.
pub fn page(status: StatusCode, body: String, cookie: Option<Cookie<'static>>) -> HttpResponse {
    let mut resp = render::html(status, body);
    if let Some(c) = cookie {
        let _ = resp.add_cookie(&c);
    }
    resp
}

/// 303 See Other to `to`, setting `cookies`.
pub fn see_other(to: &str, cookies: &[Cookie<'static>]) -> HttpResponse {
    let mut builder = HttpResponse::SeeOther();
    builder.insert_header((actix_web::http::header::LOCATION, to));
    for c in cookies {
        builder.cookie(c.clone());
    }
    builder.finish()
}

/// Puts an error message next to the named field.
fn mark_error(fields: &mut [Field], name: &str, message: String) -> bool {
    match fields.iter_mut().find(|f| f.name == name) {
        Some(f) => {
            f.error = Some(message);
            true
        }
        None => false,
    }
}

/// Puts a service's complaint about a field next to that field; returns a message for the
/// top of the form when it concerns no single field. Other errors pass on.
pub fn field_errors(
    fields: &mut [Field],
    error: Option<crate::domain::ServiceError>,
) -> Result<Option<String>, super::error::AppError> {
    use crate::domain::ServiceError;
    Ok(match error {
        None => None,
        Some(ServiceError::Invalid { field, message }) => {
            (!mark_error(fields, field, message.clone())).then_some(message)
        }
        Some(ServiceError::Store(crate::store::StoreError::DiskFull)) => {
            Some(super::disk_full::HEADING.to_owned())
        }
        Some(ServiceError::Password(p)) => {
            let field = if p == crate::crypto::password::PasswordProblem::Mismatch {
                "confirm"
            } else {
                "password"
            };
            mark_error(fields, field, p.to_string());
            None
        }
        Some(other) => return Err(other.into()),
    })
}

/// What a signed-in form page says around its fields.
pub struct FormText<'a> {
    /// The navigation entry to mark as current.
    pub current: &'a str,
    pub title: &'a str,
    pub heading: &'a str,
    pub action: &'a str,
    pub submit: &'a str,
    pub intro: Vec<String>,
}

/// A signed-in page with one form: each error next to its field (or above the form), the
/// navigation, and the form token.
pub fn signed_in_form(
    ctx: &Ctx,
    s: &SignedIn,
    text: FormText<'_>,
    mut fields: Vec<Field>,
    error: Option<crate::domain::ServiceError>,
    status: StatusCode,
) -> Result<HttpResponse, super::error::AppError> {
    let status = super::disk_full::status_for(error.as_ref(), status);
    let general = field_errors(&mut fields, error)?;
    let mut p = form_page(
        &ctx.state,
        text.title,
        text.heading,
        text.action,
        &ctx.csrf,
        fields,
        text.submit,
    );
    p.nav = Some(nav(&s.0, &ctx.csrf, text.current));
    p.intro = text.intro;
    p.error = general;
    Ok(page(
        status,
        alcove_frontend::render_form(p),
        ctx.cookie.clone(),
    ))
}

/// A signed-in page of sections, with the navigation.
pub fn panel(
    ctx: &Ctx,
    s: &SignedIn,
    current: &str,
    title: &str,
    heading: &str,
    notice: Option<String>,
    sections: Vec<Section>,
) -> Result<HttpResponse, AppError> {
    let body = alcove_frontend::render_panel(PanelPage {
        chrome: chrome(Some(&ctx.state)),
        nav: Some(nav(&s.0, &ctx.csrf, current)),
        title: title.to_owned(),
        heading: heading.to_owned(),
        notice,
        sections,
    });
    Ok(page(StatusCode::OK, body, ctx.cookie.clone()))
}

pub fn status_word(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Invited => "Invited",
        AccountStatus::Active => "Active",
        AccountStatus::Disabled => "Switched off",
    }
}

pub fn link(href: &str, label: &str, primary: bool) -> ActionSpec {
    ActionSpec::Link {
        href: href.to_owned(),
        label: label.to_owned(),
        primary,
    }
}

/// An id given in a query string (`?client=…`): absent or empty is none, anything that is
/// not an id is a 404, as in a path.
pub fn query_id(text: Option<&str>) -> Result<Option<AccountId>, AppError> {
    match text.filter(|t| !t.is_empty()) {
        Some(t) => AccountId::parse(t).map(Some).ok_or(AppError::NotFound),
        None => Ok(None),
    }
}
