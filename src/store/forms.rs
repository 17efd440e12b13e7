//! Forms: versioned definitions (three built in, from `assets/forms/`) and secure form
//! links. Submissions, appointments and preferences have their own modules.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::by_client::Kind;
use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::{AccountId, FormId, FormLinkId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    ShortText,
    LongText,
    Email,
    Phone,
    Date,
    SingleChoice,
    MultipleChoice,
    Checkbox,
    /// A statement that must be checked.
    Consent,
    /// A typed full name; the server records time and IP.
    Signature,
    /// One file, with the same rules as message attachments.
    File,
}

impl FieldType {
    pub const ALL: [FieldType; 11] = [
        FieldType::ShortText,
        FieldType::LongText,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Date,
        FieldType::SingleChoice,
        FieldType::MultipleChoice,
        FieldType::Checkbox,
        FieldType::Consent,
        FieldType::Signature,
        FieldType::File,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FieldType::ShortText => "short_text",
            FieldType::LongText => "long_text",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Date => "date",
            FieldType::SingleChoice => "single_choice",
            FieldType::MultipleChoice => "multiple_choice",
            FieldType::Checkbox => "checkbox",
            FieldType::Consent => "consent",
            FieldType::Signature => "signature",
            FieldType::File => "file",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldType::ShortText => "Short text",
            FieldType::LongText => "Long text",
            FieldType::Email => "Email address",
            FieldType::Phone => "Phone number",
            FieldType::Date => "Date",
            FieldType::SingleChoice => "Single choice",
            FieldType::MultipleChoice => "Multiple choice",
            FieldType::Checkbox => "Checkbox",
            FieldType::Consent => "Consent statement (must be checked)",
            FieldType::Signature => "Typed signature",
            FieldType::File => "File upload (PDF, image, Word or text, one file)",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn has_options(self) -> bool {
        matches!(self, FieldType::SingleChoice | FieldType::MultipleChoice)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FieldDef {
    /// Stable within a form: answers are stored under it.
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormVersion {
    pub version: u32,
    pub intro: String,
    pub fields: Vec<FieldDef>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormDef {
    pub id: FormId,
    pub name: String,
    /// `consent`, `intake`, `release` for the built-in forms.
    pub builtin: Option<String>,
    /// Oldest first; the last is current. Never empty: a stored definition without a
    /// version is refused as unreadable rather than read into a form that has none.
    #[serde(deserialize_with = "at_least_one")]
    pub versions: Vec<FormVersion>,
    /// Whether the current version has submissions (editing it then makes a new one).
    #[serde(default)]
    pub current_used: bool,
}

fn at_least_one<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<FormVersion>, D::Error> {
    let versions = Vec::<FormVersion>::deserialize(d)?;
    if versions.is_empty() {
        return Err(serde::de::Error::custom("a form has at least one version"));
    }
    Ok(versions)
}

impl FormDef {
    pub fn current(&self) -> &FormVersion {
        // A form always has at least one version.
        &self.versions[self.versions.len() - 1]
    }

    pub fn version(&self, n: u32) -> Option<&FormVersion> {
        self.versions.iter().find(|v| v.version == n)
    }
}

impl Record for FormDef {
    const TABLE: Table = tables::FORMS;
}

/// A secure form link. Stored under the blind index of its token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FormLink {
    /// A non-secret id, for the practice's list and the revoke button.
    pub id: FormLinkId,
    pub form: FormId,
    /// The client it is for; `None` is a public intake link.
    pub client: Option<AccountId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub single_use: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub used_at: Option<OffsetDateTime>,
    pub uses: u32,
    pub revoked: bool,
}

impl Record for FormLink {
    const TABLE: Table = tables::FORM_LINKS;
}

fn link_sort(link: &FormLink) -> [u8; 8] {
    super::by_client::newest_first(link.created_at)
}

/// Stores a new form link under `key` (the blind index of its token) and, for a client's
/// link, notes it under the client.
pub fn add_link(tx: &WriteTx<'_>, key: &[u8], link: &FormLink) -> Result<()> {
    tx.put(key, link)?;
    note_link(tx, key, link)
}

/// Notes a stored client's link under the client (a public link has none).
pub(super) fn note_link(tx: &WriteTx<'_>, key: &[u8], link: &FormLink) -> Result<()> {
    match link.client {
        Some(c) => super::by_client::note(tx, c, Kind::FormLink, link_sort(link), key),
        None => Ok(()),
    }
}

/// Removes a form link with its note under the client.
pub fn remove_link(tx: &WriteTx<'_>, key: &[u8], link: &FormLink) -> Result<()> {
    tx.remove::<FormLink>(key)?;
    match link.client {
        Some(c) => super::by_client::forget(tx, c, Kind::FormLink, link_sort(link), key),
        None => Ok(()),
    }
}

/// A client's latest `limit` form links with their keys, newest first, from the client's
/// own index.
pub fn client_links(
    tx: &ReadTx<'_>,
    client: AccountId,
    limit: usize,
) -> Result<Vec<(Vec<u8>, FormLink)>> {
    let mut out = Vec::new();
    for key in super::by_client::keys(tx, client, Kind::FormLink, None, limit)? {
        if let Some(link) = tx.get::<FormLink>(&key)? {
            out.push((key, link));
        }
    }
    Ok(out)
}

/// Revokes every form link that could still be filled at `now` (after a restore, so a link
/// withdrawn after the backup cannot work again); returns how many.
pub fn revoke_all_open(tx: &WriteTx<'_>, now: OffsetDateTime) -> Result<usize> {
    let mut revoked = 0;
    for (key, mut link) in tx.all::<FormLink>()? {
        let used_up = link.single_use && link.used_at.is_some();
        if !link.revoked && !used_up && link.expires_at > now {
            link.revoked = true;
            tx.put(&key, &link)?;
            revoked += 1;
        }
    }
    Ok(revoked)
}

/// The built-in forms as shipped in `assets/forms/`.
#[derive(Deserialize)]
struct Builtin {
    slug: String,
    name: String,
    intro: String,
    fields: Vec<FieldDef>,
}

pub const BUILTINS: [&str; 3] = [
    include_str!("../../assets/forms/consent.json"),
    include_str!("../../assets/forms/intake.json"),
    include_str!("../../assets/forms/release.json"),
];

/// A built-in form definition (the JSON of `assets/forms/`) as a new form at `now`.
pub fn builtin_form(text: &str, now: OffsetDateTime) -> Result<FormDef> {
    let b: Builtin =
        serde_json::from_str(text).map_err(|_| super::StoreError::Format { table: "forms" })?;
    Ok(FormDef {
        id: FormId::generate(),
        name: b.name,
        builtin: Some(b.slug),
        versions: vec![FormVersion {
            version: 1,
            intro: b.intro,
            fields: b.fields,
            created_at: now,
        }],
        current_used: false,
    })
}

/// Adds the built-in forms (a migration).
pub(super) fn seed(tx: &WriteTx<'_>) -> Result<()> {
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    for text in BUILTINS {
        let def = builtin_form(text, now)?;
        tx.put(&def.id.0, &def)?;
    }
    Ok(())
}

/// Withdraws every open link for `client` (the account was switched off); returns how many.
/// Reads the client's own links, not every link.
pub fn revoke_links_for(tx: &WriteTx<'_>, client: AccountId, now: OffsetDateTime) -> Result<usize> {
    let mut revoked = 0;
    for key in super::by_client::keys_for_update(tx, client, Kind::FormLink)? {
        let Some(mut link) = tx.get::<FormLink>(&key)? else {
            continue;
        };
        let open =
            !link.revoked && link.expires_at > now && !(link.single_use && link.used_at.is_some());
        if open {
            link.revoked = true;
            tx.put(&key, &link)?;
            revoked += 1;
        }
    }
    Ok(revoked)
}
