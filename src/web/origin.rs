//! Cross-site request forgery, first line: a state-changing request must come from one of
//! our own pages, as the browser's `Origin` (or, failing that, `Referer`) header says.
//! Per-session form tokens add the second line once sessions exist.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// True when the request names our own origin (`https://` + the Host it was sent to).
pub fn same_origin(req: &ServiceRequest) -> bool {
    let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let expected = format!("https://{host}");
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        return origin.to_str().is_ok_and(|o| o == expected);
    }
    if let Some(referer) = req.headers().get(header::REFERER) {
        return referer
            .to_str()
            .is_ok_and(|r| r == expected || r.starts_with(&format!("{expected}/")));
    }
    false
}

pub async fn check_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if is_safe(req.method()) || same_origin(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    tracing::warn!("refused a state-changing request from another origin");
    let (req, _payload) = req.into_parts();
    Ok(ServiceResponse::new(
        req,
        HttpResponse::build(StatusCode::FORBIDDEN).finish(),
    ))
}
