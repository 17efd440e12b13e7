//! `[tls.acme]`: a trusted certificate from an ACME directory (Let's Encrypt by default),
//! used when `tls.mode = "acme"`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AcmeConfig {
    /// The DNS names the certificate covers; the first is the portal's name when `hostname`
    /// is not set.
    pub domains: Vec<String>,
    /// Contact address given to the directory (expiry warnings from the CA).
    pub email: Option<String>,
    /// The ACME directory URL (RFC 8555): Let's Encrypt production by default.
    pub directory: String,
    /// The certificate authority (one PEM certificate; instant-acme reads the first) that
    /// signs the directory's own HTTPS certificate, for a private directory; trusted for the
    /// directory instead of the system's roots.
    pub ca_file: Option<PathBuf>,
    /// How the directory checks that this server answers for the names.
    pub challenge: AcmeChallenge,
    /// First wait before retrying a failed issuance; doubles each time, up to six hours.
    /// Five minutes by default: Let's Encrypt allows five failed validations per name an
    /// hour, and this makes four.
    pub retry_seconds: u32,
}

impl Default for AcmeConfig {
    fn default() -> Self {
        Self {
            domains: Vec::new(),
            email: None,
            directory: LETS_ENCRYPT.to_owned(),
            ca_file: None,
            challenge: AcmeChallenge::Http01,
            retry_seconds: 300,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum AcmeChallenge {
    /// A file under `/.well-known/acme-challenge/` on the plain-HTTP port (`http_listen`,
    /// which the directory reaches as port 80).
    #[serde(rename = "http-01")]
    Http01,
    /// A special certificate on the HTTPS port (`listen`, reached as port 443).
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
}

fn dns_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.parse::<std::net::IpAddr>().is_err()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

impl AcmeConfig {
    /// Checks the settings for `tls.mode = "acme"`; `http_listen` is needed for HTTP-01.
    pub(super) fn validate(&self, http_listen: bool) -> Result<(), ConfigError> {
        let bad = |msg: String| Err(ConfigError::Invalid(msg));
        if self.domains.is_empty() {
            return bad(
                "`tls.mode = \"acme\"` needs `tls.acme.domains`, the names the certificate covers (for example [\"portal.example.org\"])".into(),
            );
        }
        for d in &self.domains {
            if !dns_name_ok(d) {
                return bad(format!(
                    "`tls.acme.domains` holds {d:?}, which is not a DNS name (no wildcards, IP addresses or ports)"
                ));
            }
        }
        if let Some(email) = &self.email {
            let ok = email.parse::<lettre::Address>().is_ok();
            if !ok {
                return bad(format!(
                    "`tls.acme.email` = {email:?} is not an email address"
                ));
            }
        }
        let url_ok = self
            .directory
            .strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
            && !self
                .directory
                .chars()
                .any(|c| c.is_whitespace() || c.is_control());
        if !url_ok {
            return bad(format!(
                "`tls.acme.directory` = {:?} is not an https:// URL of an ACME directory",
                self.directory
            ));
        }
        if let Some(ca) = &self.ca_file {
            use rustls::pki_types::pem::PemObject as _;
            if rustls::pki_types::CertificateDer::from_pem_file(ca).is_err() {
                return bad(format!(
                    "`tls.acme.ca_file` = {} cannot be read as a PEM certificate",
                    ca.display()
                ));
            }
        }
        if self.challenge == AcmeChallenge::Http01 && !http_listen {
            return bad(
                "`tls.acme.challenge = \"http-01\"` needs `http_listen` (the plain-HTTP port the directory reaches as port 80); set it, or use \"tls-alpn-01\"".into(),
            );
        }
        if self.retry_seconds == 0 {
            return bad("`tls.acme.retry_seconds` must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> AcmeConfig {
        AcmeConfig {
            domains: vec!["portal.example.org".into()],
            ..AcmeConfig::default()
        }
    }

    #[test]
    fn bad_acme_settings_are_refused_naming_the_key() {
        assert!(good().validate(true).is_ok());
        let cases: Vec<(AcmeConfig, bool, &str)> = vec![
            (AcmeConfig::default(), true, "tls.acme.domains"),
            (
                AcmeConfig {
                    domains: vec!["*.example.org".into()],
                    ..good()
                },
                true,
                "tls.acme.domains",
            ),
            (
                AcmeConfig {
                    domains: vec!["127.0.0.1".into()],
                    ..good()
                },
                true,
                "tls.acme.domains",
            ),
            (
                AcmeConfig {
                    email: Some("not an address".into()),
                    ..good()
                },
                true,
                "tls.acme.email",
            ),
            (
                AcmeConfig {
                    directory: "http://acme.example.org/dir".into(),
                    ..good()
                },
                true,
                "tls.acme.directory",
            ),
            (
                AcmeConfig {
                    ca_file: Some("/nonexistent/ca.pem".into()),
                    ..good()
                },
                true,
                "tls.acme.ca_file",
            ),
            (good(), false, "http_listen"),
            (
                AcmeConfig {
                    retry_seconds: 0,
                    ..good()
                },
                true,
                "tls.acme.retry_seconds",
            ),
        ];
        for (config, http, key) in cases {
            let err = config.validate(http).unwrap_err().to_string();
            assert!(err.contains(key), "{key}: {err}");
        }
        let alpn = AcmeConfig {
            challenge: AcmeChallenge::TlsAlpn01,
            ..good()
        };
        assert!(alpn.validate(false).is_ok());
    }
}
