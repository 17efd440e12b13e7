//! Email: the fixed, PHI-free texts, the SMTP connection (lettre, STARTTLS or TLS), and the
//! job that drains the durable outbox with retries.

mod job;
mod text;

pub use job::run;
pub use text::compose;

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use crate::config::{SmtpConfig, SmtpSecurity};

/// A configured mail server. The password lives only inside the transport.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    /// The right-hand side of every `Message-ID`: the portal's host, never this computer's
    /// name.
    id_domain: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail configuration: `smtp.from` is not an email address")]
    From(#[source] lettre::address::AddressError),
    #[error("mail configuration: could not read `smtp.ca_file` {}: {source}", path.display())]
    ReadCa {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("mail configuration: `smtp.ca_file` is not a PEM certificate")]
    CaNotPem(#[source] lettre::transport::smtp::Error),
    #[error("mail configuration: TLS set-up for mail: {0}")]
    Tls(#[source] lettre::transport::smtp::Error),
    /// A category a person can act on; never an address or a server reply with one.
    #[error("{0}")]
    Send(&'static str),
}

impl Mailer {
    /// The mailer for `config`, or `None` when no mail server is configured. `portal_host`
    /// is the host in the portal's address (a name, an IPv4 address or `[IPv6]`).
    pub fn from_config(config: &SmtpConfig, portal_host: &str) -> Result<Option<Self>, MailError> {
        let Some(host) = &config.host else {
            return Ok(None);
        };
        let from: Mailbox = config
            .from
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(MailError::From)?;
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            security => {
                let mut params = TlsParameters::builder(host.clone());
                if let Some(file) = &config.ca_file {
                    let pem = std::fs::read(file).map_err(|source| MailError::ReadCa {
                        path: file.clone(),
                        source,
                    })?;
                    let cert = Certificate::from_pem(&pem).map_err(MailError::CaNotPem)?;
                    params = params.add_root_certificate(cert);
                }
                let params = params.build_rustls().map_err(MailError::Tls)?;
                if security == SmtpSecurity::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = SmtpTransport::builder_dangerous(host.as_str())
            .port(config.port())
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Some(Self {
            transport: builder.build(),
            from,
            id_domain: id_domain(portal_host),
        }))
    }

    /// A fresh `<random@portal-host>`: 128 random bits, nothing about the mail or its reader.
    fn message_id(&self) -> String {
        let mut id = [0u8; 16];
        crate::crypto::random::fill(&mut id);
        format!("<{}@{}>", hex::encode(id), self.id_domain)
    }

    /// Sends one message; blocking (run it on the blocking pool).
    pub fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| MailError::Send("the recipient address is not valid"))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(self.message_id()))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|_| MailError::Send("the message could not be built"))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| {
            MailError::Send(if e.is_permanent() {
                "the mail server refused the message"
            } else if e.is_transient() {
                "the mail server asked to try again later"
            } else if e.is_tls() {
                "a secure connection to the mail server failed"
            } else {
                "could not reach the mail server"
            })
        })
    }
}

/// A `Message-ID` domain for the portal's host: a DNS name as it is, an address as a
/// domain literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
fn id_domain(portal_host: &str) -> String {
    let bare = portal_host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => format!("[{ip}]"),
        Ok(std::net::IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
        Err(_) => bare.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_domain_is_the_portal_host() {
        assert_eq!(id_domain("Portal.Example.org"), "portal.example.org");
        assert_eq!(id_domain("127.0.0.1"), "[127.0.0.1]");
        assert_eq!(id_domain("[::1]"), "[IPv6:::1]");
    }
}
