//! Why an ACME attempt failed, in words for the owner's home, email and log. Nothing
//! secret goes in: the directory's address, the domains and the directory's own words.

use instant_acme::{AuthorizationStatus, OrderStatus, Problem};

use super::acme::{causes, Challenge};
use super::TlsError;

#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    #[error(
        "the ACME directory at {dir} could not be reached ({})",
        causes(source)
    )]
    Unreachable {
        dir: String,
        #[source]
        source: instant_acme::Error,
    },
    #[error("the ACME directory at {dir} refused to open an account ({source})")]
    AccountRefused {
        dir: String,
        #[source]
        source: instant_acme::Error,
    },
    #[error("the ACME account could not be saved ({0})")]
    AccountNotSaved(#[source] TlsError),
    /// The directory answered a step (`what`: "open an order", …) with an error.
    #[error("the ACME directory at {dir} refused to {what} ({})", causes(source))]
    Refused {
        dir: String,
        what: &'static str,
        #[source]
        source: instant_acme::Error,
    },
    #[error("the ACME directory at {dir} holds an authorization for {name} that is {status:?}")]
    Authorization {
        dir: String,
        name: String,
        status: AuthorizationStatus,
    },
    #[error(
        "the ACME directory at {dir} offers no {} challenge for {name} (`tls.acme.challenge`)",
        challenge_name(*challenge)
    )]
    NoChallenge {
        dir: String,
        challenge: Challenge,
        name: String,
    },
    /// The TLS-ALPN-01 answer certificate could not be made.
    #[error("{0}")]
    ChallengeCertificate(#[source] TlsError),
    /// The order did not become ready: the directory could not check the challenge.
    #[error(
        "the ACME directory at {dir} could not check the {} challenge for {} ({}); check that it reaches this server on {}",
        challenge_name(*challenge),
        domains.join(", "),
        why(problem.as_deref(), *status),
        reached_on(*challenge)
    )]
    NotChecked {
        dir: String,
        challenge: Challenge,
        domains: Vec<String>,
        status: OrderStatus,
        problem: Option<Box<Problem>>,
    },
    #[error("could not make a key ({0})")]
    Key(#[source] rcgen::Error),
    #[error("the ACME directory at {dir} sent a certificate that cannot be read")]
    Unreadable { dir: String },
    #[error("the new certificate could not be saved ({0})")]
    NotSaved(#[source] TlsError),
    /// The new certificate could not be put in front of new connections.
    #[error("{0}")]
    NotServed(#[source] TlsError),
}

pub(super) fn challenge_name(c: Challenge) -> &'static str {
    match c {
        Challenge::Http01 => "http-01",
        Challenge::TlsAlpn01 => "tls-alpn-01",
    }
}

/// The directory's problem document, or the order's status when it gave none.
fn why(problem: Option<&Problem>, status: OrderStatus) -> String {
    problem.map_or_else(|| format!("{status:?}"), ToString::to_string)
}

fn reached_on(c: Challenge) -> &'static str {
    match c {
        Challenge::Http01 => "port 80 (`http_listen`)",
        Challenge::TlsAlpn01 => "port 443 (`listen`)",
    }
}
