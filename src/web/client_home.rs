//! The client's home: what waits for them (new messages, forms to fill in, upcoming
//! appointments), and "nothing here yet" only when nothing does.

use actix_web::HttpResponse;
use alcove_frontend::{Cell, Section, TableSpec};

use super::error::AppError;
use super::kit::{link, panel};
use super::render::human_time;
use super::session::{Ctx, SignedIn};
use crate::domain::client_home::ClientOverview;

/// `GET /home` for a client.
pub(super) fn client_home(ctx: &Ctx, s: &SignedIn) -> Result<HttpResponse, AppError> {
    let services = &ctx.services;
    let home = services.client_overview(&s.actor())?;
    let mut sections = vec![intro(&home)];
    sections.extend(unread_section(&home));
    sections.extend(forms_section(&home));
    sections.extend(alcove_frontend::appointments::client_section(
        super::appointments::rows(&services.zone(), &home.upcoming),
    ));
    if !s.0.account.mfa_enabled() {
        sections.push(Section {
            heading: Some("Extra protection (optional)".into()),
            paragraphs: vec!["You can ask for a code from your phone each time you sign in, so nobody else can sign in even if they learn your password.".into()],
            actions: vec![link("/mfa/setup", "Turn on sign-in codes", false)],
            ..Section::default()
        });
    }
    panel(
        ctx,
        s,
        "/home",
        "Home",
        &format!("Welcome, {}", home.preferred_name),
        None,
        sections,
    )
}

fn intro(home: &ClientOverview) -> Section {
    let mut paragraphs = vec!["This is your private space with your practice.".to_owned()];
    if home.nothing_waits() {
        paragraphs.push("There is nothing here yet. When your practice sends you a message, a form to fill in, or an appointment, you will find it on this page.".into());
    }
    Section {
        paragraphs,
        ..Section::default()
    }
}

fn unread_section(home: &ClientOverview) -> Option<Section> {
    if home.unread.is_empty() {
        return None;
    }
    let total: u64 = home.unread.iter().map(|t| t.unread).sum();
    Some(Section {
        heading: Some("New messages".into()),
        paragraphs: vec![if total == 1 {
            "Your practice sent you a message you have not read yet.".to_owned()
        } else {
            format!("Your practice sent you {total} messages you have not read yet.")
        }],
        table: Some(TableSpec {
            caption: "Conversations with new messages".into(),
            headers: vec!["Subject".into(), "New".into(), "Last message".into()],
            rows: home
                .unread
                .iter()
                .map(|t| {
                    vec![
                        Cell::Link {
                            href: format!("/messages/{}", t.id),
                            label: t.subject.clone(),
                        },
                        Cell::Text(format!("{} new", t.unread)),
                        Cell::Text(human_time(t.last_message_at)),
                    ]
                })
                .collect(),
        }),
        actions: vec![link("/messages", "Open your messages", true)],
        ..Section::default()
    })
}

fn forms_section(home: &ClientOverview) -> Option<Section> {
    if home.forms.is_empty() {
        return None;
    }
    Some(Section {
        heading: Some("Forms to fill in".into()),
        paragraphs: vec!["Your practice sent you a link for each of these, by message or email. Open that link to fill the form in.".into()],
        table: Some(TableSpec {
            caption: "Forms waiting for you".into(),
            headers: vec!["Form".into(), "Link open until".into()],
            rows: home
                .forms
                .iter()
                .map(|f| {
                    vec![
                        Cell::Text(f.name.clone()),
                        Cell::Text(human_time(f.expires_at)),
                    ]
                })
                .collect(),
        }),
        ..Section::default()
    })
}
