//! The store's health as the practice's home shows it: whether writes are being refused
//! for a full disk, and how many were since the server started. Carries no record content.

use super::Services;
use crate::policy::{self, Action, Actor, Decision, Target};
use crate::store::Condition;

/// What the owner is told about storage, present only when something happened.
pub struct StorageNotice {
    /// Writes are being refused right now.
    pub refusing: bool,
    /// Writes refused for a full disk since the server started.
    pub disk_full_refusals: u64,
}

impl Services {
    /// For whoever runs the practice, a notice when the disk filled up; `None` otherwise.
    pub fn storage_notice(&self, actor: &Actor) -> Option<StorageNotice> {
        if policy::decide(actor, Action::ManagePractice, Target::Practice) != Decision::Allow {
            return None;
        }
        let refusing = self.store.condition() != Condition::Ok;
        let disk_full_refusals = self.store.disk_full_refusals();
        (refusing || disk_full_refusals > 0).then_some(StorageNotice {
            refusing,
            disk_full_refusals,
        })
    }
}
