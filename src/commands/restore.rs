//! `alcove restore`: a backup rebuilt in a staging folder beside the target, checked, and
//! only then moved into place; sessions and links from before the backup voided, and the
//! restore recorded in the restored store's audit log.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;

use super::rebuild::{rebuild_streaming, RestoreReport};
use crate::backup::BackupError;
use crate::crypto::RecoveryIdentity;
use crate::domain::ServiceError;
use crate::error::Error;
use crate::policy::Actor;
use crate::store::backups::VoidedLinks;
use crate::store::Store;

/// Restores `file` into `target`: refuses a non-empty target unless `force` (the old
/// contents are then moved aside, never deleted), decrypts and checks everything in a
/// staging folder beside the target (see [`stage`]), records the restore in the staged
/// store's audit log, and moves it into place only when all is well.
pub fn restore(
    file: &Path,
    identity_file: &Path,
    target: &Path,
    force: bool,
    keep_config: bool,
) -> Result<String, Error> {
    let started = Instant::now();
    let id = super::identity(identity_file)?;
    let progress = super::bar(file, "Restoring");
    let result = stage(file, &id, target, force, keep_config, &progress)
        .map_err(Error::from)
        .and_then(|staged| {
            let voided = record(&staged.store, file, started)?;
            Ok((staged.move_into(target)?, voided))
        });
    progress.finish_and_clear();
    let ((report, aside), voided) = result?;
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
    if voided.total() > 0 {
        text.push_str(&format!(
            "Links issued before the backup were voided, so none withdrawn since can work again: {} invitation(s), {} password-reset link(s), {} email-confirmation link(s), {} form link(s). Send new ones from the portal.\n",
            voided.invitations, voided.password_resets, voided.email_confirmations, voided.form_links
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

fn is_empty_dir(dir: &Path) -> std::io::Result<bool> {
    Ok(std::fs::read_dir(dir)?.next().is_none())
}

/// Records the restore of `file` in the staged store: sessions from the old computer end,
/// links issued before the backup die, and the restore test is noted.
fn record(store: &Store, file: &Path, started: Instant) -> Result<VoidedLinks, ServiceError> {
    let services = crate::domain::Services::new(
        store.clone(),
        std::sync::Arc::new(crate::clock::SystemClock),
        crate::domain::SessionTimeouts::default(),
    );
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let voided = services.settle_restore(&Actor::LocalAdmin, &name)?;
    services.record_restore_test(
        &Actor::LocalAdmin,
        true,
        started.elapsed().as_millis() as u64,
        &format!("restored from {name}"),
    )?;
    Ok(voided)
}

/// A restore rebuilt and checked in its staging folder, not yet in place.
struct Staged {
    store: Store,
    report: RestoreReport,
    staging: tempfile::TempDir,
    parent: PathBuf,
    occupied: bool,
}

/// Rebuilds `file` in a staging folder beside `target` and checks it. A non-empty target
/// is refused unless `force`. The backup's `alcove.toml` comes with it, unless
/// `keep_config` keeps the target's own file.
fn stage(
    file: &Path,
    identity: &RecoveryIdentity,
    target: &Path,
    force: bool,
    keep_config: bool,
    progress: &ProgressBar,
) -> Result<Staged, BackupError> {
    let occupied = target.exists() && !is_empty_dir(target)?;
    if occupied && !force {
        return Err(BackupError::TargetNotEmpty(target.to_owned()));
    }
    if occupied && crate::admin::socket::server_answers(target) {
        return Err(BackupError::ServerRunning(target.to_owned()));
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    crate::fsutil::create_private_dir(&parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".alcove-restore-")
        .tempdir_in(&parent)?;
    // Read once, straight into the staging store; a failed check drops the staging folder.
    let tar = crate::backup::decrypt_backup(file, identity)?;
    let (store, report, carried) = rebuild_streaming(tar, identity, staging.path(), progress)?;
    // The configuration: the backup's, or with `keep_config` the one already there.
    let config = if keep_config {
        let own = target.join(crate::config::CONFIG_FILE);
        own.is_file().then(|| std::fs::read(&own)).transpose()?
    } else {
        carried
    };
    if let Some(bytes) = config {
        crate::fsutil::write_private_atomic(
            &staging.path().join(crate::config::CONFIG_FILE),
            &bytes,
        )?;
    }
    Ok(Staged {
        store,
        report,
        staging,
        parent,
        occupied,
    })
}

impl Staged {
    /// Everything is checked: moves the staged folder into place.
    fn move_into(self, target: &Path) -> Result<(RestoreReport, Option<PathBuf>), BackupError> {
        let Staged {
            store,
            report,
            staging,
            parent,
            occupied,
        } = self;
        drop(store);
        let moved_aside = if target.exists() {
            if occupied {
                let aside = parent.join(format!(
                    "{}.replaced-{}",
                    target
                        .file_name()
                        .map_or_else(|| "data".into(), |n| n.to_string_lossy().into_owned()),
                    crate::clock::Clock::now(&crate::clock::SystemClock).unix_timestamp()
                ));
                std::fs::rename(target, &aside)?;
                Some(aside)
            } else {
                std::fs::remove_dir(target)?;
                None
            }
        } else {
            None
        };
        let staged = staging.keep();
        std::fs::rename(&staged, target)?;
        std::fs::set_permissions(target, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        crate::fsutil::sync_dir(&parent)?;
        Ok((report, moved_aside))
    }
}
