//! Security headers on every kind of response, and the calm error pages.

use crate::kit::{Reply, Server};

const EXPECTED: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    ("strict-transport-security", "max-age=31536000"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

fn assert_security_headers(what: &str, reply: &Reply) {
    for (name, value) in EXPECTED {
        assert_eq!(reply.header(name), Some(*value), "{what}: header {name}");
    }
    assert!(reply.header("x-request-id").is_some(), "{what}: request id");
}

#[test]
fn healthz_page_404_and_asset_each_carry_every_security_header() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);

    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    assert_security_headers("healthz", &health);
    assert_eq!(health.header("cache-control"), Some("no-store"));

    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h1>Sign in</h1>"));
    assert_security_headers("page", &page);
    assert_eq!(page.header("cache-control"), Some("no-store"));

    let missing = server.get("/no/such/page");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("We could not find that page"));
    assert_security_headers("404", &missing);
    assert_eq!(missing.header("cache-control"), Some("no-store"));

    let href = page
        .body
        .split("href=\"")
        .find_map(|s| {
            s.starts_with("/assets/alcove.css")
                .then(|| s.split('"').next().unwrap())
        })
        .expect("stylesheet link")
        .to_owned();
    let css = server.get(&href);
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_security_headers("asset", &css);
    assert_eq!(
        css.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    // The ETag answers a conditional request with 304.
    let etag = css.header("etag").expect("etag").to_owned();
    let again = Reply::from(
        server
            .client()
            .get(&server.url(&href))
            .header("If-None-Match", &etag)
            .call()
            .unwrap(),
    );
    assert_eq!(again.status, 304);
    assert_security_headers("304", &again);
}

#[test]
fn errors_show_a_plain_page_with_a_reference_and_no_internals() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    // A form POST with a missing field: actix's own error text must not reach the person.
    let reply = server.post_form("/unlock", &[("passphrase", "x"), ("passphrase", "y")]);
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("We could not process that request"),
        "{}",
        reply.body
    );
    assert!(
        !reply.body.contains("passphrase"),
        "no parser internals: {}",
        reply.body
    );
    let bad = server.post_form("/healthz", &[]);
    assert_eq!(bad.status, 405);
    assert!(bad.body.contains("<h1>"), "{}", bad.body);
    assert!(!bad.body.to_lowercase().contains("actix"));
    let id = bad.header("x-request-id").unwrap();
    assert!(
        bad.body.contains(id),
        "the page names the request id as reference"
    );
}

#[test]
fn cross_origin_post_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = crate::kit::init_data_dir(dir.path(), Some("a long passphrase")).data;
    let server = Server::start(&data, &[]);
    let client = server.client();
    let from_elsewhere = Reply::from(
        client
            .post(&server.url("/unlock"))
            .header("Origin", "https://evil.example")
            .send_form([("passphrase", "a long passphrase")])
            .unwrap(),
    );
    assert_eq!(from_elsewhere.status, 403);
    let no_origin = Reply::from(
        client
            .post(&server.url("/unlock"))
            .send_form([("passphrase", "a long passphrase")])
            .unwrap(),
    );
    assert_eq!(no_origin.status, 403);
    assert_eq!(server.get("/healthz").status, 503, "still sealed");
}
