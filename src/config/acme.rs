//! `[tls.acme]`: a trusted certificate from an ACME directory (Let's Encrypt by default),
//! used when `tls.mode = "acme"`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{ConfigError, Rule};

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
        if self.domains.is_empty() {
            return Err(Rule::AcmeDomains.into());
        }
        for d in &self.domains {
            if !dns_name_ok(d) {
                return Err(ConfigError::AcmeDomain(d.clone()));
            }
        }
        if let Some(email) = &self.email {
            let ok = email.parse::<lettre::Address>().is_ok();
            if !ok {
                return Err(ConfigError::AcmeEmail(email.clone()));
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
            return Err(ConfigError::AcmeDirectory(self.directory.clone()));
        }
        if let Some(ca) = &self.ca_file {
            use rustls::pki_types::pem::PemObject as _;
            if let Err(source) = rustls::pki_types::CertificateDer::from_pem_file(ca) {
                return Err(ConfigError::AcmeCaFile {
                    path: ca.clone(),
                    source,
                });
            }
        }
        if self.challenge == AcmeChallenge::Http01 && !http_listen {
            return Err(Rule::AcmeHttpListen.into());
        }
        if self.retry_seconds == 0 {
            return Err(Rule::AcmeRetry.into());
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
