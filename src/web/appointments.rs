//! Appointments: the form to add one (`/clients/{id}/appointments`), and the rows the
//! client page and the client's home show. The wording is in the frontend's
//! `pages/appointments.rs`; the checks in `domain/appointments.rs`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use alcove_frontend::appointments::{self as view, AppointmentDraft, AppointmentRow};
use alcove_frontend::Section;

use super::error::AppError;
use super::kit::{see_other, signed_in_form, FormText};
use super::session::{csrf_form, Checked, Ctx, SignedIn};
use crate::clock::Zone;
use crate::domain::appointments::NewAppointment;
use crate::domain::ServiceError;
use crate::policy::{AccountId, Action, Target};
use crate::store::appointments::{Appointment, Setting};

csrf_form!(AppointmentForm {
    date: String,
    time: String,
    minutes: String,
    setting: String,
    note: String
});

impl AppointmentForm {
    fn draft(&self) -> AppointmentDraft<'_> {
        AppointmentDraft {
            date: &self.date,
            time: &self.time,
            minutes: &self.minutes,
            setting: &self.setting,
            note: &self.note,
        }
    }
}

/// The rows shown for `appointments`, their times in the practice's zone.
pub fn rows(zone: &Zone, appointments: &[Appointment]) -> Vec<AppointmentRow> {
    appointments
        .iter()
        .map(|a| AppointmentRow {
            when: zone.human(a.starts_at),
            minutes: a.minutes,
            telehealth: a.setting == Setting::Telehealth,
            note: a.note.clone(),
        })
        .collect()
}

/// The client page's appointments section.
pub fn chart_section(zone: &Zone, client: AccountId, appointments: &[Appointment]) -> Section {
    view::chart_section(
        &format!("/clients/{client}/appointments/new"),
        rows(zone, appointments),
    )
}

fn appointment_page(
    ctx: &Ctx,
    s: &SignedIn,
    client: AccountId,
    draft: &AppointmentDraft<'_>,
    status: StatusCode,
    e: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let text = FormText {
        current: "/clients",
        title: view::FORM_TITLE,
        heading: view::FORM_HEADING,
        action: &format!("/clients/{client}/appointments"),
        submit: view::FORM_SUBMIT,
        intro: Vec::new(),
    };
    signed_in_form(ctx, s, text, view::form_fields(draft), e, status)
}

/// `GET /clients/{id}/appointments/new`.
pub async fn new_appointment(
    s: SignedIn,
    id: web::Path<AccountId>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let client = id.into_inner();
    s.require(
        &ctx.services,
        Action::ManageAppointments,
        Target::Client(client),
    )?;
    appointment_page(
        &ctx,
        &s,
        client,
        &AppointmentDraft::NEW,
        StatusCode::OK,
        None,
    )
}

/// `POST /clients/{id}/appointments`.
pub async fn add_appointment(
    s: SignedIn,
    id: web::Path<AccountId>,
    f: Checked<AppointmentForm>,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let client = id.into_inner();
    let form = NewAppointment {
        date: &f.0.date,
        time: &f.0.time,
        minutes: &f.0.minutes,
        setting: &f.0.setting,
        note: &f.0.note,
    };
    match ctx.services.add_appointment(&s.actor(), client, form) {
        Ok(_) => Ok(see_other(&format!("/clients/{client}"), &[])),
        Err(e) if e.keeps_draft() => appointment_page(
            &ctx,
            &s,
            client,
            &f.0.draft(),
            StatusCode::BAD_REQUEST,
            Some(e),
        ),
        Err(e) => Err(e.into()),
    }
}
