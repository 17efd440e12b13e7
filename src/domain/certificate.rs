//! The ACME certificate as a background job: each issuance, and the first failure of a
//! run of failures, is recorded like any job run (audited as `system:certificate`, shown
//! with the jobs, and a failure emails the owner the fixed, PHI-free "a scheduled task of
//! your portal failed").

use std::time::Instant;

use super::{ServiceError, Services};
use crate::policy::Actor;

/// The job's name in job statuses and the audit log (`job.certificate`).
pub const JOB_CERTIFICATE: &str = "certificate";

impl Services {
    /// Records an issuance (`Ok`) or a failure (`Err`), in plain words without secrets.
    pub fn certificate_outcome(&self, result: Result<String, String>) -> Result<(), ServiceError> {
        self.job_done(
            &Actor::System(JOB_CERTIFICATE),
            JOB_CERTIFICATE,
            super::audit::Event::JobCertificate,
            Instant::now(),
            result,
        )
    }
}
