//! Backups as a service: take one (to `DATA_DIR/backups` and every extra folder), rotate
//! each folder, re-read them all to catch damage, and keep each job's status for the
//! dashboard. Every run and every removal is audited; a failure is emailed to the owner.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::backup::rotate;
use crate::backup::s3::S3Target;
use crate::backup::{self, Written};
use crate::config::backup::{Keep, S3Config};
use crate::policy::{Action, Actor, Role, Target};
use crate::store::accounts::AccountStatus;
use crate::store::backups::{BackupRecord, JobStatus};
use crate::store::outbox::Mail;

pub const JOB_BACKUP: &str = "backup";
pub const JOB_CHECK: &str = "backup-check";
pub const JOB_RESTORE_TEST: &str = "restore-test";

/// One backup run at a time (the scheduler's and `alcove backup now` may meet): each
/// takes its time and its name after the one before, so names sort in the order the
/// snapshots were taken, and rotation and copying never interleave.
static ONE_RUN: parking_lot::Mutex<()> = parking_lot::const_mutex(());

/// Where backups go and who can open them.
#[derive(Debug, Clone)]
pub struct BackupPlan {
    pub data_dir: PathBuf,
    pub folders: Vec<PathBuf>,
    pub extra_recipients: Vec<age::x25519::Recipient>,
    pub keep: Keep,
    pub s3: Option<S3Config>,
    /// The configuration file, which travels inside every backup.
    pub config_file: Option<PathBuf>,
}

impl BackupPlan {
    pub fn new(data_dir: &Path, config: &crate::config::Config) -> Self {
        let file = config.file.clone();
        let config = &config.backup;
        Self {
            config_file: file,
            data_dir: data_dir.to_owned(),
            folders: config.folders.clone(),
            extra_recipients: config.extra_recipients(),
            keep: config.keep,
            s3: config.s3.clone(),
        }
    }

    /// Every folder that holds backups: the data directory's own first.
    pub fn targets(&self) -> Vec<PathBuf> {
        let mut all = vec![self.data_dir.join("backups")];
        all.extend(self.folders.iter().cloned());
        all
    }
}

/// What one backup run did.
#[derive(Debug)]
pub struct BackupOutcome {
    pub written: Written,
    pub copies: Vec<PathBuf>,
    pub removed: usize,
}

/// Copies `file` into `dir` under the same name: temporary name, fsync, rename.
fn copy_into(file: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    crate::fsutil::create_private_dir(dir)?;
    let name = file
        .file_name()
        .ok_or_else(|| std::io::Error::other("no file name"))?;
    let target = dir.join(name);
    let partial = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let result = (|| {
        std::fs::copy(file, &partial)?;
        crate::fsutil::make_private(&partial)?;
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, &target)?;
        crate::fsutil::sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result.map(|()| target)
}

fn digest_of(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher)?;
    Ok((size, hex::encode(hasher.finalize())))
}

impl Services {
    pub(super) fn job_done(
        &self,
        actor: &Actor,
        job: &str,
        event: Event,
        started: Instant,
        result: Result<String, String>,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let (ok, summary) = match &result {
            Ok(s) => (true, s.clone()),
            Err(s) => (false, s.clone()),
        };
        self.store.write(|tx| {
            let next_run = tx
                .get::<JobStatus>(job.as_bytes())?
                .and_then(|s| s.next_run);
            tx.put(
                job.as_bytes(),
                &JobStatus {
                    last_run: Some(now),
                    ok,
                    summary: summary.clone(),
                    millis: started.elapsed().as_millis() as u64,
                    next_run,
                },
            )?;
            audit::record(
                tx,
                now,
                actor,
                event,
                AuditTarget::practice(),
                if ok { Outcome::Ok } else { Outcome::Failed },
            )?;
            if !ok && job != JOB_RESTORE_TEST {
                for owner in crate::store::accounts::practice_for_update(tx)? {
                    if owner.role == Role::Owner
                        && owner.status == AccountStatus::Active
                        && owner.email_confirmed_at.is_some()
                        && self.mail.enabled
                    {
                        super::notify::queue_mail(tx, now, actor, &owner, Mail::JobFailed)?;
                    }
                }
            }
            Ok::<_, ServiceError>(())
        })?;
        self.wake_mail();
        Ok(())
    }

    /// The scheduler's note of when a job runs next.
    pub fn set_next_run(
        &self,
        job: &str,
        next: Option<OffsetDateTime>,
    ) -> Result<(), ServiceError> {
        self.store.write(|tx| {
            let mut status = tx.get::<JobStatus>(job.as_bytes())?.unwrap_or(JobStatus {
                last_run: None,
                ok: true,
                summary: String::new(),
                millis: 0,
                next_run: None,
            });
            status.next_run = next;
            tx.put(job.as_bytes(), &status)
        })?;
        Ok(())
    }

    /// Every job's last run, for the dashboard and the scheduler.
    pub fn job_statuses(&self, actor: &Actor) -> Result<BTreeMap<String, JobStatus>, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let all = self.store.read(|tx| tx.all::<JobStatus>())?;
        Ok(all
            .into_iter()
            .map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), v))
            .collect())
    }

    /// Takes a backup now, copies it to every folder, and rotates each folder.
    pub fn back_up(
        &self,
        actor: &Actor,
        plan: &BackupPlan,
        progress: &ProgressBar,
    ) -> Result<BackupOutcome, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let _one_run = ONE_RUN.lock();
        let started = Instant::now();
        let result = self.back_up_inner(actor, plan, progress);
        let summary = match &result {
            Ok(o) => Ok(format!(
                "{} ({} bytes) in {} folder(s); {} old backup(s) rotated out",
                o.written.name,
                o.written.size,
                1 + o.copies.len(),
                o.removed
            )),
            Err(e) => Err(format!("backup failed: {e}")),
        };
        self.job_done(actor, JOB_BACKUP, Event::JobBackup, started, summary)?;
        result
    }

    fn back_up_inner(
        &self,
        actor: &Actor,
        plan: &BackupPlan,
        progress: &ProgressBar,
    ) -> Result<BackupOutcome, ServiceError> {
        let recovery = crate::crypto::unlock::read_recovery_recipient(&plan.data_dir)
            .map_err(backup::BackupError::RecoveryRecipient)?;
        let mut recipients = vec![recovery];
        recipients.extend(plan.extra_recipients.iter().cloned());
        let targets = plan.targets();
        let config =
            match &plan.config_file {
                Some(f) => Some(std::fs::read(f).map_err(|source| {
                    backup::BackupError::ConfigUnreadable {
                        path: f.clone(),
                        source,
                    }
                })?),
                None => None,
            };
        let written = backup::write_backup(
            &self.store,
            &recipients,
            config.as_deref(),
            &targets[0],
            self.now(),
            progress,
        )?;
        let mut copies = Vec::new();
        let mut failed = Vec::new();
        for folder in &targets[1..] {
            match copy_into(&written.path, folder) {
                Ok(path) => copies.push(path),
                Err(e) => failed.push(format!("{}: {e}", folder.display())),
            }
        }
        let mut s3_label = None;
        if let Some(config) = &plan.s3 {
            match S3Target::new(config).and_then(|t| t.upload(&written.path).map(|()| t.label)) {
                Ok(label) => s3_label = Some(label),
                Err(e) => failed.push(e.to_string()),
            }
        }
        let now = self.now();
        let record = BackupRecord {
            name: written.name.clone(),
            // The time in its name: unique, so the list sorts as the names do.
            created_at: written.at,
            size: written.size,
            sha256: written.sha256.clone(),
            targets: std::iter::once(targets[0].display().to_string())
                .chain(
                    copies
                        .iter()
                        .filter_map(|p| p.parent())
                        .map(|d| d.display().to_string()),
                )
                .chain(s3_label)
                .collect(),
            counts: written.manifest.counts.clone(),
        };
        self.store.write(|tx| {
            tx.put(record.name.as_bytes(), &record)?;
            audit::record(
                tx,
                now,
                actor,
                Event::BackupCreate,
                AuditTarget::new()
                    .backup(&record.name)
                    .field("size", record.size),
                Outcome::Ok,
            )
        })?;
        let removed = self.rotate(actor, plan)?;
        if !failed.is_empty() {
            return Err(backup::BackupError::NotCopied {
                written: targets[0].display().to_string(),
                failed: failed.join("; "),
            }
            .into());
        }
        Ok(BackupOutcome {
            written,
            copies,
            removed,
        })
    }

    /// Drops `folder` from a backup's record (and the record with its last copy), audited.
    fn forget_copy(&self, actor: &Actor, name: &str, folder: &str) -> Result<(), ServiceError> {
        let now = self.now();
        self.store.write(|tx| {
            if let Some(mut r) = tx.get::<BackupRecord>(name.as_bytes())? {
                r.targets.retain(|t| t != folder);
                if r.targets.is_empty() {
                    tx.remove::<BackupRecord>(name.as_bytes())?;
                } else {
                    tx.put(name.as_bytes(), &r)?;
                }
            }
            audit::record(
                tx,
                now,
                actor,
                Event::BackupRemove,
                AuditTarget::new().backup(name).field("folder", folder),
                Outcome::Ok,
            )
        })?;
        Ok(())
    }

    /// Applies the keep rules to object storage; returns how many objects went.
    fn rotate_s3(
        &self,
        actor: &Actor,
        config: &S3Config,
        keep: Keep,
    ) -> Result<usize, ServiceError> {
        let target = S3Target::new(config)?;
        let names = target.list()?;
        let times: Vec<OffsetDateTime> = names.iter().filter_map(|n| backup::time_of(n)).collect();
        let gone = rotate::to_remove(&times, keep);
        let mut removed = 0;
        for name in names {
            if backup::time_of(&name).is_some_and(|t| gone.contains(&t)) {
                target.delete(&name)?;
                self.forget_copy(actor, &name, &target.label)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Applies the keep rules to each folder; returns how many files went.
    fn rotate(&self, actor: &Actor, plan: &BackupPlan) -> Result<usize, ServiceError> {
        // Object storage that cannot be reached now is rotated at the next run.
        let mut removed = match &plan.s3 {
            Some(config) => self
                .rotate_s3(actor, config, plan.keep)
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "could not rotate backups in object storage");
                    0
                }),
            None => 0,
        };
        for dir in plan.targets() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let found: Vec<(String, OffsetDateTime)> = entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    backup::time_of(&name).map(|t| (name, t))
                })
                .collect();
            let times: Vec<OffsetDateTime> = found.iter().map(|(_, t)| *t).collect();
            let gone = rotate::to_remove(&times, plan.keep);
            for (name, t) in &found {
                if !gone.contains(t) {
                    continue;
                }
                std::fs::remove_file(dir.join(name)).map_err(|source| {
                    backup::BackupError::NotRemoved {
                        name: name.clone(),
                        source,
                    }
                })?;
                removed += 1;
                self.forget_copy(actor, name, &dir.display().to_string())?;
            }
        }
        Ok(removed)
    }

    /// Backups the server has written and still holds, newest first.
    pub fn backups(&self, actor: &Actor) -> Result<Vec<BackupRecord>, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let mut all: Vec<BackupRecord> = self
            .store
            .read(|tx| tx.all::<BackupRecord>())?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        all.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        Ok(all)
    }

    /// Re-reads every copy of every backup and compares size and SHA-256 with what was
    /// recorded when it was written. Returns one line per problem.
    pub fn check_backups(
        &self,
        actor: &Actor,
        plan: &BackupPlan,
    ) -> Result<Vec<String>, ServiceError> {
        let started = Instant::now();
        let records = self.backups(actor)?;
        let s3 = match &plan.s3 {
            Some(c) => Some(S3Target::new(c)?),
            None => None,
        };
        let mut problems = Vec::new();
        let mut copies = 0;
        for r in &records {
            for folder in &r.targets {
                let path = Path::new(folder).join(&r.name);
                copies += 1;
                let read = match &s3 {
                    Some(t) if folder == &t.label => t
                        .digest(&r.name)
                        .map_err(|e| std::io::Error::other(e.to_string())),
                    _ if folder.starts_with("s3://") => Err(std::io::Error::other(
                        "object storage is no longer configured",
                    )),
                    _ => digest_of(&path),
                };
                match read {
                    Err(e) => problems.push(format!("{}: cannot be read ({e})", path.display())),
                    Ok((size, _)) if size < r.size => problems.push(format!(
                        "{}: truncated ({size} of {} bytes)",
                        path.display(),
                        r.size
                    )),
                    Ok((_, sha)) if sha != r.sha256 => problems.push(format!(
                        "{}: its contents changed since it was written (bit rot or tampering)",
                        path.display()
                    )),
                    Ok(_) => {}
                }
            }
        }
        let summary = if problems.is_empty() {
            Ok(format!("{copies} backup copies re-read; all intact"))
        } else {
            Err(format!(
                "{} of {copies} backup copies are damaged: {}",
                problems.len(),
                problems.join("; ")
            ))
        };
        self.job_done(actor, JOB_CHECK, Event::JobBackupCheck, started, summary)?;
        Ok(problems)
    }

    /// Records a full restore test (`alcove backup verify` or `alcove restore`).
    pub fn record_restore_test(
        &self,
        actor: &Actor,
        ok: bool,
        millis: u64,
        summary: &str,
    ) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let now = self.now();
        self.store.write(|tx| {
            tx.put(
                JOB_RESTORE_TEST.as_bytes(),
                &JobStatus {
                    last_run: Some(now),
                    ok,
                    summary: summary.to_owned(),
                    millis,
                    next_run: None,
                },
            )?;
            audit::record(
                tx,
                now,
                actor,
                Event::BackupRestoreTest,
                AuditTarget::practice(),
                if ok { Outcome::Ok } else { Outcome::Failed },
            )
        })?;
        Ok(())
    }
}
