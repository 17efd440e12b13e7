//! The actix-web application: routes, middleware, and the servers that run it.

mod acme_challenge;
mod appointments;
mod assets;
mod auth;
mod backups;
mod chart;
mod client_home;
mod clients;
mod disk_full;
mod email;
mod error;
mod files;
mod form_links;
mod forms;
mod frame;
mod home;
mod kit;
mod messages;
mod onboard;
mod origin;
mod pages;
mod proxy;
mod redirect;
mod render;
mod retention;
mod routes;
mod session;
mod settings;
mod state;
mod team;
mod unlock_gate;
mod upload;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

pub use crate::vault::Vault;
pub use frame::CSP;
pub use redirect::RedirectTarget;
pub use routes::ROUTES;
pub use state::AppState;

use crate::tls::SwappableResolver;

/// What the fuzz targets reach inside the web layer (see `crate::fuzzing`).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod fuzz_entry {
    pub use super::error::AppError;
    pub use super::form_links::{answers_of, field_for};
    pub use super::upload::read_post_checked;
    pub use super::FORM_LIMIT;
}

/// Largest urlencoded form body: long answers (10 000 characters) and notes (20 000) in
/// non-Latin text take up to 9 bytes a character once encoded.
pub const FORM_LIMIT: usize = 512 * 1024;

/// Routes and middleware, shared by the server and in-process tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(FORM_LIMIT));
    routes::register(cfg);
    cfg.default_service(web::to(pages::not_found));
}

/// Threads of each worker's blocking pool (where service calls run).
const BLOCKING_THREADS: usize = 16;

/// Runs the HTTPS server (and the HTTP redirect, when given) until a shutdown signal.
/// Without a resolver (`[tls] mode = "proxy"`) the main listener speaks plain HTTP. Serves
/// HTTP only: `serve` starts the admin socket and the background jobs.
pub async fn run(
    state: AppState,
    https: TcpListener,
    http: Option<(TcpListener, RedirectTarget)>,
    resolver: Option<Arc<SwappableResolver>>,
) -> std::io::Result<()> {
    // The ACME HTTP-01 answers, served on the plain-HTTP listener while an order is open.
    let acme = resolver.as_ref().and_then(|r| r.acme());
    let tls = match resolver {
        Some(r) => {
            Some(crate::tls::server_config(r).map_err(|e| std::io::Error::other(e.to_string()))?)
        }
        None => None,
    };
    let data = web::Data::new(state);
    let https_server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(origin::check_origin))
            .wrap(from_fn(frame::frame))
            .configure(configure)
    })
    // Service calls run on the blocking pool: a few threads per worker keep the
    // machine's two cores busy without dozens of threads (and their memory) waiting on
    // the store's one writer.
    .worker_max_blocking_threads(BLOCKING_THREADS);
    let https_server = match tls {
        Some(tls) => https_server.listen_rustls_0_23(https, tls)?,
        None => https_server.listen(https)?,
    }
    .run();

    match http {
        None => https_server.await,
        Some((listener, target)) => {
            let target = web::Data::new(target);
            let http_server = HttpServer::new(move || {
                App::new()
                    .app_data(target.clone())
                    .configure(|cfg| acme_challenge::configure(cfg, acme.clone()))
                    .default_service(web::to(redirect::redirect))
            })
            .workers(1)
            .listen(listener)?
            .run();
            let (a, b) = futures_util::future::join(https_server, http_server).await;
            a.and(b)
        }
    }
}
