//! Sealed form submissions, with the signature the server recorded.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::by_client::{self, Kind};
use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::{AccountId, FormId, FormLinkId, SubmissionId};

#[derive(Clone, Serialize, Deserialize)]
pub struct Signature {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub ip: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Submission {
    pub id: SubmissionId,
    pub form: FormId,
    pub form_name: String,
    pub version: u32,
    pub client: AccountId,
    /// Field key -> values (one for most fields, several for multiple choice).
    pub answers: Vec<(String, Vec<String>)>,
    pub signature: Option<Signature>,
    /// SHA-256 of the canonical JSON of form, version and answers.
    pub sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub link: FormLinkId,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("id", &self.id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Record for Submission {
    const TABLE: Table = tables::SUBMISSIONS;
}

fn sort(s: &Submission) -> [u8; 8] {
    by_client::newest_first(s.submitted_at)
}

/// Stores a new submission and notes it under its client.
pub fn add(tx: &WriteTx<'_>, s: &Submission) -> Result<()> {
    tx.put(&s.id.0, s)?;
    note(tx, s)
}

/// Notes a stored submission under its client.
pub(super) fn note(tx: &WriteTx<'_>, s: &Submission) -> Result<()> {
    by_client::note(tx, s.client, Kind::Submission, sort(s), &s.id.0)
}

/// Removes a submission with its note under the client.
pub fn remove(tx: &WriteTx<'_>, s: &Submission) -> Result<()> {
    tx.remove::<Submission>(&s.id.0)?;
    by_client::forget(tx, s.client, Kind::Submission, sort(s), &s.id.0)
}

/// A client's latest `limit` submissions, newest first, from the client's own index.
pub fn latest(tx: &ReadTx<'_>, client: AccountId, limit: usize) -> Result<Vec<Submission>> {
    let mut out = Vec::new();
    for key in by_client::keys(tx, client, Kind::Submission, None, limit)? {
        if let Some(s) = tx.get::<Submission>(&key)? {
            out.push(s);
        }
    }
    Ok(out)
}
