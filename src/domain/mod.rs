//! Services: the only code that reads or writes records on behalf of a person or a job.

pub mod setup;
