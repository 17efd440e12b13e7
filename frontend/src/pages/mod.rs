//! One module per page family; each exposes a `render_*` function taking its view struct.

mod app;
mod message;
mod thread;
mod unlock;

pub use app::{render_form, render_panel};
pub use message::render_message;
pub use thread::render_thread;
pub use unlock::{render_unlock, render_unlocked};
