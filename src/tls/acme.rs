//! `tls.mode = "acme"`: a certificate from an ACME directory (RFC 8555, instant-acme).
//! The self-signed certificate is served until the first one arrives; issuance and renewal
//! (with a third of the lifetime left) run in a background task, failures are retried with
//! a doubling wait, and each new certificate is swapped into the running server. What
//! happened is kept in `DATA_DIR/tls/acme-status.json` for the owner's home and doctor.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewAccount, NewOrder, OrderStatus,
    RetryPolicy,
};
use time::{Duration, OffsetDateTime};

use super::acme_challenge::AcmeChallenges;
use super::acme_failure::Failure;
use super::acme_files::{self, Issued, Status, StoredAccount};
use super::self_signed::CertBundle;
use super::SwappableResolver;
use crate::clock::{human, SharedClock};

pub use acme_files::clear_status;

/// The longest wait between failed attempts.
const MAX_RETRY: Duration = Duration::hours(6);
/// The longest single sleep, so a suspended machine looks again soon after it wakes.
const MAX_SLEEP: Duration = Duration::minutes(10);

/// What the task needs from `[tls.acme]` (checked when the configuration is loaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeSettings {
    pub domains: Vec<String>,
    pub email: Option<String>,
    pub directory: String,
    pub ca_file: Option<PathBuf>,
    pub challenge: Challenge,
    pub retry_seconds: u32,
}

impl From<&crate::config::AcmeConfig> for AcmeSettings {
    /// What the certificate task needs of `[tls.acme]`.
    fn from(c: &crate::config::AcmeConfig) -> Self {
        use crate::config::AcmeChallenge;
        Self {
            domains: c.domains.clone(),
            email: c.email.clone(),
            directory: c.directory.clone(),
            ca_file: c.ca_file.clone(),
            challenge: match c.challenge {
                AcmeChallenge::Http01 => Challenge::Http01,
                AcmeChallenge::TlsAlpn01 => Challenge::TlsAlpn01,
            },
            retry_seconds: c.retry_seconds,
        }
    }
}

/// The challenge the directory is asked to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// On the plain-HTTP listener.
    Http01,
    /// On the HTTPS listener.
    TlsAlpn01,
}

/// The certificate stored by an earlier run, when it is still good to serve.
pub fn stored(data_dir: &Path, config: &AcmeSettings, now: OffsetDateTime) -> Option<CertBundle> {
    acme_files::load_issued(data_dir, &config.domains, &config.directory, now).map(|(b, _)| b)
}

/// Tells the rest of the server an outcome (`Ok` issued, `Err` failed, in words); returns
/// false when it could not be told yet (the store is still locked).
pub type OutcomeHook = Arc<dyn Fn(Result<String, String>) -> bool + Send + Sync>;

/// The background task: keeps a certificate from the directory served, until the runtime
/// stops.
pub struct Acme {
    pub data_dir: PathBuf,
    pub config: AcmeSettings,
    pub resolver: Arc<SwappableResolver>,
    /// The real clock (certificates are checked against real time).
    pub clock: SharedClock,
    /// Records issuances and the first failure of each run of failures (the owner's email).
    pub on_outcome: Option<OutcomeHook>,
    /// The self-signed certificate, served again if the directory's one ends unrenewed.
    pub fallback: CertBundle,
}

impl Acme {
    pub async fn run(self) {
        // instant-acme's client takes the process's provider: make it ring, like the server.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let book = self.resolver.enable_acme();
        let mut issued = acme_files::load_issued(
            &self.data_dir,
            &self.config.domains,
            &self.config.directory,
            self.clock.now(),
        )
        .map(|(_, i)| i);
        let mut failures: u32 = 0;
        let mut next = issued
            .as_ref()
            .map_or_else(|| self.clock.now(), Issued::renew_at);
        self.record(&issued, None, next);
        // An outcome not yet told (the store was locked), told before the next attempt.
        let mut untold: Option<Result<String, String>> = None;
        loop {
            self.sleep_until(next).await;
            if let (Some(outcome), Some(hook)) = (untold.take(), &self.on_outcome) {
                if !hook(outcome.clone()) {
                    untold = Some(outcome);
                }
            }
            let result = self.issue(&book).await;
            book.clear();
            match result {
                Ok((bundle, info)) => match self.resolver.swap(&bundle) {
                    Ok(()) => {
                        tracing::info!(
                            not_after = %human(info.not_after),
                            "serving a new certificate from the ACME directory"
                        );
                        failures = 0;
                        next = info.renew_at();
                        untold = Some(Ok(format!(
                            "certificate for {} valid until {}",
                            self.config.domains.join(", "),
                            human(info.not_after)
                        )));
                        issued = Some(info);
                        self.record(&issued, None, next);
                    }
                    Err(e) => self.failed(
                        &mut issued,
                        Failure::NotServed(e),
                        &mut failures,
                        &mut next,
                        &mut untold,
                    ),
                },
                Err(failure) => {
                    self.failed(&mut issued, failure, &mut failures, &mut next, &mut untold)
                }
            }
            if let (Some(outcome), Some(hook)) = (untold.take(), &self.on_outcome) {
                if !hook(outcome.clone()) {
                    untold = Some(outcome);
                }
            }
        }
    }

    fn failed(
        &self,
        issued: &mut Option<Issued>,
        failure: Failure,
        failures: &mut u32,
        next: &mut OffsetDateTime,
        untold: &mut Option<Result<String, String>>,
    ) {
        *failures += 1;
        let now = self.clock.now();
        *next = now + self.backoff(*failures);
        if issued.as_ref().is_some_and(|i| i.not_after <= now) {
            // Ended without a renewal: back to the self-signed one the owner knows.
            if self.resolver.swap(&self.fallback).is_ok() {
                *issued = None;
            }
        }
        tracing::warn!(cause = %failure, retry = %human(*next), "ACME issuance failed");
        self.record(issued, Some(&failure), *next);
        // One email per run of failures, not one per retry.
        if *failures == 1 {
            *untold = Some(Err(failure.to_string()));
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        let first = Duration::seconds(self.config.retry_seconds.into());
        let factor = 2i32.saturating_pow(failures.saturating_sub(1).min(20));
        (first * factor).min(MAX_RETRY)
    }

    async fn sleep_until(&self, at: OffsetDateTime) {
        loop {
            let left = at - self.clock.now();
            if left <= Duration::ZERO {
                return;
            }
            let step = StdDuration::try_from(left.min(MAX_SLEEP)).unwrap_or_default();
            tokio::time::sleep(step).await;
        }
    }

    /// Writes what is served and why, for the owner's home and `alcove doctor`.
    fn record(&self, issued: &Option<Issued>, failure: Option<&Failure>, next: OffsetDateTime) {
        let now = self.clock.now();
        let dir = &self.config.directory;
        let serving = issued.as_ref().filter(|i| i.not_after > now);
        let detail = match (serving, failure) {
            (Some(i), None) => format!(
                "certificate from {dir} for {}, valid until {}; renewal on {}",
                self.config.domains.join(", "),
                human(i.not_after),
                human(next)
            ),
            (None, None) => format!(
                "serving a self-signed certificate until the first certificate from {dir} arrives (requested {})",
                human(next)
            ),
            (Some(i), Some(f)) => format!(
                "the certificate from {dir} (valid until {}) could not be renewed: {}; retrying at {}",
                human(i.not_after),
                f,
                human(next)
            ),
            (None, Some(f)) => format!(
                "serving a self-signed certificate because {}; retrying at {}",
                f,
                human(next)
            ),
        };
        let status = Status {
            trusted: serving.is_some(),
            failing: failure.is_some(),
            detail,
            next_attempt: next,
            not_after: serving.map(|i| i.not_after),
        };
        if let Err(e) = acme_files::save_status(&self.data_dir, &status) {
            tracing::error!(error = %e, "could not write the ACME status file");
        }
    }

    async fn account(&self) -> Result<Account, Failure> {
        let dir = &self.config.directory;
        let unreachable = |source| Failure::Unreachable {
            dir: dir.clone(),
            source,
        };
        let builder = || match &self.config.ca_file {
            Some(ca) => Account::builder_with_root(ca),
            None => Account::builder(),
        };
        if let Some(stored) = acme_files::load_account(&self.data_dir, dir) {
            return builder()
                .map_err(unreachable)?
                .from_credentials(stored.credentials)
                .await
                .map_err(unreachable);
        }
        let contact = self.config.email.as_ref().map(|e| format!("mailto:{e}"));
        let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
        let (account, credentials) = builder()
            .map_err(unreachable)?
            .create(
                &NewAccount {
                    contact: &contacts,
                    terms_of_service_agreed: true,
                    only_return_existing: false,
                },
                dir.clone(),
                None,
            )
            .await
            .map_err(|e| match e {
                source @ instant_acme::Error::Api(_) => Failure::AccountRefused {
                    dir: dir.clone(),
                    source,
                },
                e => unreachable(e),
            })?;
        let stored = StoredAccount {
            directory: dir.clone(),
            credentials,
        };
        acme_files::save_account(&self.data_dir, &stored).map_err(Failure::AccountNotSaved)?;
        Ok(account)
    }

    /// One order: answer the challenges, finalize with a fresh key, keep the chain.
    async fn issue(&self, book: &AcmeChallenges) -> Result<(CertBundle, Issued), Failure> {
        let account = self.account().await?;
        let dir = &self.config.directory;
        let refused = |what, source| Failure::Refused {
            dir: dir.clone(),
            what,
            source,
        };
        let identifiers: Vec<Identifier> = self
            .config
            .domains
            .iter()
            .map(|d| Identifier::Dns(d.clone()))
            .collect();
        let mut order = account
            .new_order(&NewOrder::new(&identifiers))
            .await
            .map_err(|e| refused("open an order", e))?;
        let kind = match self.config.challenge {
            Challenge::Http01 => ChallengeType::Http01,
            Challenge::TlsAlpn01 => ChallengeType::TlsAlpn01,
        };
        let mut authorizations = order.authorizations();
        while let Some(authz) = authorizations.next().await {
            let mut authz = authz.map_err(|e| refused("show an authorization", e))?;
            match authz.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                status => {
                    return Err(Failure::Authorization {
                        dir: dir.clone(),
                        name: authz.identifier().to_string(),
                        status,
                    })
                }
            }
            let name = authz.identifier().to_string();
            let mut challenge =
                authz
                    .challenge(kind.clone())
                    .ok_or_else(|| Failure::NoChallenge {
                        dir: dir.clone(),
                        challenge: self.config.challenge,
                        name: name.clone(),
                    })?;
            let key_auth = challenge.key_authorization();
            match self.config.challenge {
                Challenge::Http01 => book.put_http(&challenge.token, key_auth.as_str()),
                Challenge::TlsAlpn01 => book
                    .put_alpn(&name, key_auth.digest().as_ref())
                    .map_err(Failure::ChallengeCertificate)?,
            }
            challenge
                .set_ready()
                .await
                .map_err(|e| refused("start checking a challenge", e))?;
        }
        let polling = RetryPolicy::new()
            .initial_delay(StdDuration::from_millis(250))
            .backoff(1.5)
            .timeout(StdDuration::from_secs(120));
        let status = order
            .poll_ready(&polling)
            .await
            .map_err(|e| refused("report on the order", e))?;
        if status != OrderStatus::Ready {
            return Err(Failure::NotChecked {
                dir: dir.clone(),
                challenge: self.config.challenge,
                domains: self.config.domains.clone(),
                status,
                problem: order.state().error.clone().map(Box::new),
            });
        }
        let generate = Failure::Key;
        let key_pair = rcgen::KeyPair::generate().map_err(generate)?;
        let params =
            rcgen::CertificateParams::new(self.config.domains.clone()).map_err(generate)?;
        let csr = params.serialize_request(&key_pair).map_err(generate)?;
        order
            .finalize_csr(csr.der())
            .await
            .map_err(|e| refused("finalize the order", e))?;
        let chain = order
            .poll_certificate(&polling)
            .await
            .map_err(|e| refused("hand out the certificate", e))?;
        let (not_before, not_after) =
            acme_files::validity(&chain).ok_or_else(|| Failure::Unreadable { dir: dir.clone() })?;
        let info = Issued {
            domains: self.config.domains.clone(),
            directory: dir.clone(),
            not_before,
            not_after,
        };
        let bundle =
            acme_files::save_issued(&self.data_dir, chain, key_pair.serialize_pem(), &info)
                .map_err(Failure::NotSaved)?;
        Ok((bundle, info))
    }
}

/// An error and its causes, `outer: inner: innermost` (hyper's own text alone says only
/// "client error (Connect)"). The web layer logs a failed request's causes with it too.
pub(crate) fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The doctor's TLS line in ACME mode, from the status file; `None` outside ACME mode.
pub fn check(data_dir: &Path, now: OffsetDateTime) -> Option<(bool, String)> {
    let status = acme_files::load_status(data_dir)?;
    if let Some(end) = status.not_after.filter(|end| *end <= now) {
        // The status is from a server that stopped renewing (or is not running).
        return Some((
            false,
            format!(
                "the certificate from the ACME directory ended on {} and was not renewed; is the server running?",
                human(end)
            ),
        ));
    }
    Some((status.trusted && !status.failing, status.detail))
}
