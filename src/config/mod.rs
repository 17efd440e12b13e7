//! One typed configuration: `alcove.toml` in the data directory, overridden by `ALCOVE_*`
//! environment variables, overridden by command-line flags. Unknown keys are errors that
//! name the key. Loaded and validated once at start, then passed around as `Arc<Config>`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::clock::Zone;

mod acme;
pub mod backup;
mod error;
mod secret;
mod smtp;
mod tls_modes;

pub use acme::{AcmeChallenge, AcmeConfig, LETS_ENCRYPT};
pub use backup::BackupConfig;
pub use error::{ConfigError, Rule};
pub use secret::Secret;
pub use smtp::{SmtpConfig, SmtpSecurity};

/// File name of the configuration inside the data directory.
pub const CONFIG_FILE: &str = "alcove.toml";

/// Environment variables that clap reads itself, not part of the file's keys.
/// `TEST_CLOCK_AHEAD_DAYS` is read by debug builds only (`clock::server_clock`).
/// `TEST_TLS_POLL_MS` likewise (`tls::files::poll_interval`).
const CLI_ENV: &[&str] = &[
    "DATA_DIR",
    "CONFIG",
    "TEST_CLOCK_AHEAD_DAYS",
    "TEST_TLS_POLL_MS",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The file this configuration was read from, when there was one (it goes into every
    /// backup). Not a setting.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// Where the HTTPS server listens.
    pub listen: SocketAddr,
    /// Optional plain-HTTP listener that only redirects to HTTPS.
    pub http_listen: Option<SocketAddr>,
    /// The name clients use to reach this server (DNS name or IP address); goes into links
    /// and the certificate. Defaults to the listen address.
    pub hostname: Option<String>,
    /// Log verbosity: error, warn, info, debug or trace.
    pub log_level: LogLevel,
    /// The practice's time zone, an IANA name such as `Europe/Berlin`: appointments are
    /// entered and shown in it, and the schedules run by its clock. This computer's zone
    /// when unset.
    pub time_zone: Option<String>,
    pub tls: TlsConfig,
    pub session: SessionConfig,
    pub attachments: AttachmentConfig,
    pub smtp: SmtpConfig,
    pub backup: BackupConfig,
    pub retention: RetentionConfig,
    pub forms: FormsConfig,
    pub store: StoreConfig,
}

/// The store's own settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The store's page cache, in megabytes (MiB): more keeps more of a large store in
    /// memory, less keeps the process small.
    pub cache_megabytes: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            cache_megabytes: 32,
        }
    }
}

/// Secure forms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct FormsConfig {
    /// The notice about the risks of email, shown on the sign-in page and in the consent form.
    pub email_risk_notice: String,
}

impl Default for FormsConfig {
    fn default() -> Self {
        Self {
            email_risk_notice: "Email is not a safe place for health information: it can be read along the way or end up with the wrong person. Please use this portal, not email, to write about your care.".into(),
        }
    }
}

/// How long records are kept, and when the purge runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// When the purge job runs (cron with seconds, local time).
    pub schedule: String,
    /// Adults are kept this many years after their last contact.
    pub adult_years: u32,
    /// A client younger than this at last contact is kept until this age plus
    /// `adult_years`.
    pub age_of_majority: u32,
    /// Audit events are kept this many years (at least 6).
    pub audit_years: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            schedule: "0 30 3 * * *".into(),
            adult_years: 7,
            age_of_majority: 18,
            audit_years: 6,
        }
    }
}

/// Parses a cron expression from the key `key`, refusing one that never fires.
pub fn schedule(key: &'static str, text: &str) -> Result<cron::Schedule, ConfigError> {
    use std::str::FromStr as _;
    let schedule = cron::Schedule::from_str(text).map_err(|source| ConfigError::NotCron {
        key,
        text: text.to_owned(),
        source,
    })?;
    if schedule.upcoming(chrono::Utc).next().is_none() {
        return Err(ConfigError::NeverFires {
            key,
            text: text.to_owned(),
        });
    }
    Ok(schedule)
}

impl BackupConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        schedule("backup.schedule", &self.schedule)?;
        schedule("backup.check_schedule", &self.check_schedule)?;
        schedule("backup.drill_schedule", &self.drill_schedule)?;
        for r in &self.recipients {
            if r.parse::<age::x25519::Recipient>().is_err() {
                return Err(ConfigError::NotRecipient(r.clone()));
            }
        }
        if let Some(s3) = &self.s3 {
            s3.validate()?;
        }
        if self.keep.daily == 0 {
            return Err(Rule::KeepDaily.into());
        }
        Ok(())
    }

    pub fn extra_recipients(&self) -> Vec<age::x25519::Recipient> {
        self.recipients
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect()
    }
}

/// Files sent with messages.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentConfig {
    /// Largest file accepted, in megabytes (MiB).
    pub max_megabytes: u32,
}

impl Default for AttachmentConfig {
    fn default() -> Self {
        Self { max_megabytes: 25 }
    }
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Practice accounts are signed out after this many idle minutes.
    pub practice_idle_minutes: u32,
    /// Clients are signed out after this many idle minutes.
    pub client_idle_minutes: u32,
    /// Nobody stays signed in longer than this, active or not.
    pub absolute_hours: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            practice_idle_minutes: 15,
            client_idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            file: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            http_listen: None,
            hostname: None,
            log_level: LogLevel::Info,
            time_zone: None,
            tls: TlsConfig::default(),
            session: SessionConfig::default(),
            attachments: AttachmentConfig::default(),
            smtp: SmtpConfig::default(),
            backup: BackupConfig::default(),
            retention: RetentionConfig::default(),
            forms: FormsConfig::default(),
            store: StoreConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_tracing(self) -> tracing::Level {
        match self {
            LogLevel::Error => tracing::Level::ERROR,
            LogLevel::Warn => tracing::Level::WARN,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Trace => tracing::Level::TRACE,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    pub mode: TlsMode,
    /// `mode = "files"`: the certificate chain (PEM, the server's own certificate first).
    pub cert_file: Option<PathBuf>,
    /// `mode = "files"`: the certificate's private key (PEM).
    pub key_file: Option<PathBuf>,
    /// Used when `mode = "acme"`.
    pub acme: AcmeConfig,
}

/// How the server gets its certificate.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    #[default]
    SelfSigned,
    /// The operator's own certificate and key files, re-read when they change.
    Files,
    /// No TLS here: plain HTTP on a loopback address, behind a reverse proxy on this
    /// computer that speaks HTTPS to browsers.
    Proxy,
    /// From an ACME directory (`[tls.acme]`), self-signed until the first one arrives.
    Acme,
}

/// Values given on the command line; `None` means "not given".
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_listen: Option<SocketAddr>,
}

impl Config {
    /// Loads file < environment < flags. `file` defaults to `DATA_DIR/alcove.toml`; a
    /// missing default file is fine, a missing file named with `--config` is an error.
    pub fn load(
        data_dir: &Path,
        file: Option<&Path>,
        flags: &FlagOverrides,
    ) -> Result<Self, ConfigError> {
        Self::load_from(data_dir, file, flags, Env::prefixed("ALCOVE_"))
    }

    fn load_from(
        data_dir: &Path,
        file: Option<&Path>,
        flags: &FlagOverrides,
        env: Env,
    ) -> Result<Self, ConfigError> {
        let path: PathBuf = match file {
            Some(f) if !f.exists() => return Err(ConfigError::MissingFile(f.to_owned())),
            Some(f) => f.to_owned(),
            None => data_dir.join(CONFIG_FILE),
        };
        let mut config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(&path))
            .merge(env.ignore(CLI_ENV).split("__"))
            .merge(Serialized::globals(flags))
            .extract()
            .map_err(|e| ConfigError::Read(Box::new(e)))?;
        config.validate()?;
        if config.tls.mode == TlsMode::Acme && config.hostname.is_none() {
            config.hostname = config.tls.acme.domains.first().cloned();
        }
        config.file = path.is_file().then_some(path);
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.session;
        if s.practice_idle_minutes == 0 || s.client_idle_minutes == 0 || s.absolute_hours == 0 {
            return Err(Rule::SessionMinimum.into());
        }
        self.smtp.validate()?;
        match self.tls.mode {
            TlsMode::Acme => self.tls.acme.validate(self.http_listen.is_some())?,
            _ if self.tls.acme != AcmeConfig::default() => return Err(Rule::AcmeWithoutMode.into()),
            _ => {}
        }
        self.backup.validate()?;
        tls_modes::validate(self)?;
        schedule("retention.schedule", &self.retention.schedule)?;
        if self.retention.audit_years < 6 {
            return Err(Rule::AuditYears.into());
        }
        if self.retention.adult_years == 0 || self.retention.age_of_majority == 0 {
            return Err(Rule::RetentionMinimum.into());
        }
        if !(1..=1024).contains(&self.attachments.max_megabytes) {
            return Err(Rule::AttachmentSize.into());
        }
        if !(4..=4096).contains(&self.store.cache_megabytes) {
            return Err(Rule::CacheSize.into());
        }
        if let Some(name) = &self.time_zone {
            if Zone::named(name).is_none() {
                return Err(ConfigError::TimeZone(name.clone()));
            }
        }
        if let Some(host) = &self.hostname {
            let ok = !host.is_empty()
                && host.len() <= 253
                && (host.parse::<std::net::IpAddr>().is_ok()
                    || host.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                            && !label.starts_with('-')
                            && !label.ends_with('-')
                    }));
            if !ok {
                return Err(ConfigError::BadHostname(host.clone()));
            }
        }
        Ok(())
    }

    /// The practice's time zone: `time_zone` (checked when the configuration was loaded), or
    /// this computer's.
    pub fn zone(&self) -> Zone {
        self.time_zone
            .as_deref()
            .and_then(Zone::named)
            .unwrap_or_default()
    }

    /// The host part of links this server hands out.
    pub fn public_host(&self, bound: SocketAddr) -> String {
        match &self.hostname {
            Some(h) if h.parse::<std::net::Ipv6Addr>().is_ok() => format!("[{h}]"),
            Some(h) => h.clone(),
            None if bound.ip().is_unspecified() => "localhost".to_owned(),
            None => match bound.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                std::net::IpAddr::V4(ip) => ip.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests;
