//! One module per page family; each exposes a `render_*` function taking its view struct.

mod message;
mod setup;
mod sign_in;
mod unlock;

pub use message::render_message;
pub use setup::render_setup_link;
pub use sign_in::render_sign_in;
pub use unlock::{render_unlock, render_unlocked};
