//! After a restore: the store is made safe to serve (old sessions end, every link issued
//! before the backup is voided, since some may have been withdrawn after it), and the
//! owner's home is told what went.

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::policy::{Action, Actor, Target};
use crate::store::backups::{self as backup_rows, RestoreNotice, VoidedLinks};

impl Services {
    /// Makes a freshly restored store safe to serve, in one transaction: every session from
    /// the old computer ends, and every link issued before the backup (invitations,
    /// password resets, email confirmations, form links) is voided, since some may have
    /// been withdrawn after it. The owner's home says what was voided.
    pub fn settle_restore(&self, actor: &Actor, backup: &str) -> Result<VoidedLinks, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let now = self.now();
        self.store.write(|tx| {
            tx.clear::<crate::store::sessions::Session>()?;
            crate::store::setup_tokens::clear(tx)?;
            let (invitations, password_resets) = crate::store::invites::revoke_all_open(tx, now)?;
            let voided = VoidedLinks {
                invitations,
                password_resets,
                email_confirmations: crate::store::outbox::void_confirmations(tx, now)?,
                form_links: crate::store::forms::revoke_all_open(tx, now)?,
            };
            backup_rows::save_restore_notice(
                tx,
                &RestoreNotice {
                    restored_at: now,
                    backup: backup.to_owned(),
                    voided,
                },
            )?;
            audit::record(
                tx,
                now,
                actor,
                Event::BackupRestoreVoidLinks,
                AuditTarget::new()
                    .backup(backup)
                    .field("invitations", invitations)
                    .field("resets", password_resets)
                    .field("confirmations", voided.email_confirmations)
                    .field("form_links", voided.form_links),
                Outcome::Ok,
            )?;
            Ok(voided)
        })
    }

    /// The last restore into this store, if there was one.
    pub fn restore_notice(&self, actor: &Actor) -> Result<Option<RestoreNotice>, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        Ok(self.store.read(backup_rows::restore_notice)?)
    }
}
