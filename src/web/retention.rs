//! Retention pages (owner): the review list of records falling due within 30 days, the
//! purge's clock refusal with the owner's confirmation, and a legal hold on a client's page.

use actix_web::{web, HttpResponse};
use alcove_frontend::{ActionSpec, Cell, Section, TableSpec};

use super::error::AppError;
use super::kit::{panel, see_other};
use super::render::human_time;
use super::session::{Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::clients::ClientDetail;
use crate::domain::retention::PURGE_GRACE_DAYS;
use crate::ids::AccountId;
use crate::policy::{Action, Target};

/// `GET /retention`.
pub async fn review(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let Ctx {
        state,
        services,
        csrf,
        ..
    } = &ctx;
    let policy = &state.config.retention;
    let review = services.retention_review(&s.actor(), policy)?;
    let now = review.now;
    let rows: Vec<Vec<Cell>> = review
        .due
        .into_iter()
        .map(|d| {
            let what = if d.held {
                "Legal hold: kept".to_owned()
            } else if d.birth_unknown {
                "Kept: enter the date of birth on the client's page, then it follows its rule"
                    .to_owned()
            } else {
                format!("Will be purged from {}", human_time(d.purge_from))
            };
            vec![
                Cell::Link {
                    href: format!("/clients/{}", d.client),
                    label: d.name,
                },
                Cell::Text(human_time(d.last_contact)),
                Cell::Text(format!(
                    "{}{}",
                    human_time(d.due),
                    if d.due <= now { " (due now)" } else { "" }
                )),
                Cell::Text(d.rule),
                Cell::Text(what),
            ]
        })
        .collect();
    let empty = rows.is_empty();
    let mut sections = Vec::new();
    if let Some(refusal) = review.refused {
        sections.push(Section {
            heading: Some("The purge did not run: check the clock".into()),
            paragraphs: vec![
                format!(
                    "{}: {}.",
                    refusal.at.map(human_time).unwrap_or_default(),
                    refusal.reason
                ),
                format!(
                    "The server's clock says it is now {}. Confirm only if that is today's date and time; the purge then runs at its next time.",
                    human_time(now)
                ),
            ],
            actions: vec![ActionSpec::Post {
                action: "/retention/clock".into(),
                csrf: csrf.clone(),
                label: "The clock is right: let the purge run".into(),
                primary: false,
            }],
            ..Section::default()
        });
    }
    sections.push(Section {
        paragraphs: vec![
            format!(
                "Adults' records are kept {} years after their last contact (a message, a form, an appointment that took place, or a sign-in); a client who was younger than {} at last contact is kept until that age plus {} years. A client with an appointment still to come is not due. Audit events are kept {} years.",
                policy.adult_years, policy.age_of_majority, policy.adult_years, policy.audit_years
            ),
            format!(
                "Clients below fall due within 30 days. {} days after the due date the nightly purge removes every message, file and detail of the client for good, and records only a note of the removal in the audit log. A client without a date of birth is never purged by itself: enter it on the client's page. To keep a client's records (a legal hold), open the client and choose “Place a legal hold”.",
                PURGE_GRACE_DAYS
            ),
            if empty { "Nothing falls due in the next 30 days.".into() } else { String::new() },
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect(),
        table: (!empty).then(|| TableSpec {
            caption: "Due within 30 days".into(),
            headers: vec![
                "Client".into(),
                "Last contact".into(),
                "Due".into(),
                "Rule".into(),
                "What happens".into(),
            ],
            rows,
        }),
        ..Section::default()
    });
    panel(
        &ctx,
        &s,
        "/retention",
        "Retention",
        "Records due for removal",
        None,
        sections,
    )
}

/// `POST /retention/clock`: the owner confirms the server's clock after a refused purge.
pub async fn confirm_clock(
    s: SignedIn,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    services.confirm_purge_clock(&s.actor())?;
    Ok(see_other("/retention", &[]))
}

/// The client page's legal-hold section, for the owner.
pub fn hold_section(detail: &ClientDetail, csrf: &str) -> Section {
    let csrf = csrf.to_owned();
    let held = detail.profile.legal_hold;
    Section {
        heading: Some("Retention".into()),
        paragraphs: vec![if held {
            "Legal hold: these records are kept whatever their retention date.".into()
        } else {
            "No legal hold: the records are removed when their retention period ends.".into()
        }],
        actions: vec![ActionSpec::Post {
            action: format!("/clients/{}/legal-hold", detail.id),
            csrf,
            label: if held {
                "Release the legal hold"
            } else {
                "Place a legal hold"
            }
            .into(),
            primary: false,
        }],
        ..Section::default()
    }
}

/// `POST /clients/{id}/legal-hold`: places or releases it.
pub async fn toggle_hold(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = s.actor();
    services.authorize(&actor, Action::ManageRetention, Target::Client(id))?;
    let detail = services.client_detail(&actor, id)?;
    services.set_legal_hold(&actor, id, !detail.profile.legal_hold)?;
    Ok(see_other(&format!("/clients/{id}"), &[]))
}
