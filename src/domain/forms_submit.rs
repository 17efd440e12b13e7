//! Submissions through a form link: the filled form is checked against its version,
//! sealed with a SHA-256 of its content and stored in the transaction that checks and uses
//! the link (a single-use link is accepted exactly once). A public intake creates a pending
//! client; the consent form's answers become the client's communication preferences.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::super::audit::{self, AuditTarget, Event, Outcome};
use super::super::form_check::{self, Answers, FieldErrors};
use super::super::{ServiceError, Services};
use super::{client_usable, problem, state_of, LinkProblem};
use crate::ids::SubmissionId;
use crate::policy::{AccountId, Actor, Role};
use crate::store::accounts::{self, Account, ClientProfile};
use crate::store::forms::{FieldType, FormDef, FormLink};
use crate::store::preferences::{PreferenceHistory, Preferences};
use crate::store::submissions::{Signature, Submission};
use crate::store::WriteTx;

/// A refused submission: the link's problem, or the fields to fix.
pub enum SubmitError {
    Link(LinkProblem),
    Fields(FieldErrors),
    Service(ServiceError),
}

impl From<ServiceError> for SubmitError {
    fn from(e: ServiceError) -> Self {
        SubmitError::Service(e)
    }
}

impl From<crate::store::StoreError> for SubmitError {
    fn from(e: crate::store::StoreError) -> Self {
        SubmitError::Service(e.into())
    }
}

fn answer<'a>(answers: &'a Answers, key: &str) -> &'a str {
    answers
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.first())
        .map_or("", String::as_str)
}

impl Services {
    /// Starts receiving the file of a form's file question, if the link is open and the
    /// form asks for a file.
    pub fn begin_form_upload(
        &self,
        token: &str,
        file_name: &str,
    ) -> Result<super::super::attachments::Upload, ServiceError> {
        match self.open_link(token)? {
            Ok(open) if open.form.fields.iter().any(|f| f.kind == FieldType::File) => {
                self.new_upload(file_name)
            }
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Takes a filled form. Checks the link again inside the transaction that stores the
    /// submission and uses the link.
    pub fn submit(
        &self,
        token: &str,
        posted: &Answers,
        actor: &Actor,
    ) -> Result<SubmissionId, SubmitError> {
        self.submit_with_file(token, posted, None, actor)
    }

    /// `submit`, with the file of the form's file question (received and checked already).
    pub fn submit_with_file(
        &self,
        token: &str,
        posted: &Answers,
        file: Option<super::super::attachments::StagedFile>,
        actor: &Actor,
    ) -> Result<SubmissionId, SubmitError> {
        let index = self.link_index(token);
        let now = self.now();
        let (link, def) = self.store.read(|tx| {
            let link = tx.get::<FormLink>(&index)?;
            let def = match &link {
                Some(l) => tx.get::<FormDef>(&l.form.0)?,
                None => None,
            };
            Ok::<_, crate::store::StoreError>((link, def))
        })?;
        let (Some(_), Some(def)) = (link, def) else {
            return Err(SubmitError::Link(LinkProblem::Unknown));
        };
        let version = def.current().clone();
        // A file question's answer is only ever the file received with this request.
        let file_key = version
            .fields
            .iter()
            .find(|f| f.kind == FieldType::File)
            .map(|f| f.key.clone());
        let mut posted: Answers = posted
            .iter()
            .filter(|(k, _)| Some(k) != file_key.as_ref())
            .cloned()
            .collect();
        if let (Some(key), Some(f)) = (&file_key, &file) {
            posted.push((key.clone(), vec![f.id_text(), f.name().to_owned()]));
        }
        let clean = form_check::check(&version.fields, &posted).map_err(SubmitError::Fields)?;
        let ip = actor.ip().map(|i| i.to_string()).unwrap_or_default();
        let signature = version
            .fields
            .iter()
            .find(|f| f.kind == FieldType::Signature)
            .map(|f| Signature {
                name: answer(&clean, &f.key).to_owned(),
                at: now,
                ip: ip.clone(),
            });
        let id = SubmissionId::generate();
        let digest = {
            let canonical =
                serde_json::to_vec(&(def.id, version.version, &clean)).unwrap_or_default();
            hex::encode(Sha256::digest(&canonical))
        };
        let is_consent = def.builtin.as_deref() == Some("consent");
        self.store.write(|tx| {
            let mut link = tx
                .get::<FormLink>(&index)?
                .ok_or(SubmitError::Link(LinkProblem::Unknown))?;
            if let Some(p) = problem(state_of(&link, now)) {
                return Err(SubmitError::Link(p));
            }
            let client = match link.client {
                // A switched-off account's links are withdrawn with it; never let one
                // through that escaped (written before the switch-off was).
                Some(c) if !client_usable(tx, c)? => {
                    return Err(SubmitError::Link(LinkProblem::Revoked))
                }
                Some(c) => c,
                None => self.pending_client(tx, actor, &clean, now)?,
            };
            if let Some(f) = &file {
                let zero = crate::ids::ThreadId([0; 16]);
                let (record, _) = f.record(zero, client, 0, client, now);
                crate::store::attachments::put(tx, &record)?;
            }
            link.uses += 1;
            link.used_at = Some(now);
            tx.put(&index, &link)?;
            let mut d = tx.get::<FormDef>(&def.id.0)?.unwrap_or_else(|| def.clone());
            d.current_used = true;
            tx.put(&d.id.0, &d)?;
            let submission = Submission {
                id,
                form: def.id,
                form_name: def.name.clone(),
                version: version.version,
                client,
                answers: clean.clone(),
                signature: signature.clone(),
                sha256: digest.clone(),
                submitted_at: now,
                link: link.id,
            };
            crate::store::submissions::add(tx, &submission)?;
            audit::record(
                tx,
                now,
                actor,
                Event::FormSubmit,
                AuditTarget::new()
                    .client(client)
                    .form(def.id)
                    .version(version.version)
                    .submission(id)
                    .link(link.id),
                Outcome::Ok,
            )?;
            if is_consent && link.client.is_some() {
                self.apply_consent(tx, actor, client, &clean, version.version, now)?;
            }
            self.queue_practice_alerts(tx, actor, client, now)?;
            Ok(())
        })?;
        if let Some(f) = file {
            f.kept();
        }
        self.wake_mail();
        Ok(id)
    }

    /// A public intake makes a client record that waits for the practice to accept it.
    fn pending_client(
        &self,
        tx: &WriteTx<'_>,
        actor: &Actor,
        answers: &Answers,
        now: OffsetDateTime,
    ) -> Result<AccountId, SubmitError> {
        let name = match answer(answers, "legal_name") {
            "" => "New intake",
            n => n,
        };
        let email = answer(answers, "email");
        let account = Account::invited(Role::Client, name, email, now);
        let id = account.id;
        accounts::put(tx, &account)?;
        let index = self.store.blind_index().email(email);
        // An address already in use is not indexed twice (and the page never says so).
        if !email.is_empty() && !accounts::email_taken(tx, &index)? {
            accounts::index_email(tx, &index, id)?;
        }
        accounts::put_profile(
            tx,
            id,
            &ClientProfile {
                legal_name: name.to_owned(),
                phone: answer(answers, "phone").to_owned(),
                date_of_birth: answer(answers, "date_of_birth").to_owned(),
                pending_intake: true,
                ..ClientProfile::default()
            },
        )?;
        audit::record(
            tx,
            now,
            actor,
            Event::ClientIntake,
            AuditTarget::new().client(id),
            Outcome::Ok,
        )?;
        Ok(id)
    }

    /// The consent form's channel choices become the client's preferences; the email choice
    /// is what email alerts obey.
    fn apply_consent(
        &self,
        tx: &WriteTx<'_>,
        actor: &Actor,
        client: AccountId,
        answers: &Answers,
        version: u32,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let chosen: Vec<&str> = answers
            .iter()
            .filter(|(k, _)| k == "channels")
            .flat_map(|(_, v)| v.iter().map(String::as_str))
            .collect();
        let prefs = Preferences {
            portal: chosen.contains(&"Secure portal messages"),
            email: chosen.contains(&"Email notifications"),
            phone: chosen.contains(&"Phone calls and voicemail"),
            at: now,
            form_version: version,
        };
        let mut history = tx.get::<PreferenceHistory>(&client.0)?.unwrap_or_default();
        history.entries.push(prefs.clone());
        tx.put(&client.0, &history)?;
        if let Some(mut account) = accounts::get_for_update(tx, client)? {
            account.email_alerts = prefs.email;
            accounts::put(tx, &account)?;
        }
        audit::record(
            tx,
            now,
            actor,
            Event::ClientPreferences,
            AuditTarget::new()
                .client(client)
                .field("email", prefs.email)
                .field("phone", prefs.phone)
                .field("portal", prefs.portal),
            Outcome::Ok,
        )?;
        Ok(())
    }
}
