//! The actix-web application: routes, middleware, and the servers that run it.

mod assets;
mod error;
mod frame;
mod origin;
mod pages;
mod redirect;
mod render;
mod state;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

pub use frame::CSP;
pub use redirect::RedirectTarget;
pub use state::{AppState, Vault};

use crate::tls::SwappableResolver;

/// Largest form body accepted by the foundation's forms.
const FORM_LIMIT: usize = 16 * 1024;

/// Routes and middleware, shared by the server and in-process tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(FORM_LIMIT))
        .service(web::resource("/healthz").get(pages::healthz))
        .service(web::resource("/").get(pages::index))
        .service(web::resource("/unlock").post(pages::unlock))
        .service(web::resource("/setup/{token}").get(pages::setup_link))
        .service(web::resource("/assets/{path:.*}").get(assets::serve))
        .default_service(web::to(pages::not_found));
}

/// Runs the HTTPS server (and the HTTP redirect, when given) until a shutdown signal.
pub async fn run(
    state: AppState,
    https: TcpListener,
    http: Option<(TcpListener, RedirectTarget)>,
    resolver: Arc<SwappableResolver>,
) -> std::io::Result<()> {
    let tls =
        crate::tls::server_config(resolver).map_err(|e| std::io::Error::other(e.to_string()))?;
    let data = web::Data::new(state);
    let https_server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(origin::check_origin))
            .wrap(from_fn(frame::frame))
            .configure(configure)
    })
    .listen_rustls_0_23(https, tls)?
    .run();

    match http {
        None => https_server.await,
        Some((listener, target)) => {
            let target = web::Data::new(target);
            let http_server = HttpServer::new(move || {
                App::new()
                    .app_data(target.clone())
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
