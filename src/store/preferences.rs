//! Each client's communication preferences, from the consent form; the history kept.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::record::Record;
use super::tables::{self, Table};

/// One set of answers to the consent form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Preferences {
    pub portal: bool,
    pub email: bool,
    pub phone: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub form_version: u32,
}

/// A client's communication preferences: the current ones last.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PreferenceHistory {
    pub entries: Vec<Preferences>,
}

impl Record for PreferenceHistory {
    const TABLE: Table = tables::PREFERENCES;
}
