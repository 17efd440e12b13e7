//! Clients: created by the practice, invited by a single-use link, reaching only their own
//! records.

use super::audit::{self, Event, Outcome};
use super::setup::check_name_and_email;
use super::{ServiceError, Services};
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account, AccountStatus, ClientProfile};
use crate::store::invites::InviteKind;

/// What the practice types to create a client.
#[derive(Default, Clone)]
pub struct NewClient {
    pub legal_name: String,
    pub preferred_name: String,
    pub email: String,
    pub phone: String,
    pub date_of_birth: String,
    pub admin_note: String,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewClient { .. }")
    }
}

/// One row of the client list.
#[derive(Clone)]
pub struct ClientSummary {
    pub id: AccountId,
    pub name: String,
    pub status: AccountStatus,
}

/// A client's record as the practice sees it.
#[derive(Clone)]
pub struct ClientDetail {
    pub id: AccountId,
    pub email: String,
    pub status: AccountStatus,
    pub mfa: bool,
    pub profile: ClientProfile,
    pub email_confirmed: bool,
    /// False when the client declined email alerts.
    pub email_alerts: bool,
}

impl ClientDetail {
    /// The practice's view of a client account and its profile.
    pub(super) fn of(account: Account, profile: ClientProfile) -> Self {
        Self {
            id: account.id,
            mfa: account.mfa_enabled(),
            email_confirmed: account.email_confirmed_at.is_some(),
            email_alerts: account.email_alerts,
            email: account.email,
            status: account.status,
            profile,
        }
    }
}

/// What the client's own home shows.
#[derive(Clone)]
pub struct ClientHome {
    pub preferred_name: String,
}

fn display_name(account: &Account, profile: Option<&ClientProfile>) -> String {
    match profile {
        Some(p) if !p.preferred_name.trim().is_empty() => {
            format!("{} ({})", p.legal_name, p.preferred_name)
        }
        Some(p) => p.legal_name.clone(),
        None => account.name.clone(),
    }
}

impl Services {
    pub fn list_clients(&self, actor: &Actor) -> Result<Vec<ClientSummary>, ServiceError> {
        self.authorize(actor, Action::ListClients, Target::Practice)?;
        self.audit_read(actor, Action::ListClients, Target::Practice)?;
        let rows = self.store.read(|tx| {
            let mut out = Vec::new();
            for account in accounts::all(tx)? {
                if account.role == Role::Client {
                    let profile = accounts::profile(tx, account.id)?;
                    out.push(ClientSummary {
                        id: account.id,
                        name: display_name(&account, profile.as_ref()),
                        status: account.status,
                    });
                }
            }
            Ok::<_, crate::store::StoreError>(out)
        })?;
        let mut rows = rows;
        rows.sort_by_key(|r| r.name.to_lowercase());
        Ok(rows)
    }

    pub fn create_client(&self, actor: &Actor, form: NewClient) -> Result<AccountId, ServiceError> {
        self.authorize(actor, Action::CreateClient, Target::Practice)?;
        check_name_and_email(&form.legal_name, &form.email).map_err(|e| match e {
            ServiceError::Invalid {
                field: "name",
                message,
            } => ServiceError::Invalid {
                field: "legal_name",
                message,
            },
            other => other,
        })?;
        for (field, value, max) in [
            ("preferred_name", &form.preferred_name, 200),
            ("phone", &form.phone, 40),
            ("date_of_birth", &form.date_of_birth, 10),
            ("admin_note", &form.admin_note, 2000),
        ] {
            if value.chars().count() > max {
                return Err(ServiceError::invalid(
                    field,
                    format!("Please keep this under {max} characters."),
                ));
            }
        }
        if !form.date_of_birth.is_empty()
            && time::Date::parse(
                &form.date_of_birth,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_err()
        {
            return Err(ServiceError::invalid(
                "date_of_birth",
                "Please enter the date as YYYY-MM-DD, for example 1990-04-27.",
            ));
        }
        let now = self.now();
        let email_index = self.store.blind_index().email(&form.email);
        let account = Account::invited(Role::Client, &form.legal_name, &form.email, now);
        let id = account.id;
        let profile = ClientProfile {
            legal_name: form.legal_name.trim().to_owned(),
            preferred_name: form.preferred_name.trim().to_owned(),
            phone: form.phone.trim().to_owned(),
            date_of_birth: form.date_of_birth.trim().to_owned(),
            admin_note: form.admin_note.trim().to_owned(),
            mfa_required: false,
            legal_hold: false,
            pending_intake: false,
            last_sign_in: None,
        };
        let id = self.store.write(|tx| {
            if accounts::email_taken(tx, &email_index)? {
                return Err(ServiceError::invalid(
                    "email",
                    "Another account already uses this email address.",
                ));
            }
            accounts::put(tx, &account)?;
            accounts::index_email(tx, &email_index, id)?;
            accounts::put_profile(tx, id, &profile)?;
            self.queue_confirmation(tx, actor, &account, now)?;
            audit::record(
                tx,
                now,
                actor,
                Action::CreateClient,
                Target::Client(id),
                Outcome::Ok,
            )?;
            Ok(id)
        })?;
        self.wake_mail();
        Ok(id)
    }

    pub fn client_detail(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<ClientDetail, ServiceError> {
        self.authorize(actor, Action::ViewClient, Target::Client(id))?;
        let found = self.store.read(|tx| {
            let account = accounts::get(tx, id)?;
            let profile = accounts::profile(tx, id)?;
            Ok::<_, crate::store::StoreError>(account.zip(profile))
        })?;
        let Some((account, profile)) = found.filter(|(a, _)| a.role == Role::Client) else {
            return Err(ServiceError::NotFound);
        };
        self.audit_read(actor, Action::ViewClient, Target::Client(id))?;
        Ok(ClientDetail::of(account, profile))
    }

    /// A new single-use invitation link (7 days) for a client; earlier links stop working.
    pub fn invite_client(&self, actor: &Actor, id: AccountId) -> Result<String, ServiceError> {
        self.authorize(actor, Action::InviteClient, Target::Client(id))?;
        let now = self.now();
        // A refusal that is audited comes back inside `Ok`, so that its event is kept.
        self.store.write(|tx| {
            match accounts::get_for_update(tx, id)? {
                Some(a) if a.role != Role::Client => return Err(ServiceError::NotFound),
                // An invitation is only for an account never activated: for an active
                // client it would be a way to take the account over.
                Some(a) if a.status == AccountStatus::Invited && a.password_hash.is_none() => {}
                Some(a) if a.status == AccountStatus::Active => {
                    audit::record(
                        tx,
                        now,
                        actor,
                        Action::InviteClient,
                        Target::Client(id),
                        Outcome::Denied,
                    )?;
                    return Ok(Err(ServiceError::invalid(
                        "invite",
                        "This client already uses the portal, so no invitation can be made. If they forgot their password, the owner can send a password-reset link.",
                    )));
                }
                _ => return Err(ServiceError::NotFound),
            }
            let token = self.issue_invite(tx, actor, id, InviteKind::Join, now)?;
            audit::record(
                tx,
                now,
                actor,
                Action::InviteClient,
                Target::Client(id),
                Outcome::Ok,
            )?;
            Ok(Ok(token))
        })?
    }

    pub fn revoke_client_invites(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<usize, ServiceError> {
        self.authorize(actor, Action::InviteClient, Target::Client(id))?;
        let now = self.now();
        self.store.write(|tx| {
            let revoked = crate::store::invites::revoke_all_for(tx, id)?;
            audit::record(
                tx,
                now,
                actor,
                Event::ClientInviteRevoke,
                Target::Client(id),
                Outcome::Ok,
            )?;
            Ok(revoked)
        })
    }

    /// The signed-in client's own home.
    pub fn client_home(&self, actor: &Actor) -> Result<ClientHome, ServiceError> {
        let id = actor.account_id().ok_or(ServiceError::Forbidden)?;
        self.authorize(actor, Action::ViewOwnHome, Target::Client(id))?;
        let profile = self
            .store
            .read(|tx| accounts::profile(tx, id))?
            .unwrap_or_default();
        self.audit_read(actor, Action::ViewOwnHome, Target::Client(id))?;
        let preferred_name = if profile.preferred_name.is_empty() {
            profile.legal_name.clone()
        } else {
            profile.preferred_name.clone()
        };
        Ok(ClientHome { preferred_name })
    }
}

impl Services {
    /// The owner requires a client to use sign-in codes; their sessions end so the next
    /// sign-in enrolls them.
    pub fn require_client_mfa(&self, actor: &Actor, id: AccountId) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManageAccount, Target::Account(id))?;
        let now = self.now();
        self.store.write(|tx| {
            let Some(mut profile) = accounts::profile_for_update(tx, id)? else {
                return Err(ServiceError::NotFound);
            };
            profile.mfa_required = true;
            accounts::put_profile(tx, id, &profile)?;
            let mfa_on = accounts::get_for_update(tx, id)?.is_some_and(|a| a.mfa_enabled());
            if !mfa_on {
                crate::store::sessions::end_all_for(tx, id, None)?;
            }
            audit::record(
                tx,
                now,
                actor,
                Event::ClientRequireMfa,
                Target::Client(id),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }
}
