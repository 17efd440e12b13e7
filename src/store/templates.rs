//! Reusable message texts kept by the practice.

use serde::{Deserialize, Serialize};

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::TemplateId;

#[derive(Clone, Serialize, Deserialize)]
pub struct Template {
    pub id: TemplateId,
    pub name: String,
    pub body: String,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Template { .. }")
    }
}

impl Record for Template {
    const TABLE: Table = tables::TEMPLATES;
}

/// The templates every practice starts with.
pub const DEFAULTS: &[(&str, &str)] = &[
    (
        "Appointment reminder",
        "Hello {client_first_name},\n\nThis is a reminder of your appointment on {appointment_time}. If you need to reschedule, please reply here.\n\n{practice_name}",
    ),
    (
        "Cancellation confirmation",
        "Hello {client_first_name},\n\nYour appointment on {appointment_time} is cancelled. Reply here when you would like to book a new time.\n\n{practice_name}",
    ),
    (
        "Intake instructions",
        "Hello {client_first_name},\n\nWelcome. Before our first session, please fill in the intake form I will send you here in the portal. It takes about 15 minutes, and your answers are stored securely.\n\n{practice_name}",
    ),
    (
        "Please use the portal, not email",
        "Hello {client_first_name},\n\nFor your privacy, please send anything about your care here in the secure portal rather than by email or text. Email is not a safe place for health information.\n\n{practice_name}",
    ),
];

pub fn all(tx: &ReadTx<'_>) -> Result<Vec<Template>> {
    Ok(tx.all::<Template>()?.into_iter().map(|(_, t)| t).collect())
}

pub fn get(tx: &ReadTx<'_>, id: TemplateId) -> Result<Option<Template>> {
    tx.get(&id.0)
}

pub fn put(tx: &WriteTx<'_>, template: &Template) -> Result<()> {
    tx.put(&template.id.0, template)
}

pub fn remove(tx: &WriteTx<'_>, id: TemplateId) -> Result<bool> {
    tx.remove::<Template>(&id.0)
}

/// Stores the default templates (a migration).
pub fn seed(tx: &WriteTx<'_>) -> Result<()> {
    for (name, body) in DEFAULTS {
        put(
            tx,
            &Template {
                id: TemplateId::generate(),
                name: (*name).to_owned(),
                body: (*body).to_owned(),
            },
        )?;
    }
    Ok(())
}
