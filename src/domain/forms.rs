//! Secure form links and submissions. A link (256-bit token, stored only as a keyed hash)
//! opens one form for one client, or as a public intake that creates a pending client.
//! Filling it needs no account. A submission is sealed with its form version and a SHA-256
//! of its content, in the same transaction that checks and uses the link, so a single-use
//! link is accepted exactly once however many arrive together. The consent form's answers
//! become the client's communication preferences.

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::audit::{self, Outcome};
use super::form_check::{self, Answers, FieldErrors};
use super::{ServiceError, Services};
use crate::ids::{FormId, FormLinkId, SubmissionId};
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account, ClientProfile};
use crate::store::forms::{FieldType, FormDef, FormLink, FormVersion};
use crate::store::preferences::{PreferenceHistory, Preferences};
use crate::store::submissions::{Signature, Submission};
use crate::store::WriteTx;

pub const DEFAULT_LINK_DAYS: i64 = 7;
const LINK_DOMAIN: &str = "form-link";

/// What a link is, as the practice's list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Open,
    Used,
    Expired,
    Revoked,
}

impl LinkState {
    pub fn word(self) -> &'static str {
        match self {
            LinkState::Open => "open",
            LinkState::Used => "used",
            LinkState::Expired => "expired",
            LinkState::Revoked => "revoked",
        }
    }
}

/// Whether `client`'s account exists and is not switched off.
fn client_usable(tx: &WriteTx<'_>, client: AccountId) -> Result<bool, crate::store::StoreError> {
    Ok(crate::store::accounts::get_for_update(tx, client)?
        .is_some_and(|a| a.status != crate::store::accounts::AccountStatus::Disabled))
}

pub fn state_of(link: &FormLink, now: OffsetDateTime) -> LinkState {
    if link.revoked {
        LinkState::Revoked
    } else if link.single_use && link.used_at.is_some() {
        LinkState::Used
    } else if link.expires_at <= now {
        LinkState::Expired
    } else {
        LinkState::Open
    }
}

/// Why a link cannot be filled: the page says so, naming no client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Used,
    Expired,
    Revoked,
}

/// An open link with the form to show.
pub struct OpenForm {
    pub name: String,
    pub form: FormVersion,
    pub consent: bool,
}

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

fn problem(state: LinkState) -> Option<LinkProblem> {
    match state {
        LinkState::Open => None,
        LinkState::Used => Some(LinkProblem::Used),
        LinkState::Expired => Some(LinkProblem::Expired),
        LinkState::Revoked => Some(LinkProblem::Revoked),
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
    fn link_index(&self, token: &str) -> [u8; 32] {
        self.store
            .blind_index()
            .index(LINK_DOMAIN, token.as_bytes())
    }

    /// Every form, for the practice.
    pub fn forms(&self, actor: &Actor) -> Result<Vec<FormDef>, ServiceError> {
        self.authorize(actor, Action::ListForms, Target::Practice)?;
        let mut all: Vec<FormDef> = self
            .store
            .read(|tx| tx.all::<FormDef>())?
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    pub fn form(&self, actor: &Actor, id: FormId) -> Result<FormDef, ServiceError> {
        self.forms(actor)?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or(ServiceError::NotFound)
    }

    /// A new link; returns its token (shown once). `client: None` is a public intake link.
    pub fn create_link(
        &self,
        actor: &Actor,
        form: FormId,
        client: Option<AccountId>,
        single_use: bool,
    ) -> Result<String, ServiceError> {
        match client {
            Some(c) => self.authorize(actor, Action::SendFormLink, Target::Client(c))?,
            None => self.authorize(actor, Action::ManageForms, Target::Practice)?,
        }
        let now = self.now();
        let token = crate::crypto::random::token();
        let index = self.link_index(&token);
        let link = FormLink {
            id: FormLinkId::generate(),
            form,
            client,
            created_at: now,
            expires_at: now + Duration::days(DEFAULT_LINK_DAYS),
            single_use,
            used_at: None,
            uses: 0,
            revoked: false,
        };
        self.store.write(|tx| {
            if tx.get::<FormDef>(&form.0)?.is_none() {
                return Err(ServiceError::NotFound);
            }
            if let Some(c) = client {
                let is_client =
                    accounts::get_for_update(tx, c)?.is_some_and(|a| a.role == Role::Client);
                if !is_client {
                    return Err(ServiceError::NotFound);
                }
            }
            tx.put(&index, &link)?;
            audit::record(
                tx,
                now,
                actor,
                "form.link",
                &format!(
                    "{} form:{form} link:{}",
                    client.map_or("public".to_owned(), |c| format!("client:{c}")),
                    link.id
                ),
                Outcome::Ok,
            )?;
            Ok(())
        })?;
        Ok(token)
    }

    /// Links of one client (or the public ones with `None`), newest first, with state.
    pub fn links(
        &self,
        actor: &Actor,
        client: Option<AccountId>,
    ) -> Result<Vec<(FormLink, LinkState)>, ServiceError> {
        match client {
            Some(c) => {
                self.authorize(actor, Action::SendFormLink, Target::Client(c))?;
                self.audit_read(actor, Action::SendFormLink, Target::Client(c))?;
            }
            None => self.authorize(actor, Action::ManageForms, Target::Practice)?,
        }
        let now = self.now();
        let mut all: Vec<(FormLink, LinkState)> = self
            .store
            .read(|tx| tx.all::<FormLink>())?
            .into_iter()
            .map(|(_, l)| l)
            .filter(|l| l.client == client)
            .map(|l| {
                let s = state_of(&l, now);
                (l, s)
            })
            .collect();
        all.sort_by_key(|(l, _)| std::cmp::Reverse(l.created_at));
        Ok(all)
    }

    /// Revokes a link by its public id.
    pub fn revoke_link(&self, actor: &Actor, link: FormLinkId) -> Result<(), ServiceError> {
        let now = self.now();
        let found = self
            .store
            .read(|tx| tx.all::<FormLink>())?
            .into_iter()
            .find(|(_, l)| l.id == link)
            .ok_or(ServiceError::NotFound)?;
        match found.1.client {
            Some(c) => self.authorize(actor, Action::SendFormLink, Target::Client(c))?,
            None => self.authorize(actor, Action::ManageForms, Target::Practice)?,
        }
        self.store.write(|tx| {
            let Some(mut l) = tx.get::<FormLink>(&found.0)? else {
                return Err(ServiceError::NotFound);
            };
            l.revoked = true;
            tx.put(&found.0, &l)?;
            audit::record(
                tx,
                now,
                actor,
                "form.link_revoke",
                &format!("link:{link}"),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    /// The form behind a link, if it can be filled now.
    pub fn open_link(&self, token: &str) -> Result<Result<OpenForm, LinkProblem>, ServiceError> {
        let index = self.link_index(token);
        let now = self.now();
        let found = self.store.read(|tx| {
            let Some(mut link) = tx.get::<FormLink>(&index)? else {
                return Ok::<_, ServiceError>(None);
            };
            if let Some(c) = link.client {
                let usable = crate::store::accounts::get(tx, c)?
                    .is_some_and(|a| a.status != crate::store::accounts::AccountStatus::Disabled);
                link.revoked |= !usable;
            }
            let form = tx.get::<FormDef>(&link.form.0)?;
            Ok(form.map(|f| (link, f)))
        })?;
        let Some((link, def)) = found else {
            return Ok(Err(LinkProblem::Unknown));
        };
        if let Some(p) = problem(state_of(&link, now)) {
            return Ok(Err(p));
        }
        Ok(Ok(OpenForm {
            name: def.name.clone(),
            consent: def.builtin.as_deref() == Some("consent"),
            form: def.current().clone(),
        }))
    }

    /// Starts receiving the file of a form's file question, if the link is open and the
    /// form asks for a file.
    pub fn begin_form_upload(
        &self,
        token: &str,
        file_name: &str,
    ) -> Result<super::attachments::Upload, ServiceError> {
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
        file: Option<super::attachments::StagedFile>,
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
            tx.put(&id.0, &submission)?;
            audit::record(
                tx,
                now,
                actor,
                "form.submit",
                &format!(
                    "client:{client} form:{} version:{} submission:{id} link:{}",
                    def.id, version.version, link.id
                ),
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
            "client.intake",
            &format!("client:{id}"),
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
            "client.preferences",
            &format!(
                "client:{client} email:{} phone:{} portal:{}",
                prefs.email, prefs.phone, prefs.portal
            ),
            Outcome::Ok,
        )?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "forms_tests.rs"]
mod tests;
