//! Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s), via `totp-rs`, with replay
//! refusal: a code is accepted only for a time step later than the last one accepted.

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

const STEP: u64 = 30;

/// A fresh 160-bit secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    super::random::fill(&mut secret);
    secret
}

fn totp(secret: &[u8], issuer: &str, label: &str) -> Option<TOTP> {
    let issuer: String = issuer.chars().filter(|c| *c != ':').collect();
    let label: String = label.chars().filter(|c| *c != ':').collect();
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        secret.to_vec(),
        Some(issuer),
        label,
    )
    .ok()
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret: &[u8], issuer: &str, label: &str) -> String {
    totp(secret, issuer, label)
        .map(|t| t.get_url())
        .unwrap_or_default()
}

/// The secret as base32 in groups of four, for typing into an app by hand.
pub fn secret_text(secret: &[u8]) -> String {
    let encoded = Secret::Raw(secret.to_vec()).to_encoded().to_string();
    encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR code of `url` as an SVG document, drawn on the server.
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// Reads a secret back from `secret_text` (spaces allowed).
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    Secret::Encoded(compact).to_bytes().ok()
}

/// The code for the step containing `unix_time` (tests and the browser suite use this).
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret, "x", "x")
        .map(|t| t.generate(unix_time))
        .unwrap_or_default()
}

/// Checks `code` at `unix_time`, allowing one step of clock drift either way, and only
/// steps after `last_step`. Returns the accepted step.
pub fn accept(secret: &[u8], code: &str, unix_time: u64, last_step: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now_step = unix_time / STEP;
    let mut accepted = None;
    for step in [now_step.saturating_sub(1), now_step, now_step + 1] {
        let expected = code_at(secret, step * STEP);
        if step > last_step && bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            accepted = Some(step);
        }
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once_and_drift_of_one_step_is_allowed() {
        let secret = new_secret();
        let t = 1_800_000_000;
        let code = code_at(&secret, t);
        let step = accept(&secret, &code, t, 0).unwrap();
        assert_eq!(step, t / 30);
        assert_eq!(accept(&secret, &code, t, step), None, "replay refused");
        assert!(accept(&secret, &code_at(&secret, t - 30), t, 0).is_some());
        assert!(accept(&secret, &code_at(&secret, t - 90), t, 0).is_none());
        assert!(accept(&secret, "12345", t, 0).is_none());
    }

    #[test]
    fn url_secret_and_qr_are_well_formed() {
        let secret = new_secret();
        let url = otpauth_url(&secret, "Riverside: Counselling", "ann@example.org");
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert_eq!(secret_text(&secret).replace(' ', "").len(), 32);
        assert!(qr_svg(&url).contains("<svg"));
    }
}
