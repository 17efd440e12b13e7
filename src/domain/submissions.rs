//! Reading a client's submissions and communication preferences (clinical: owner and
//! clinicians), and accepting a public intake.

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::ids::SubmissionId;
use crate::policy::{AccountId, Action, Actor, Target};
use crate::store::accounts;
use crate::store::forms::{FormDef, FormVersion};
use crate::store::preferences::PreferenceHistory;
use crate::store::submissions::Submission;

impl Services {
    /// A client's submissions, newest first.
    pub fn submissions(
        &self,
        actor: &Actor,
        client: AccountId,
    ) -> Result<Vec<Submission>, ServiceError> {
        self.authorize(actor, Action::ReadSubmissions, Target::Client(client))?;
        self.audit_read(actor, Action::ReadSubmissions, Target::Client(client))?;
        Ok(self.store.read(|tx| {
            crate::store::submissions::latest(tx, client, super::client_chart::SUBMISSION_ROWS)
        })?)
    }

    /// One submission with the form version it answered.
    pub fn submission(
        &self,
        actor: &Actor,
        client: AccountId,
        id: SubmissionId,
    ) -> Result<(Submission, FormVersion), ServiceError> {
        self.authorize(actor, Action::ReadSubmissions, Target::Client(client))?;
        let found = self.store.read(|tx| {
            let s = tx.get::<Submission>(&id.0)?;
            let f = match &s {
                Some(s) => tx.get::<FormDef>(&s.form.0)?,
                None => None,
            };
            Ok::<_, ServiceError>((s, f))
        })?;
        let (Some(s), Some(f)) = found else {
            return Err(ServiceError::NotFound);
        };
        if s.client != client {
            return Err(ServiceError::NotFound);
        }
        let version = f
            .version(s.version)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        self.store.write(|tx| {
            audit::record(
                tx,
                self.now(),
                actor,
                Action::ReadSubmissions,
                AuditTarget::new().client(client).submission(id),
                Outcome::Ok,
            )
        })?;
        Ok((s, version))
    }

    /// A client's communication preferences, oldest first.
    pub fn preferences(
        &self,
        actor: &Actor,
        client: AccountId,
    ) -> Result<PreferenceHistory, ServiceError> {
        self.authorize(actor, Action::ReadSubmissions, Target::Client(client))?;
        self.audit_read(actor, Action::ReadSubmissions, Target::Client(client))?;
        Ok(self
            .store
            .read(|tx| tx.get::<PreferenceHistory>(&client.0))?
            .unwrap_or_default())
    }

    /// Accepts a client created by a public intake.
    pub fn accept_intake(&self, actor: &Actor, client: AccountId) -> Result<(), ServiceError> {
        self.authorize(actor, Action::CreateClient, Target::Practice)?;
        let now = self.now();
        self.store.write(|tx| {
            let mut p = accounts::profile_for_update(tx, client)?.ok_or(ServiceError::NotFound)?;
            p.pending_intake = false;
            accounts::put_profile(tx, client, &p)?;
            audit::record(
                tx,
                now,
                actor,
                Event::ClientIntakeAccept,
                AuditTarget::new().client(client),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }
}
