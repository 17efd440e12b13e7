//! Appointments the practice entered for a client.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::by_client::{self, Kind};
use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
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

fn sort(a: &Appointment) -> [u8; 8] {
    by_client::oldest_first(a.starts_at)
}

/// Stores a new appointment and notes it under its client.
pub fn add(tx: &WriteTx<'_>, a: &Appointment) -> Result<()> {
    tx.put(&a.id.0, a)?;
    note(tx, a)
}

/// Notes a stored appointment under its client.
pub(super) fn note(tx: &WriteTx<'_>, a: &Appointment) -> Result<()> {
    by_client::note(tx, a.client, Kind::Appointment, sort(a), &a.id.0)
}

/// Removes an appointment with its note under the client.
pub fn remove(tx: &WriteTx<'_>, a: &Appointment) -> Result<()> {
    tx.remove::<Appointment>(&a.id.0)?;
    by_client::forget(tx, a.client, Kind::Appointment, sort(a), &a.id.0)
}

/// The longest appointment (minutes); the domain refuses longer ones.
pub const LONGEST_MINUTES: i64 = 480;

/// A client's appointments that have not ended at `now`, soonest first, at most `limit`:
/// read from the client's own index from the start of the longest appointment that could
/// still be running, skipping at most `limit` that ended since then.
pub fn upcoming(
    tx: &ReadTx<'_>,
    client: AccountId,
    now: OffsetDateTime,
    limit: usize,
) -> Result<Vec<Appointment>> {
    let from = by_client::oldest_first(now - time::Duration::minutes(LONGEST_MINUTES));
    let mut out = Vec::new();
    for key in by_client::keys(tx, client, Kind::Appointment, Some(from), 2 * limit)? {
        if let Some(a) = tx.get::<Appointment>(&key)? {
            if a.starts_at + time::Duration::minutes(a.minutes.into()) > now {
                out.push(a);
                if out.len() == limit {
                    break;
                }
            }
        }
    }
    Ok(out)
}
