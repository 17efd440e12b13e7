//! Retention pages (owner): the review list of records falling due within 30 days, and a
//! legal hold on a client's page.

use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, Cell, Section, TableSpec};

use super::error::AppError;
use super::forms::{see_other, TokenOnly};
use super::practice_pages::{panel, parse_id};
use super::render::human_time;
use super::session::{form_token, services, Checked, SignedIn};
use crate::domain::clients::ClientDetail;
use crate::domain::Services;
use crate::policy::{self, Action, Decision, Target};

/// `GET /retention`.
pub async fn review(req: HttpRequest, s: SignedIn) -> Result<HttpResponse, AppError> {
    let (state, services) = services(&req)?;
    let policy = &state.config.retention;
    let due = services.retention_review(&s.actor(), policy)?;
    let now = services.now();
    let rows: Vec<Vec<Cell>> = due
        .into_iter()
        .map(|d| {
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
                Cell::Text(if d.held {
                    "Legal hold: kept".into()
                } else {
                    "Will be purged".into()
                }),
            ]
        })
        .collect();
    let empty = rows.is_empty();
    panel(
        &req,
        &s,
        "/retention",
        "Retention",
        "Records due for removal",
        None,
        vec![Section {
            paragraphs: vec![
                format!(
                    "Adults' records are kept {} years after their last contact; a client who was younger than {} at last contact is kept until that age plus {} years. Audit events are kept {} years.",
                    policy.adult_years, policy.age_of_majority, policy.adult_years, policy.audit_years
                ),
                "Clients below fall due within 30 days. On the due date the nightly purge removes every message, file and detail of the client for good, and records only a note of the removal in the audit log. To keep a client's records (a legal hold), open the client and choose “Place a legal hold”.".into(),
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
        }],
    )
}

/// The client page's legal-hold section, for the owner.
pub fn hold_section(
    services: &Services,
    s: &SignedIn,
    detail: &ClientDetail,
    req: &HttpRequest,
) -> Option<Section> {
    let target = Target::Client(detail.id);
    if policy::decide(&s.actor(), Action::ManageRetention, target) != Decision::Allow {
        return None;
    }
    let (csrf, _) = form_token(req, services);
    let held = detail.profile.legal_hold;
    Some(Section {
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
    })
}

/// `POST /clients/{id}/legal-hold`: places or releases it.
pub async fn toggle_hold(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<String>,
    _f: Checked<TokenOnly>,
) -> Result<HttpResponse, AppError> {
    let (_, services) = services(&req)?;
    let id = parse_id(&id)?;
    let actor = s.actor();
    services.authorize(&actor, Action::ManageRetention, Target::Client(id))?;
    let detail = services.client_detail(&actor, id)?;
    services.set_legal_hold(&actor, id, !detail.profile.legal_hold)?;
    Ok(see_other(&format!("/clients/{id}"), &[]))
}
