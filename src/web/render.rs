//! Glue between handlers and the frontend crate: the page chrome and HTML responses.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use alcove_frontend::{Chrome, MessageView};

use super::assets;
use super::frame::RenderedPage;
use super::state::AppState;

pub fn chrome(state: Option<&AppState>) -> Chrome {
    Chrome {
        practice_name: state.map_or_else(|| "Alcove".to_owned(), AppState::practice_name),
        stylesheet_href: assets::href("alcove.css"),
        icon_href: assets::href("icon.svg"),
    }
}

/// An HTML page with the given status.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    let mut resp = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    resp.extensions_mut().insert(RenderedPage);
    resp
}

/// A plain-text answer that the frame must leave as it is (health checks).
pub fn plain(status: StatusCode, text: &'static str) -> HttpResponse {
    let mut resp = HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(text);
    resp.extensions_mut().insert(RenderedPage);
    resp
}

/// The calm page for an error status. Says what happened in plain words, never why.
pub fn status_page(state: Option<&AppState>, status: StatusCode, reference: String) -> String {
    let (title, heading, paragraphs): (&str, &str, &[&str]) = match status.as_u16() {
        404 => (
            "Page not found",
            "We could not find that page",
            &["The link may be mistyped or out of date. Check it, or start again from the home page."],
        ),
        403 => (
            "Not allowed",
            "You do not have access to that",
            &[
                "If you followed a link, it may be meant for someone else.",
                "If you were sending a form, go back, reload the page and try again: for your safety the portal only accepts forms sent from its own pages.",
            ],
        ),
        405 => (
            "Not allowed",
            "That action is not available here",
            &["Go back to the previous page and try again."],
        ),
        413 => (
            "Too large",
            "That was too large to send",
            &["Please send something smaller. Nothing was saved."],
        ),
        507 => (
            "Disk full",
            super::disk_full::HEADING_NO_FORM,
            &[
                "The server ran out of storage space. Anything you were sending was not saved: go back, and your browser usually still shows what you typed. Copy it somewhere safe and try again in a few minutes.",
                "Some pages cannot open until there is room again, because the portal records who opens them.",
                "If you run this portal: free up space on the server's disk. The portal starts saving again by itself, without a restart.",
            ],
        ),
        503 => (
            "Locked",
            "The portal is locked right now",
            &["The practice needs to unlock it before anyone can sign in. Please try again later, or contact your practice."],
        ),
        400..=499 => (
            "Could not process",
            "We could not process that request",
            &["Something in the request was not as expected. Go back, check what you entered and try again. Nothing was saved."],
        ),
        _ => (
            "Something went wrong",
            "Something went wrong on our side",
            &["Nothing you entered was lost that had already been confirmed. Please try again in a moment. If it keeps happening, tell your practice and mention the reference below."],
        ),
    };
    alcove_frontend::render_message(MessageView {
        chrome: chrome(state),
        title: title.to_owned(),
        heading: heading.to_owned(),
        paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
        reference: Some(reference),
        back_href: "/".to_owned(),
    })
}

/// Formats a time for people: `2026-11-24 19:40 UTC`.
pub fn human_time(t: time::OffsetDateTime) -> String {
    crate::clock::human(t)
}

/// A file size as people read it: "820 KB", "2.4 MB".
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    }
}
