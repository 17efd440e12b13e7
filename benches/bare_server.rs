//! The ceiling the HTTP benchmarks compare Alcove against: a bare actix-web + rustls server
//! on the same machine, with the same TLS stack (ring, TLS 1.3) and the same number of
//! workers, answering every request with one static page of a given size. Not a criterion
//! benchmark: `benches/http_load.py` starts it and drives it with wrk.
//!
//! `BARE_LISTEN=127.0.0.1:0 BARE_BYTES=2700 target/release/deps/bare_server-…` prints
//! `listening on 127.0.0.1:PORT` and serves until killed.

use std::sync::Arc;

use actix_web::{web, App, HttpResponse, HttpServer};

fn tls() -> Result<rustls::ServerConfig, Box<dyn std::error::Error>> {
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?.self_signed(&key)?;
    let chain = vec![cert.der().clone()];
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::var("BARE_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".to_owned());
    let bytes: usize = std::env::var("BARE_BYTES")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(2700);
    let page = web::Bytes::from(
        format!(
            "<!doctype html><title>bench</title><p>{}</p>",
            "x".repeat(bytes)
        )
        .into_bytes()
        .into_iter()
        .take(bytes)
        .collect::<Vec<u8>>(),
    );
    let listener = std::net::TcpListener::bind(&listen)?;
    let tls = tls()?;
    println!("listening on {}", listener.local_addr()?);
    Ok(actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let page = page.clone();
            App::new().default_service(web::to(move || {
                let page = page.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(page)
                }
            }))
        })
        .listen_rustls_0_23(listener, tls)?
        .run()
        .await
    })?)
}
