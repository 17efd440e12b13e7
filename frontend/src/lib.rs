//! Alcove's pages. Leptos components (server-side rendering only: no WASM, no hydration,
//! no server functions) that turn plain view structs into HTML strings.
//!
//! This crate knows nothing of storage, keys, sessions or who may see what: the services
//! decide what a page shows, the web layer fills a view struct from their answer, and this
//! crate words and renders it (`render_*`, or the page modules `home`, `inbox`, `menu`, `thread`).

mod layout;
mod pages;
mod views;
mod views_app;

pub use pages::{
    appointments, audit, chart, client, client_home, clients, email, form_links, forms, home,
    inbox, menu, settings, team, thread,
};
pub use pages::{
    render_form, render_message, render_panel, render_thread, render_unlock, render_unlocked,
};
pub use views::{Chrome, MessageView, UnlockView, UnlockedView};
pub use views_app::{
    ActionSpec, Cell, Field, FieldKind, FormPage, FormSpec, Link, MessageItem, Nav, NavLink,
    PanelPage, Section, TableSpec, ThreadPage,
};

use leptos::prelude::*;

/// Renders a whole document: doctype plus the view, inside a fresh reactive owner.
fn document<V: IntoView + 'static>(make: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    let body = owner.with(|| make().into_view().to_html());
    format!("<!DOCTYPE html>\n{body}")
}
