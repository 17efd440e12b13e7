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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Keyring, Sealer};
    use crate::ids::{FormId, FormLinkId, SubmissionId};
    use crate::store::Store;

    #[test]
    fn a_clients_latest_submissions_come_from_their_own_index_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create(&dir.path().join("s.redb"), Sealer::new(Keyring::generate())).unwrap();
        let (casey, dana) = (AccountId::generate(), AccountId::generate());
        let at = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let made = |client, minutes: i64| Submission {
            id: SubmissionId::generate(),
            form: FormId::generate(),
            form_name: format!("Form {minutes}"),
            version: 1,
            client,
            answers: Vec::new(),
            signature: None,
            sha256: String::new(),
            submitted_at: at + time::Duration::minutes(minutes),
            link: FormLinkId::generate(),
        };
        let all: Vec<Submission> = (0..30)
            .map(|m| made(if m % 3 == 0 { dana } else { casey }, m))
            .collect();
        store
            .write(|tx| all.iter().try_for_each(|s| add(tx, s)))
            .unwrap();
        let names = |client, limit| -> Vec<String> {
            store
                .read(|tx| latest(tx, client, limit))
                .unwrap()
                .into_iter()
                .map(|s| s.form_name)
                .collect()
        };
        assert_eq!(names(casey, 3), ["Form 29", "Form 28", "Form 26"]);
        assert_eq!(names(dana, 100).len(), 10);
        assert!(names(dana, 100).iter().all(|n| {
            let m: i64 = n.trim_start_matches("Form ").parse().unwrap();
            m % 3 == 0
        }));
        // Removing one removes its row in the client's index.
        store.write(|tx| remove(tx, &all[29])).unwrap();
        assert_eq!(names(casey, 1), ["Form 28"]);
    }
}
