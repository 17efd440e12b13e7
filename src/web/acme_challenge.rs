//! HTTP-01 answers on the plain-HTTP listener: `/.well-known/acme-challenge/<token>` gives
//! the key authorization while the order is open; every other path still redirects.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::tls::acme_challenge::AcmeChallenges;

/// Adds the challenge route when ACME is on.
pub fn configure(cfg: &mut web::ServiceConfig, book: Option<Arc<AcmeChallenges>>) {
    if let Some(book) = book {
        cfg.app_data(web::Data::from(book))
            .route("/.well-known/acme-challenge/{token}", web::get().to(answer));
    }
}

async fn answer(token: web::Path<String>, book: web::Data<AcmeChallenges>) -> HttpResponse {
    match book.http_answer(&token) {
        Some(key_authorization) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(key_authorization),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("No such challenge."),
    }
}
