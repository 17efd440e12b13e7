//! The client's chart beyond the profile: the form links sent to the client, submissions
//! (with a print-friendly view), communication preferences, and accepting a public intake.
//! The wording is in the frontend's `pages/chart.rs`.

use actix_web::{web, HttpResponse};
use alcove_frontend::chart::{
    self as view, FormLinkRow, PreferencesView, ShownAnswer, SignatureView, SubmissionRow,
    SubmissionView,
};
use alcove_frontend::Section;
use serde::Deserialize;

use super::error::AppError;
use super::kit::{panel, see_other};
use super::render::human_time;
use super::session::{Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::client_chart::ClientChart;
use crate::domain::forms::LinkState;
use crate::domain::Services;
use crate::ids::SubmissionId;
use crate::policy::AccountId;
use crate::store::forms::FieldType;

/// The chart's sections for the client page: the parts `client_chart` gave.
pub fn chart_sections(services: &Services, chart: &ClientChart, csrf: &str) -> Vec<Section> {
    let client = chart.detail.id;
    let mut out = Vec::new();
    if chart.accept_intake {
        out.push(view::intake_section(
            format!("/clients/{client}/accept-intake"),
            csrf,
        ));
    }
    if let Some(appointments) = &chart.appointments {
        out.push(super::appointments::chart_section(
            &services.zone(),
            client,
            appointments,
        ));
    }
    if let Some(part) = &chart.form_links {
        let rows = part
            .links
            .iter()
            .map(|(l, st)| FormLinkRow {
                form: part.form_name(l.form).to_owned(),
                created: human_time(l.created_at),
                expires: human_time(l.expires_at),
                state: st.word().into(),
                withdraw: (*st == LinkState::Open).then(|| format!("/form-links/{}/revoke", l.id)),
            })
            .collect();
        out.push(view::form_links_section(
            format!("/clients/{client}/form-links/new"),
            csrf,
            rows,
        ));
    }
    if let Some(sent) = &chart.submissions {
        out.push(view::submissions_section(
            sent.list
                .iter()
                .map(|sub| SubmissionRow {
                    href: format!("/clients/{client}/submissions/{}", sub.id),
                    form: sub.form_name.clone(),
                    version: sub.version,
                    received: human_time(sub.submitted_at),
                })
                .collect(),
            sent.more,
        ));
        let history = &sent.preferences;
        if let Some(p) = history.entries.last() {
            out.push(view::preferences_section(PreferencesView {
                portal: p.portal,
                email: p.email,
                phone: p.phone,
                given: human_time(p.at),
                form_version: p.form_version,
                changes: history.entries.len(),
            }));
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
    s: SignedIn,
    p: web::Path<SubmissionPath>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let (client, id) = (p.id, p.sub);
    let (sub, version) = ctx.services.submission(&s.actor(), client, id)?;
    let answers = version
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
                _ if given.is_empty() => ShownAnswer::Empty,
                FieldType::Checkbox | FieldType::Consent => ShownAnswer::Checked,
                FieldType::File => ShownAnswer::File {
                    name: given.get(1).cloned().unwrap_or_default(),
                    href: format!(
                        "/clients/{client}/submissions/{}/files/{}",
                        sub.id, given[0]
                    ),
                },
                _ => ShownAnswer::Text(given.join(", ")),
            };
            (f.label.clone(), shown)
        })
        .collect();
    let sections = view::submission_sections(SubmissionView {
        answers,
        received: human_time(sub.submitted_at),
        version: sub.version,
        sha256: sub.sha256.clone(),
        signature: sub.signature.as_ref().map(|sig| SignatureView {
            name: sig.name.clone(),
            at: human_time(sig.at),
            ip: sig.ip.clone(),
        }),
        back_href: format!("/clients/{client}"),
    });
    panel(
        &ctx,
        &s,
        "/clients",
        view::SUBMISSION_TITLE,
        &sub.form_name,
        None,
        sections,
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
