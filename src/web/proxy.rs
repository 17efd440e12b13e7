//! The client's address behind a reverse proxy (`[tls] mode = "proxy"`). SECURITY-SENSITIVE:
//! the sign-in throttle, the unlock gate and the audit log count per address.
//!
//! Only a proxy on this computer (a loopback peer) is believed, and only about the last
//! hop of `X-Forwarded-For`, which that proxy appended itself; earlier hops are whatever
//! the browser sent and are never read. In every other mode, and from any other peer, the
//! header is ignored and the TCP peer's address counts.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::header::HeaderMap;

/// Set once the "proxy sends no usable X-Forwarded-For" warning was logged.
static WARNED: AtomicBool = AtomicBool::new(false);

/// The address a request counts as coming from. `behind_proxy` is true in proxy mode.
pub fn client_ip(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    behind_proxy: bool,
) -> Option<IpAddr> {
    let peer = peer.map(|p| p.ip());
    if !behind_proxy || !peer.is_some_and(|ip| ip.is_loopback()) {
        return peer;
    }
    match last_forwarded_hop(headers) {
        Some(ip) => Some(ip),
        None => {
            if !WARNED.swap(true, Ordering::Relaxed) {
                tracing::warn!("a request through the reverse proxy had no usable X-Forwarded-For header, so it counts as coming from the proxy itself; set X-Forwarded-For in the proxy (see README, Behind a reverse proxy)");
            }
            peer
        }
    }
}

/// The last entry of the last `X-Forwarded-For` header, as an address (a port, as some
/// proxies add, is dropped).
fn last_forwarded_hop(headers: &HeaderMap) -> Option<IpAddr> {
    // Split the raw bytes: a client may send bytes that are not text in its own part of
    // the header (nginx passes them on), and only the last hop, the proxy's, is read.
    let raw = headers.get_all("x-forwarded-for").last()?.as_bytes();
    let hop = std::str::from_utf8(raw.rsplit(|b| *b == b',').next()?)
        .ok()?
        .trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(s.parse().unwrap())
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn only_the_last_hop_from_a_loopback_proxy_counts() {
        let forged = headers(&["203.0.113.9, 198.51.100.7"]);
        assert_eq!(
            client_ip(peer("127.0.0.1:5000"), &forged, true),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(peer("[::1]:5000"), &forged, true),
            ip("198.51.100.7")
        );
        // Two headers: the proxy's own is the last one.
        let two = headers(&["203.0.113.9", "192.0.2.44"]);
        assert_eq!(
            client_ip(peer("127.0.0.1:5000"), &two, true),
            ip("192.0.2.44")
        );
        assert_eq!(
            client_ip(
                peer("127.0.0.1:5000"),
                &headers(&["[2001:db8::1]:443"]),
                true
            ),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_ip(
                peer("127.0.0.1:5000"),
                &headers(&["::ffff:192.0.2.5"]),
                true
            ),
            ip("192.0.2.5")
        );
    }

    #[test]
    fn bytes_that_are_not_text_in_the_clients_part_do_not_hide_the_last_hop() {
        let mut h = HeaderMap::new();
        h.append(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").unwrap(),
        );
        assert_eq!(
            client_ip(peer("127.0.0.1:5000"), &h, true),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_header_is_ignored_from_other_peers_and_outside_proxy_mode() {
        let forged = headers(&["127.0.0.1"]);
        assert_eq!(
            client_ip(peer("192.0.2.10:5000"), &forged, true),
            ip("192.0.2.10")
        );
        assert_eq!(
            client_ip(peer("127.0.0.1:5000"), &forged, false),
            ip("127.0.0.1")
        );
        let other = headers(&["198.51.100.7"]);
        assert_eq!(
            client_ip(peer("127.0.0.1:5000"), &other, false),
            ip("127.0.0.1")
        );
        assert_eq!(client_ip(None, &other, true), None);
    }

    #[test]
    fn a_missing_or_unusable_header_counts_as_the_proxy() {
        for h in [
            headers(&[]),
            headers(&["unknown"]),
            headers(&["198.51.100.7, "]),
            headers(&["x, y"]),
        ] {
            assert_eq!(client_ip(peer("127.0.0.1:5000"), &h, true), ip("127.0.0.1"));
        }
    }
}
