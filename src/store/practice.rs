//! The practice's profile: what every page shows at the top.

use serde::{Deserialize, Serialize};

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PracticeProfile {
    /// The practice's name, as the owner wants clients to see it.
    pub name: String,
}

// The profile is practice data; keep it out of logs like everything in the store.
impl std::fmt::Debug for PracticeProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PracticeProfile { .. }")
    }
}

impl Default for PracticeProfile {
    fn default() -> Self {
        Self {
            name: "Your practice".to_owned(),
        }
    }
}

impl Record for PracticeProfile {
    const TABLE: Table = tables::PRACTICE;
}

const KEY: &[u8] = b"profile";

pub fn load(tx: &ReadTx<'_>) -> Result<PracticeProfile> {
    Ok(tx.get(KEY)?.unwrap_or_default())
}

pub fn save(tx: &WriteTx<'_>, profile: &PracticeProfile) -> Result<()> {
    tx.put(KEY, profile)
}

/// The practice's automatic replies: an always-on crisis notice and an optional away message.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AutoReply {
    /// Sent in reply to a client's message, at most once per thread per 12 hours.
    pub crisis_notice: String,
    /// Added while the practice is away (dates inclusive, `YYYY-MM-DD`).
    pub away_message: String,
    pub away_from: String,
    pub away_until: String,
}

impl std::fmt::Debug for AutoReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AutoReply { .. }")
    }
}

pub const DEFAULT_CRISIS_NOTICE: &str = "Thank you for your message. This portal is not watched around the clock. If you are in crisis, call or text 988 (Suicide & Crisis Lifeline), or call 911.";

impl Default for AutoReply {
    fn default() -> Self {
        Self {
            crisis_notice: DEFAULT_CRISIS_NOTICE.to_owned(),
            away_message: String::new(),
            away_from: String::new(),
            away_until: String::new(),
        }
    }
}

impl Record for AutoReply {
    const TABLE: Table = tables::PRACTICE;
}

const AUTO_REPLY_KEY: &[u8] = b"auto_reply";

pub fn auto_reply(tx: &ReadTx<'_>) -> Result<AutoReply> {
    Ok(tx.get(AUTO_REPLY_KEY)?.unwrap_or_default())
}

pub fn auto_reply_for_update(tx: &WriteTx<'_>) -> Result<AutoReply> {
    Ok(tx.get(AUTO_REPLY_KEY)?.unwrap_or_default())
}

pub fn save_auto_reply(tx: &WriteTx<'_>, reply: &AutoReply) -> Result<()> {
    tx.put(AUTO_REPLY_KEY, reply)
}
