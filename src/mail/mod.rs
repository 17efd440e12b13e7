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
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail configuration: {0}")]
    Config(String),
    /// A category a person can act on; never an address or a server reply with one.
    #[error("{0}")]
    Send(&'static str),
}

impl Mailer {
    /// The mailer for `config`, or `None` when no mail server is configured.
    pub fn from_config(config: &SmtpConfig) -> Result<Option<Self>, MailError> {
        let Some(host) = &config.host else {
            return Ok(None);
        };
        let from: Mailbox = config
            .from
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(|_| MailError::Config("`smtp.from` is not an email address".into()))?;
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            security => {
                let mut params = TlsParameters::builder(host.clone());
                if let Some(file) = &config.ca_file {
                    let pem = std::fs::read(file).map_err(|e| {
                        MailError::Config(format!(
                            "could not read `smtp.ca_file` {}: {e}",
                            file.display()
                        ))
                    })?;
                    let cert = Certificate::from_pem(&pem).map_err(|_| {
                        MailError::Config("`smtp.ca_file` is not a PEM certificate".into())
                    })?;
                    params = params.add_root_certificate(cert);
                }
                let params = params
                    .build_rustls()
                    .map_err(|e| MailError::Config(format!("TLS set-up for mail: {e}")))?;
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
        }))
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
