//! The client's chart beyond the profile: the form links sent to the client, submissions
//! (with a print-friendly view), communication preferences, and accepting a public intake.

use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, Cell, Section, TableSpec};
use serde::Deserialize;

use super::error::AppError;
use super::kit::{link, panel, see_other};
use super::render::human_time;
use super::session::{Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::client_chart::ClientChart;
use crate::domain::Services;
use crate::ids::SubmissionId;
use crate::policy::AccountId;
use crate::store::forms::FieldType;

/// The chart's sections for the client page: the parts `client_chart` gave.
pub fn chart_sections(services: &Services, chart: &ClientChart, csrf: &str) -> Vec<Section> {
    let client = chart.detail.id;
    let csrf = csrf.to_owned();
    let mut out = Vec::new();
    if chart.accept_intake {
        out.push(Section {
            heading: Some("New intake".into()),
            paragraphs: vec!["This record was created by a public intake form. Check the answers below, then accept it to treat it as a client (you can then invite them to the portal).".into()],
            actions: vec![ActionSpec::Post { action: format!("/clients/{client}/accept-intake"), csrf: csrf.clone(), label: "Accept this intake".into(), primary: true }],
            ..Section::default()
        });
    }
    if let Some(appointments) = &chart.appointments {
        out.push(super::appointments::chart_section(
            &services.zone(),
            client,
            appointments,
        ));
    }
    if let Some(part) = &chart.form_links {
        let rows: Vec<Vec<Cell>> = part
            .links
            .iter()
            .map(|(l, st)| {
                vec![
                    Cell::Text(part.form_name(l.form).to_owned()),
                    Cell::Text(human_time(l.created_at)),
                    Cell::Text(human_time(l.expires_at)),
                    Cell::Text(st.word().into()),
                ]
            })
            .collect();
        let mut actions = vec![link(
            &format!("/clients/{client}/form-links/new"),
            "Send a form",
            false,
        )];
        for (l, st) in &part.links {
            if st.word() == "open" {
                actions.push(ActionSpec::Post {
                    action: format!("/form-links/{}/revoke", l.id),
                    csrf: csrf.clone(),
                    label: format!(
                        "Withdraw “{}” of {}",
                        part.form_name(l.form),
                        human_time(l.created_at)
                    ),
                    primary: false,
                });
            }
        }
        out.push(Section {
            heading: Some("Form links".into()),
            table: (!rows.is_empty()).then(|| TableSpec {
                caption: "Links sent to this client".into(),
                headers: vec![
                    "Form".into(),
                    "Created".into(),
                    "Expires".into(),
                    "State".into(),
                ],
                rows,
            }),
            actions,
            ..Section::default()
        });
    }
    if let Some(sent) = &chart.submissions {
        let rows: Vec<Vec<Cell>> = sent
            .list
            .iter()
            .map(|sub| {
                vec![
                    Cell::Link {
                        href: format!("/clients/{client}/submissions/{}", sub.id),
                        label: sub.form_name.clone(),
                    },
                    Cell::Text(format!("version {}", sub.version)),
                    Cell::Text(human_time(sub.submitted_at)),
                ]
            })
            .collect();
        out.push(Section {
            heading: Some("Forms received".into()),
            paragraphs: if rows.is_empty() {
                vec!["None yet.".into()]
            } else {
                vec![]
            },
            table: (!rows.is_empty()).then(|| TableSpec {
                caption: "Submissions".into(),
                headers: vec!["Form".into(), "Version".into(), "Received".into()],
                rows,
            }),
            ..Section::default()
        });
        let history = &sent.preferences;
        if let Some(p) = history.entries.last() {
            let yes = |b: bool| if b { "yes" } else { "no" };
            out.push(Section {
                heading: Some("Communication preferences".into()),
                facts: vec![
                    ("Portal messages".into(), yes(p.portal).into()),
                    ("Email notifications".into(), yes(p.email).into()),
                    ("Phone and voicemail".into(), yes(p.phone).into()),
                    (
                        "Given".into(),
                        format!(
                            "{} (consent form version {})",
                            human_time(p.at),
                            p.form_version
                        ),
                    ),
                    (
                        "Changes on record".into(),
                        history.entries.len().to_string(),
                    ),
                ],
                ..Section::default()
            });
        }
    }
    out
}

#[derive(Deserialize)]
pub struct SubmissionPath {
    id: AccountId,
    sub: SubmissionId,
}

/// `GET /clients/{id}/submissions/{sub}`: one submission, print-friendly.
pub async fn submission(
    req: HttpRequest,
    s: SignedIn,
    p: web::Path<SubmissionPath>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let (client, id) = (p.id, p.sub);
    let (sub, version) = services.submission(&s.actor(), client, id)?;
    let mut files = Vec::new();
    let facts = version
        .fields
        .iter()
        .map(|f| {
            let given: Vec<String> = sub
                .answers
                .iter()
                .find(|(k, _)| k == &f.key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let shown = match f.kind {
                _ if given.is_empty() => "—".to_owned(),
                FieldType::Checkbox | FieldType::Consent => "Checked".to_owned(),
                FieldType::File => {
                    let name = given.get(1).cloned().unwrap_or_default();
                    files.push(link(
                        &format!(
                            "/clients/{client}/submissions/{}/files/{}",
                            sub.id, given[0]
                        ),
                        &format!("Download {name}"),
                        false,
                    ));
                    name
                }
                _ => given.join(", "),
            };
            (f.label.clone(), shown)
        })
        .collect();
    let mut record = vec![
        format!(
            "Received {} · form version {}",
            human_time(sub.submitted_at),
            sub.version
        ),
        format!("Content fingerprint (SHA-256): {}", sub.sha256),
    ];
    if let Some(sig) = &sub.signature {
        record.push(format!(
            "Signed by typing “{}” at {} from {}",
            sig.name,
            human_time(sig.at),
            if sig.ip.is_empty() {
                "an unknown address"
            } else {
                &sig.ip
            }
        ));
    }
    panel(
        &Ctx::of(&req)?,
        &s,
        "/clients",
        "Submission",
        &sub.form_name,
        None,
        vec![
            Section {
                facts,
                actions: files,
                ..Section::default()
            },
            Section {
                paragraphs: record,
                actions: vec![link(
                    &format!("/clients/{client}"),
                    "Back to the client",
                    false,
                )],
                ..Section::default()
            },
        ],
    )
}

/// `POST /clients/{id}/accept-intake`.
pub async fn accept_intake(
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let client = id.into_inner();
    services.client_detail(&s.actor(), client)?;
    services.accept_intake(&s.actor(), client)?;
    Ok(see_other(&format!("/clients/{client}"), &[]))
}
