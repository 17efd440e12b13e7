//! The client page as the practice sees it: one call, one read transaction, one audit
//! event. Each optional part is `Some` only where the policy lets the actor see it, so the
//! web layer renders what it gets and decides nothing.

use super::audit::{self, AuditTarget, Outcome};
use super::clients::ClientDetail;
use super::forms::{state_of, LinkState};
use super::{ServiceError, Services};
use crate::ids::{AccountId, FormId};
use crate::policy::{self, Action, Actor, Decision, Role, Target};
use crate::store::accounts::{self, AccountStatus};
use crate::store::appointments::{self, Appointment};
use crate::store::forms::{self, FormDef, FormLink};
use crate::store::preferences::PreferenceHistory;
use crate::store::submissions::{self, Submission};
use crate::store::templates::{self, Template};

/// Everything the client page shows, for one actor.
pub struct ClientChart {
    pub detail: ClientDetail,
    /// Templates to start a message from, for those who may write to the client.
    pub messages: Option<Vec<Template>>,
    /// Switching access off, requiring codes, a reset link: for those who manage accounts.
    pub access: Option<AccessPart>,
    /// Email alerts: for those who record the client's choice.
    pub alerts: bool,
    /// Accepting a public intake: for those who may create clients.
    pub accept_intake: bool,
    pub appointments: Option<Vec<Appointment>>,
    pub form_links: Option<FormLinksPart>,
    pub submissions: Option<SubmissionsPart>,
    /// The legal hold: for those who manage retention.
    pub legal_hold: bool,
}

/// What the access section may offer.
pub struct AccessPart {
    /// A password-reset link (an active account, and the actor may issue one).
    pub reset_password: bool,
}

/// The client's form links, newest first, with the names of the forms they are for.
pub struct FormLinksPart {
    pub links: Vec<(FormLink, LinkState)>,
    pub form_names: Vec<(FormId, String)>,
}

impl FormLinksPart {
    pub fn form_name(&self, id: FormId) -> &str {
        self.form_names
            .iter()
            .find(|(f, _)| *f == id)
            .map_or("", |(_, n)| n.as_str())
    }
}

/// What the client sent: submissions newest first, and their communication preferences.
pub struct SubmissionsPart {
    pub list: Vec<Submission>,
    /// More submissions exist than the list holds.
    pub more: bool,
    pub preferences: PreferenceHistory,
}

/// Rows a chart section shows: the soonest appointments, the newest links and submissions
/// (each read from the client's own index).
pub const SECTION_ROWS: usize = 50;

/// Submissions the chart lists: the record a clinician reads, so many more than a
/// section's usual page (each row is a form's name and a date).
pub const SUBMISSION_ROWS: usize = 500;

impl Services {
    /// The client page for `actor`: the record, and each part the policy allows.
    pub fn client_chart(&self, actor: &Actor, id: AccountId) -> Result<ClientChart, ServiceError> {
        self.authorize(actor, Action::ViewClient, Target::Client(id))?;
        let may = |action: Action, target: Target| {
            policy::decide(actor, action, target) == Decision::Allow
        };
        let client = Target::Client(id);
        let write = may(Action::WriteMessage, client);
        let appointments = may(Action::ManageAppointments, client);
        let links = may(Action::SendFormLink, client);
        let clinical = may(Action::ReadSubmissions, client);
        let now = self.now();
        let read = self.store.read(|tx| {
            let (Some(account), Some(profile)) =
                (accounts::get(tx, id)?, accounts::profile(tx, id)?)
            else {
                return Ok(None);
            };
            let templates = if write {
                Some(templates::all(tx)?)
            } else {
                None
            };
            let upcoming = if appointments {
                Some(appointments::upcoming(tx, id, now, SECTION_ROWS)?)
            } else {
                None
            };
            let form_links = if links {
                let links: Vec<FormLink> = forms::client_links(tx, id, SECTION_ROWS)?
                    .into_iter()
                    .map(|(_, l)| l)
                    .collect();
                let forms = tx.all::<FormDef>()?;
                Some((links, forms))
            } else {
                None
            };
            let sent = if clinical {
                let list = submissions::latest(tx, id, SUBMISSION_ROWS + 1)?;
                let preferences = tx.get::<PreferenceHistory>(&id.0)?.unwrap_or_default();
                Some((list, preferences))
            } else {
                None
            };
            Ok::<_, crate::store::StoreError>(Some((
                account, profile, templates, upcoming, form_links, sent,
            )))
        })?;
        let Some((account, profile, templates, upcoming, form_links, sent)) = read else {
            return Err(ServiceError::NotFound);
        };
        if account.role != Role::Client {
            return Err(ServiceError::NotFound);
        }

        let mut shown = vec!["profile"];
        let mut parts = |name: &'static str, on: bool| {
            if on {
                shown.push(name);
            }
        };
        parts("appointments", upcoming.is_some());
        parts("form-links", form_links.is_some());
        parts("submissions", sent.is_some());
        parts("preferences", sent.is_some());
        audit::record_now(
            &self.store,
            now,
            actor,
            Action::ViewClient,
            AuditTarget::from(client).field("shown", shown.join(",")),
            Outcome::Ok,
        )?;

        let active = account.status == AccountStatus::Active;
        let detail = ClientDetail::of(account, profile);
        let mut templates = templates;
        if let Some(t) = templates.as_mut() {
            t.sort_by_key(|t| t.name.to_lowercase());
        }
        let mut upcoming = upcoming;
        if let Some(a) = upcoming.as_mut() {
            a.sort_by_key(|a| a.starts_at);
        }
        Ok(ClientChart {
            messages: templates,
            access: may(Action::ManageAccount, Target::Account(id)).then(|| AccessPart {
                reset_password: active && may(Action::ResetPassword, Target::Account(id)),
            }),
            alerts: may(Action::SetClientAlerts, client),
            accept_intake: detail.profile.pending_intake
                && may(Action::CreateClient, Target::Practice),
            appointments: upcoming,
            form_links: form_links.map(|(links, forms)| {
                let mut links: Vec<(FormLink, LinkState)> = links
                    .into_iter()
                    .map(|l| {
                        let s = state_of(&l, now);
                        (l, s)
                    })
                    .collect();
                links.sort_by_key(|(l, _)| std::cmp::Reverse(l.created_at));
                FormLinksPart {
                    links,
                    form_names: forms.into_iter().map(|(_, f)| (f.id, f.name)).collect(),
                }
            }),
            submissions: sent.map(|(mut list, preferences)| {
                list.sort_by_key(|s| std::cmp::Reverse(s.submitted_at));
                let more = list.len() > SUBMISSION_ROWS;
                list.truncate(SUBMISSION_ROWS);
                SubmissionsPart {
                    list,
                    more,
                    preferences,
                }
            }),
            legal_hold: may(Action::ManageRetention, client),
            detail,
        })
    }
}
