//! The client's home: what waits for them (new messages, forms to fill in, upcoming
//! appointments). The wording is in the frontend's `pages/client_home.rs`.

use actix_web::HttpResponse;
use alcove_frontend::client_home::{
    self as view, ClientHomeView, UnreadRow, WaitingFormRow, CLIENT_HOME_TITLE,
};

use super::error::AppError;
use super::kit::panel;
use super::render::human_time;
use super::session::{Ctx, SignedIn};

/// `GET /home` for a client.
pub(super) fn client_home(ctx: &Ctx, s: &SignedIn) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let home = services.client_overview(&s.actor())?;
    let sections = view::client_home_sections(ClientHomeView {
        nothing_waits: home.nothing_waits(),
        unread: home
            .unread
            .iter()
            .map(|t| UnreadRow {
                href: format!("/messages/{}", t.id),
                subject: t.subject.clone(),
                unread: t.unread,
                last_message: human_time(t.last_message_at),
            })
            .collect(),
        forms: home
            .forms
            .iter()
            .map(|f| WaitingFormRow {
                name: f.name.clone(),
                open_until: human_time(f.expires_at),
            })
            .collect(),
        appointments: super::appointments::rows(&services.zone(), &home.upcoming),
        offer_codes: !s.0.account.mfa_enabled(),
    });
    panel(
        ctx,
        s,
        "/home",
        CLIENT_HOME_TITLE,
        &view::welcome(&home.preferred_name),
        None,
        sections,
    )
}
