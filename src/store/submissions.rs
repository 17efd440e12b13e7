//! Sealed form submissions, with the signature the server recorded.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::record::Record;
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
