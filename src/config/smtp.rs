//! `[smtp]`: the mail server for PHI-free email alerts.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{ConfigError, Rule, Secret};

/// The mail server used for PHI-free email alerts. Without `host`, no email is sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// The mail server's name, for example `smtp.example.org`.
    pub host: Option<String>,
    /// Defaults to 587 for `starttls`, 465 for `tls`, 25 for `none`.
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Never logged or shown; prefer the `ALCOVE_SMTP__PASSWORD` environment variable.
    pub password: Option<Secret>,
    /// The sender, for example `Portal <portal@example.org>`.
    pub from: Option<String>,
    /// Extra certificate authority (PEM) to trust for the mail server, for a relay with
    /// its own certificate.
    pub ca_file: Option<PathBuf>,
    /// First wait before retrying a failed send; doubles each time, up to an hour.
    pub retry_seconds: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from: None,
            ca_file: None,
            retry_seconds: 30,
        }
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server cannot.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a mail server on this machine (localhost).
    None,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        })
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let Some(host) = &self.host else {
            return Ok(());
        };
        let loopback = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
        if self.security == SmtpSecurity::None && !loopback {
            return Err(Rule::SmtpPlainRemote.into());
        }
        if self.username.is_some() != self.password.is_some() {
            return Err(Rule::SmtpCredentials.into());
        }
        match &self.from {
            Some(from) if from.parse::<lettre::message::Mailbox>().is_ok() => {}
            _ => return Err(Rule::SmtpFrom.into()),
        }
        if self.retry_seconds == 0 {
            return Err(Rule::SmtpRetry.into());
        }
        Ok(())
    }
}
