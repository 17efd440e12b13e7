//! `alcove doctor`: the practice's posture in plain words, one line per check, each red
//! one with a hint. Reads only; the same checks feed the owner's home.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::accounts::AccountSummary;
use super::audit::ChainState;
use super::backup::{JOB_BACKUP, JOB_RESTORE_TEST};
use super::{ServiceError, Services};
use crate::policy::{Action, Actor, Target};
use crate::store::accounts::AccountStatus;
use crate::store::audit::AuditEvent;

/// A backup older than this is red.
const BACKUP_MAX_AGE: Duration = Duration::hours(48);
/// A restore test or drill older than this is red.
const RESTORE_TEST_MAX_AGE: Duration = Duration::days(90);
/// How far the newest audit event may lie in the future before the clock is suspect.
const CLOCK_SLACK: Duration = Duration::minutes(5);

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// What to do, for a red check.
    pub hint: Option<String>,
}

impl Check {
    fn green(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            ok: true,
            detail: detail.into(),
            hint: None,
        }
    }
    fn red(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            name,
            ok: false,
            detail: detail.into(),
            hint: Some(hint.into()),
        }
    }
}

/// The report as text: `[ ok ]` / `[FAIL]` and a hint line under each red one.
pub fn render(checks: &[Check]) -> String {
    let mut out = String::new();
    for c in checks {
        let mark = if c.ok { "[ ok ]" } else { "[FAIL]" };
        out.push_str(&format!("{mark} {}: {}\n", c.name, c.detail));
        if let Some(h) = &c.hint {
            out.push_str(&format!("       what to do: {h}\n"));
        }
    }
    out
}

fn age_words(d: Duration) -> String {
    if d.whole_days() >= 1 {
        format!("{} day(s) ago", d.whole_days())
    } else {
        format!("{} hour(s) ago", d.whole_hours().max(0))
    }
}

/// Files readable or writable by anyone but the owner, below `dir`.
fn loose_permissions(dir: &Path) -> Vec<String> {
    let mut loose = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        if let Ok(meta) = std::fs::symlink_metadata(&d) {
            if meta.permissions().mode() & 0o077 != 0 {
                loose.push(format!("{} (folder)", d.display()));
            }
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(e.path());
            } else if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                loose.push(e.path().display().to_string());
            }
        }
    }
    loose.sort();
    loose
}

impl Services {
    /// Every posture check, for the local administrator or the owner.
    pub fn doctor(
        &self,
        actor: &Actor,
        data_dir: &Path,
        config: &crate::config::Config,
    ) -> Result<Vec<Check>, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let accounts = self.list_accounts(actor)?;
        self.doctor_with(actor, data_dir, config, &accounts)
    }

    /// The checks, with the account list already read (and audited) by the caller.
    pub(super) fn doctor_with(
        &self,
        actor: &Actor,
        data_dir: &Path,
        config: &crate::config::Config,
        accounts: &[AccountSummary],
    ) -> Result<Vec<Check>, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let now = self.now();
        let mut checks = vec![Check::green(
            "version",
            format!(
                "Alcove {} (data schema {})",
                env!("CARGO_PKG_VERSION"),
                crate::store::SCHEMA_VERSION
            ),
        )];
        checks.push(tls_check(data_dir, config, now));

        let recovery = data_dir.join(crate::datadir::DEFAULT_RECOVERY_FILE);
        checks.push(if recovery.exists() {
            Check::red(
                "recovery key",
                format!(
                    "the recovery key is still on this computer ({})",
                    recovery.display()
                ),
                "copy it to a USB stick kept somewhere safe (or print it), then delete it here",
            )
        } else {
            Check::green("recovery key", "not in the data directory")
        });

        let jobs = self.job_statuses(actor)?;
        checks.push(
            match jobs
                .get(JOB_BACKUP)
                .and_then(|s| s.last_run.map(|t| (t, s)))
            {
                None => Check::red(
                    "last backup",
                    "no backup has been taken",
                    "run `alcove backup now` and check `backup.schedule`",
                ),
                Some((_, s)) if !s.ok => Check::red(
                    "last backup",
                    format!("the last backup failed: {}", s.summary),
                    "fix the cause shown, then run `alcove backup now`",
                ),
                Some((at, _)) if now - at > BACKUP_MAX_AGE => Check::red(
                    "last backup",
                    format!("the last backup was {}", age_words(now - at)),
                    "check that the server runs and `backup.schedule`; run `alcove backup now`",
                ),
                Some((at, _)) => Check::green("last backup", age_words(now - at)),
            },
        );
        for record in self.backups(actor)?.into_iter().take(1) {
            checks.push(Check::green(
                "backup targets",
                format!(
                    "newest backup {} is in {}",
                    record.name,
                    record.targets.join(", ")
                ),
            ));
        }
        checks.push(
            match jobs
                .get(JOB_RESTORE_TEST)
                .and_then(|s| s.last_run.map(|t| (t, s)))
            {
                None => Check::red(
                    "restore test",
                    "no backup has been test-restored",
                    "run `alcove backup verify FILE --identity RECOVERY-KEY`",
                ),
                Some((_, s)) if !s.ok => Check::red(
                    "restore test",
                    format!("the last restore test failed: {}", s.summary),
                    "test another backup copy with `alcove backup verify`",
                ),
                Some((at, _)) if now - at > RESTORE_TEST_MAX_AGE => Check::red(
                    "restore test",
                    format!("the last restore test was {}", age_words(now - at)),
                    "run `alcove backup verify FILE --identity RECOVERY-KEY`",
                ),
                Some((at, s)) => Check::green(
                    "restore test",
                    format!(
                        "{} ({:.1} s)",
                        age_words(now - at),
                        s.millis as f64 / 1000.0
                    ),
                ),
            },
        );

        let without: Vec<&str> = accounts
            .iter()
            .filter(|a| a.role.is_practice() && a.status == AccountStatus::Active && !a.mfa)
            .map(|a| a.email.as_str())
            .collect();
        checks.push(if without.is_empty() {
            Check::green("sign-in codes", "every active practice account has them")
        } else {
            Check::red(
                "sign-in codes",
                format!("practice accounts without sign-in codes: {}", without.join(", ")),
                "each of them sets codes up at the next sign-in; switch off accounts no longer used",
            )
        });

        checks.push(match super::audit::verify(&self.store)? {
            ChainState::Intact { events, .. } => {
                Check::green("audit log", format!("chain intact ({events} events)"))
            }
            ChainState::Broken { position, problem } => Check::red(
                "audit log",
                format!("broken at event {position}: {problem}"),
                "keep the data directory as it is and compare with a backup",
            ),
        });

        checks.push(
            match jobs
                .get(crate::domain::retention::JOB_PURGE)
                .and_then(|s| s.last_run.map(|t| (t, s)))
            {
                Some((_, s)) if !s.ok => Check::red(
                    "retention",
                    format!("the last purge failed: {}", s.summary),
                    "open Records due for removal on the portal",
                ),
                Some((at, _)) => {
                    Check::green("retention", format!("last purge {}", age_words(now - at)))
                }
                None => Check::green("retention", "the purge job has not run yet"),
            },
        );

        let loose = loose_permissions(data_dir);
        checks.push(if loose.is_empty() {
            Check::green("permissions", "files 0600, folders 0700")
        } else {
            Check::red(
                "permissions",
                format!("others may read: {}", loose.join(", ")),
                format!("chmod -R go-rwx {}", data_dir.display()),
            )
        });

        checks.push(disk_check(data_dir));

        let newest = self.store.read(|tx| tx.last::<AuditEvent>())?;
        let newest = newest.and_then(|(_, e)| OffsetDateTime::parse(&e.at, &Rfc3339).ok());
        checks.push(match newest {
            Some(at) if at > now + CLOCK_SLACK => Check::red(
                "clock",
                format!("the newest audit event ({at}) is later than the clock ({now})"),
                "set the clock right (timedatectl set-ntp true) before going on",
            ),
            _ => Check::green("clock", "not behind the audit log"),
        });
        Ok(checks)
    }
}

/// The least free space that is not red: room for the next backup and the store growing
/// while it runs (twice the store file), and never under 1 GiB. A share of the disk is
/// not used: 5 % of a large disk is many backups, of a small one not one.
fn least_free(store_bytes: u64) -> u64 {
    store_bytes.saturating_mul(2).max(1 << 30)
}

/// Free space on the data directory's file system: red under [`least_free`].
pub fn disk_check(data_dir: &Path) -> Check {
    let store_bytes = std::fs::metadata(data_dir.join(crate::store::DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    match rustix::fs::statvfs(data_dir) {
        Ok(v) => disk_verdict(v.f_bavail.saturating_mul(v.f_frsize), store_bytes),
        Err(e) => Check::red(
            "disk space",
            format!("cannot be measured ({e})"),
            "check that the data directory exists",
        ),
    }
}

fn disk_verdict(free: u64, store_bytes: u64) -> Check {
    const GIB: f64 = (1u64 << 30) as f64;
    let detail = format!(
        "{:.1} GiB free, the store is {:.1} GiB",
        free as f64 / GIB,
        store_bytes as f64 / GIB
    );
    if free < least_free(store_bytes) {
        Check::red(
            "disk space",
            detail,
            "free space on this disk, or move old backups elsewhere; a full disk stops backups and new messages",
        )
    } else {
        Check::green("disk space", detail)
    }
}

/// A certificate that ends within this is red.
const CERT_RED_WITHIN: Duration = Duration::days(14);

/// The TLS check, in one place for every mode.
pub fn tls_check(data_dir: &Path, config: &crate::config::Config, now: OffsetDateTime) -> Check {
    use crate::config::TlsMode;
    match config.tls.mode {
        TlsMode::SelfSigned => self_signed_check(data_dir, now),
        TlsMode::Acme => match crate::tls::acme::check(data_dir, now) {
            Some((true, detail)) => Check::green("TLS", detail),
            Some((false, detail)) => Check::red(
                "TLS",
                detail,
                "check `[tls.acme]` and that the ACME directory reaches this server; the server keeps retrying",
            ),
            None => self_signed_check(data_dir, now),
        },
        TlsMode::Files => files_check(&config.tls, now),
        TlsMode::Proxy => Check::green(
            "TLS",
            format!(
                "terminated by the reverse proxy in front (plain HTTP on {} for it only); the proxy renews its certificate",
                config.listen
            ),
        ),
    }
}

/// `[tls] mode = "files"`: the expiry of the certificate in `tls.cert_file` as it is on
/// disk now (a bad replacement is refused by the running server, which keeps the old one).
fn files_check(tls: &crate::config::TlsConfig, now: OffsetDateTime) -> Check {
    let Some(path) = &tls.cert_file else {
        return Check::red(
            "TLS",
            "`tls.cert_file` is not set",
            "set `tls.cert_file` and `tls.key_file`",
        );
    };
    if let Some(key) = tls
        .key_file
        .as_ref()
        .filter(|k| crate::tls::files::readable_by_everyone(k))
    {
        return Check::red(
            "TLS",
            format!(
                "every user of this computer can read the private key in `tls.key_file` ({})",
                key.display()
            ),
            format!("chmod o-rwx {}", key.display()),
        );
    }
    match crate::tls::files::leaf_of(path) {
        Err(e) => Check::red(
            "TLS",
            e.to_string(),
            "put a valid certificate in `tls.cert_file`; until then the server keeps the one it loaded",
        ),
        Ok(leaf) if leaf.not_after - now < CERT_RED_WITHIN => Check::red(
            "TLS",
            format!(
                "the certificate in `tls.cert_file` ({}) expires on {}",
                path.display(),
                leaf.not_after.date()
            ),
            "renew it and replace the files; the server picks them up without a restart",
        ),
        Ok(leaf) => Check::green(
            "TLS",
            format!(
                "own certificate ({}), valid until {}",
                path.display(),
                leaf.not_after.date()
            ),
        ),
    }
}

/// The self-signed certificate's expiry, read from `DATA_DIR/tls/self-signed.json`.
fn self_signed_check(data_dir: &Path, now: OffsetDateTime) -> Check {
    let info = data_dir.join("tls").join("self-signed.json");
    let not_after = std::fs::read(&info)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("not_after")?.as_str().map(str::to_owned))
        .and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok());
    match not_after {
        None => Check::red(
            "TLS",
            "no certificate found in the data directory",
            "start the server once; it makes one",
        ),
        Some(at) if at - now < CERT_RED_WITHIN => Check::red(
            "TLS",
            format!("the self-signed certificate expires on {}", at.date()),
            "restart the server: it makes a new one 30 days before expiry",
        ),
        Some(at) => Check::green(
            "TLS",
            format!("self-signed certificate, valid until {}", at.date()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn disk_is_red_under_a_gibibyte_or_twice_the_store() {
        assert!(!disk_verdict(GIB - 1, 0).ok);
        assert!(disk_verdict(GIB, 0).ok);
        assert!(!disk_verdict(5 * GIB, 3 * GIB).ok);
        assert!(disk_verdict(6 * GIB, 3 * GIB).ok);
        // A big disk with a small share free is fine: only the bytes matter.
        assert!(disk_verdict(12 * GIB, GIB).ok);
        assert_eq!(
            disk_verdict(GIB + GIB / 2, 0).detail,
            "1.5 GiB free, the store is 0.0 GiB"
        );
    }
}
