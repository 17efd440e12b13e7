//! Why a configuration was refused: each error names the key and says what to do. The
//! values quoted are the operator's own settings; a secret (`smtp.password`, the S3 secret
//! key) is never quoted.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration error: the config file {} does not exist", .0.display())]
    MissingFile(PathBuf),
    /// The file, the environment or the flags could not be read into the settings (an
    /// unknown key, a wrong type); figment's text names the key.
    #[error("configuration error: {0}")]
    Read(#[source] Box<figment::Error>),
    #[error("configuration error: `{key}` = {text:?} is not a cron expression (sec min hour day-of-month month day-of-week): {source}")]
    NotCron {
        key: &'static str,
        text: String,
        #[source]
        source: cron::error::Error,
    },
    #[error("configuration error: `{key}` = {text:?} never fires")]
    NeverFires { key: &'static str, text: String },
    #[error("configuration error: `backup.recipients` holds {0:?}, which is not an age recipient (age1…)")]
    NotRecipient(String),
    #[error("configuration error: `tls.acme.domains` holds {0:?}, which is not a DNS name (no wildcards, IP addresses or ports)")]
    AcmeDomain(String),
    #[error("configuration error: `tls.acme.email` = {0:?} is not an email address")]
    AcmeEmail(String),
    #[error("configuration error: `tls.acme.directory` = {0:?} is not an https:// URL of an ACME directory")]
    AcmeDirectory(String),
    #[error("configuration error: `tls.acme.ca_file` = {} cannot be read as a PEM certificate", path.display())]
    AcmeCaFile {
        path: PathBuf,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("configuration error: `tls.mode = \"files\"` needs `{0}`: the path of the PEM file")]
    FilesNeed(&'static str),
    #[error("configuration error: `{0}` is empty; give the path of the PEM file")]
    EmptyPath(&'static str),
    #[error("configuration error: `listen` = {0} is refused with `tls.mode = \"proxy\"`: without TLS the server must listen on a loopback address (127.0.0.1 or ::1) that only the reverse proxy on this computer reaches")]
    ProxyListen(SocketAddr),
    #[error("configuration error: `hostname` {0:?} is not a DNS name or an IP address")]
    BadHostname(String),
    #[error("configuration error: `time_zone` {0:?} is not a time zone name; use a name such as Europe/Berlin or America/New_York")]
    TimeZone(String),
    #[error("configuration error: {0}")]
    Rule(#[from] Rule),
}

/// A rule the settings break that needs no value quoted: the sentence says it all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    #[error("`session.practice_idle_minutes`, `session.client_idle_minutes` and `session.absolute_hours` must be at least 1")]
    SessionMinimum,
    #[error("`retention.audit_years` must be at least 6")]
    AuditYears,
    #[error("`retention.adult_years` and `retention.age_of_majority` must be at least 1")]
    RetentionMinimum,
    #[error("`attachments.max_megabytes` must be between 1 and 1024")]
    AttachmentSize,
    #[error("`store.cache_megabytes` must be between 4 and 4096")]
    CacheSize,
    #[error("`backup.keep.daily` must be at least 1")]
    KeepDaily,
    #[error("`backup.s3.bucket` is empty")]
    S3Bucket,
    #[error("`backup.s3.endpoint` must use https:// (plain http:// only for this machine)")]
    S3Https,
    #[error("`smtp.security = \"none\"` is only allowed for a mail server on this machine (`smtp.host` localhost, 127.0.0.1 or ::1); use \"starttls\" or \"tls\"")]
    SmtpPlainRemote,
    #[error("`smtp.username` and `smtp.password` go together: set both or neither")]
    SmtpCredentials,
    #[error("`smtp.from` must be a sender address such as `Portal <portal@example.org>` when `smtp.host` is set")]
    SmtpFrom,
    #[error("`smtp.retry_seconds` must be at least 1")]
    SmtpRetry,
    #[error("`tls.acme` is set but `tls.mode` is not \"acme\"; set `tls.mode = \"acme\"` or remove `[tls.acme]`")]
    AcmeWithoutMode,
    #[error("`tls.mode = \"acme\"` needs `tls.acme.domains`, the names the certificate covers (for example [\"portal.example.org\"])")]
    AcmeDomains,
    #[error("`tls.acme.challenge = \"http-01\"` needs `http_listen` (the plain-HTTP port the directory reaches as port 80); set it, or use \"tls-alpn-01\"")]
    AcmeHttpListen,
    #[error("`tls.acme.retry_seconds` must be at least 1")]
    AcmeRetry,
    #[error("`tls.mode = \"files\"` needs `tls.cert_file` and `tls.key_file`")]
    FilesNeedBoth,
    #[error("`tls.cert_file` and `tls.key_file` are used only with `tls.mode = \"files\"`; set that mode or remove them")]
    FilesWithoutMode,
    #[error("`http_listen` (--http-listen) cannot be used with `tls.mode = \"proxy\"`: the reverse proxy answers plain HTTP and redirects it; remove the setting")]
    ProxyHttpListen,
    #[error("`tls.mode = \"proxy\"` needs `hostname`: the name browsers use to reach the reverse proxy (links point at https://hostname/)")]
    ProxyHostname,
}
