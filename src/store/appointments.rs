//! Appointments the practice entered for a client.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::record::Record;
use super::tables::{self, Table};
use crate::ids::{AccountId, AppointmentId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    InPerson,
    Telehealth,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Appointment {
    pub id: AppointmentId,
    pub client: AccountId,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    pub minutes: u32,
    pub setting: Setting,
    /// A location or a video link note.
    pub note: String,
    #[serde(default)]
    pub reminded: bool,
}

impl std::fmt::Debug for Appointment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appointment")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Record for Appointment {
    const TABLE: Table = tables::APPOINTMENTS;
}
