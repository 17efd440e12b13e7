//! One module per page family; each exposes a `render_*` function taking its view struct,
//! or (for pages drawn as panels and forms) the sections and fields with their wording.

mod app;
pub mod appointments;
pub mod audit;
pub mod chart;
pub mod client;
pub mod client_home;
pub mod clients;
pub mod email;
pub mod form_links;
pub mod forms;
pub mod home;
pub mod inbox;
pub mod menu;
mod message;
pub mod settings;
pub mod team;
pub mod thread;
mod unlock;

pub use app::{render_form, render_panel};
pub use message::render_message;
pub use thread::render_thread;
pub use unlock::{render_unlock, render_unlocked};
