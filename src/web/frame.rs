//! The frame around every response: a request id, one access-log line (route pattern only,
//! never the raw path, which may hold a token), the security headers, and a calm page in
//! place of any error body that a handler did not render itself.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error};
use tracing::Instrument;

use super::render;
use super::state::AppState;

/// Marks a response whose body was written on purpose, so the frame keeps it.
#[derive(Debug, Clone, Copy)]
pub struct RenderedPage;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, for log lines and error references.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    crate::crypto::random::fill(&mut bytes);
    hex::encode(bytes)
}

pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("strict-transport-security", "max-age=31536000"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
];

pub async fn frame(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = new_request_id();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let started = Instant::now();
    let span = tracing::info_span!("request", request_id = %id);

    let result = REQUEST_ID
        .scope(id.clone(), next.call(req).instrument(span.clone()))
        .await;
    // Handlers and the origin check answer errors as responses; an `Err` here would come
    // from actix itself and is passed on unchanged. (Keeping a clone of the request to build
    // a response from it would break actix's routing, which needs the request unshared.)
    let res = result?.map_into_boxed_body();

    let status = res.status();
    let res = if (status.is_client_error() || status.is_server_error())
        && res.response().extensions().get::<RenderedPage>().is_none()
    {
        let page = render::status_page(state.as_ref().map(|s| s.get_ref()), status, id.clone());
        let (req, old) = res.into_parts();
        let mut new = render::html(status, page);
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                new.headers_mut().insert(name.clone(), value.clone());
            }
        }
        ServiceResponse::new(req, new)
    } else {
        res
    };

    let mut res = res;
    let headers = res.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static("x-request-id"), value);
    }

    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    span.in_scope(|| {
        tracing::info!(
            %method,
            %route,
            status = status.as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
    });
    Ok(res)
}
