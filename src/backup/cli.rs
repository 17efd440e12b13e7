//! `alcove backup verify` and `alcove restore`: progress bars on the terminal, a plain
//! report, and the time taken recorded for the dashboard.

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{open_backup, rebuild, restore_into, BackupError, RestoreReport};
use crate::crypto::RecoveryIdentity;
use crate::error::Error;
use crate::policy::Actor;

fn bar(file: &Path, verb: &str) -> ProgressBar {
    let total = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(verb.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn identity(path: &Path) -> Result<RecoveryIdentity, Error> {
    RecoveryIdentity::read(path).map_err(Error::RecoveryKey)
}

/// Decrypts and checks `file` in a temporary place; changes nothing. Returns the report and
/// how long it took.
pub fn verify(file: &Path, identity_file: &Path) -> Result<(RestoreReport, Duration), Error> {
    let started = Instant::now();
    let id = identity(identity_file)?;
    let progress = bar(file, "Verifying");
    let scratch = std::env::temp_dir();
    let result = (|| {
        let opened = open_backup(file, &id, &scratch, &progress)?;
        let staging = tempfile::Builder::new()
            .prefix(".alcove-verify-store-")
            .tempdir_in(&scratch)?;
        let (_, report) = rebuild(&opened, &id, staging.path())?;
        Ok::<_, BackupError>(report)
    })();
    progress.finish_and_clear();
    Ok((result?, started.elapsed()))
}

/// Restores `file` into `target` (see `restore_into`), recording the restore in the
/// restored store's audit log.
pub fn restore(
    file: &Path,
    identity_file: &Path,
    target: &Path,
    force: bool,
    keep_config: bool,
) -> Result<String, Error> {
    let started = Instant::now();
    let id = identity(identity_file)?;
    let progress = bar(file, "Restoring");
    let mut voided = None;
    let result = restore_into(file, &id, target, force, keep_config, &progress, |store| {
        let services = crate::domain::Services::new(
            store.clone(),
            std::sync::Arc::new(crate::clock::SystemClock),
            crate::domain::SessionTimeouts::default(),
        );
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let plain = |e: crate::domain::ServiceError| BackupError::Refused(e.to_string());
        // Sessions from the old computer end, and links issued before the backup die.
        voided = Some(
            services
                .settle_restore(&Actor::LocalAdmin, &name)
                .map_err(plain)?,
        );
        services
            .record_restore_test(
                &Actor::LocalAdmin,
                true,
                started.elapsed().as_millis() as u64,
                &format!("restored from {name}"),
            )
            .map_err(plain)
    });
    progress.finish_and_clear();
    let (report, aside) = result?;
    let mut text = format!(
        "Restored into {} in {:.1} s.\n{report}",
        target.display(),
        started.elapsed().as_secs_f64()
    );
    if let Some(aside) = aside {
        text.push_str(&format!(
            "The folder's previous contents were moved to {}.\n",
            aside.display()
        ));
    }
    if let Some(v) = voided.filter(|v| v.total() > 0) {
        text.push_str(&format!(
            "Links issued before the backup were voided, so none withdrawn since can work again: {} invitation(s), {} password-reset link(s), {} email-confirmation link(s), {} form link(s). Send new ones from the portal.\n",
            v.invitations, v.password_resets, v.email_confirmations, v.form_links
        ));
    }
    let config = target.join(crate::config::CONFIG_FILE);
    text.push_str(&match (keep_config, config.is_file()) {
        (true, true) => "This computer's configuration (alcove.toml) was kept.\n".to_owned(),
        (true, false) => "There was no configuration file here to keep; the defaults apply.\n".to_owned(),
        (false, true) => format!(
            "The configuration came back from the backup: {} (check the addresses and folders for this computer).\n",
            config.display()
        ),
        (false, false) => "The backup holds no configuration file; the defaults apply.\n".to_owned(),
    });
    text.push_str(&format!(
        "This folder's recovery key is the key you restored with (public key {}); backups it takes open with that key.\n",
        id.recipient()
    ));
    text.push_str(&format!(
        "A new unlock key was made for this computer. Start the portal with:\n    alcove --data-dir {} serve\n",
        target.display()
    ));
    Ok(text)
}
