//! The optional plain-HTTP listener: every request is redirected to HTTPS.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

/// What the redirect needs: the HTTPS port and, if configured, the public host name.
#[derive(Clone, Debug)]
pub struct RedirectTarget {
    pub https_port: u16,
    pub hostname: Option<String>,
}

fn host_only(host_header: &str) -> Option<&str> {
    let host = if host_header.starts_with('[') {
        host_header
            .split(']')
            .next()
            .map(|h| &host_header[..h.len() + 1])?
    } else {
        host_header.split(':').next()?
    };
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    valid.then_some(host)
}

pub async fn redirect(req: HttpRequest, target: web::Data<RedirectTarget>) -> HttpResponse {
    let host = match &target.hostname {
        Some(h) => Some(h.clone()),
        None => req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(host_only)
            .map(str::to_owned),
    };
    let Some(host) = host else {
        return HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body("This portal only works over HTTPS.");
    };
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let location = if target.https_port == 443 {
        format!("https://{host}{path}")
    } else {
        format!("https://{host}:{}{path}", target.https_port)
    };
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::host_only;

    #[test]
    fn host_header_is_reduced_to_a_host() {
        assert_eq!(host_only("example.org:80"), Some("example.org"));
        assert_eq!(host_only("[::1]:8080"), Some("[::1]"));
        assert_eq!(host_only("evil.org/x"), None);
    }
}
