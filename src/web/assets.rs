//! Static assets (stylesheet, icons) embedded in the binary, served with an ETag and long
//! caching; page links carry a content hash so a new build is fetched at once.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::header::{self, ETag, EntityTag};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "forms/*"]
struct Assets;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("js") => "text/javascript; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        Assets::iter()
            .filter_map(|name| {
                let file = Assets::get(&name)?;
                Some((
                    name.to_string(),
                    hex::encode(&file.metadata.sha256_hash()[..8]),
                ))
            })
            .collect()
    })
}

/// The URL of an embedded asset, with its content hash as a cache buster.
pub fn href(name: &str) -> String {
    match hashes().get(name) {
        Some(hash) => format!("/assets/{name}?v={hash}"),
        None => format!("/assets/{name}"),
    }
}

/// `GET /assets/{path}`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let name = path.into_inner();
    let Some(file) = Assets::get(&name) else {
        return HttpResponse::NotFound().finish();
    };
    let tag = EntityTag::new_strong(hex::encode(&file.metadata.sha256_hash()[..16]));
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == tag.to_string() || t.trim() == "*")
        });
    let mut resp = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header(ETag(tag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"));
    if not_modified {
        return resp.finish();
    }
    resp.content_type(content_type(&name))
        .body(file.data.into_owned())
}
