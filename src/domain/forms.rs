//! Forms and secure form links. A link (256-bit token, stored only as a keyed hash) opens
//! one form for one client, or as a public intake that creates a pending client. Filling it
//! needs no account. What happens to a filled form is in `forms_submit.rs`.

use time::{Duration, OffsetDateTime};

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::ids::{FormId, FormLinkId};
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts;
use crate::store::forms::{FormDef, FormLink, FormVersion};
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

fn problem(state: LinkState) -> Option<LinkProblem> {
    match state {
        LinkState::Open => None,
        LinkState::Used => Some(LinkProblem::Used),
        LinkState::Expired => Some(LinkProblem::Expired),
        LinkState::Revoked => Some(LinkProblem::Revoked),
    }
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
            crate::store::forms::add_link(tx, &index, &link)?;
            audit::record(
                tx,
                now,
                actor,
                Action::SendFormLink,
                match client {
                    Some(c) => AuditTarget::new().client(c),
                    None => AuditTarget::new().public(),
                }
                .form(form)
                .link(link.id),
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
                Event::FormLinkRevoke,
                AuditTarget::new().link(link),
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
}

#[path = "forms_submit.rs"]
mod submit;
pub use submit::SubmitError;

#[cfg(test)]
#[path = "forms_tests.rs"]
mod tests;
