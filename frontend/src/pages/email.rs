//! The email alert pages' wording: one's own alert settings, the client page's alerts
//! section, confirming an address from the emailed link, and the owner's note when alerts
//! fail. The services decide what is true and who may change it; this module words it.

use crate::views::{Chrome, MessageView};
use crate::views_app::{ActionSpec, Section};

/// The settings page's title (also its heading) and where it lives.
pub const SETTINGS_TITLE: &str = "Email alerts";
pub const SETTINGS_HREF: &str = "/settings/email";

/// The note after asking for a new confirmation link.
pub const CONFIRMATION_SENT: &str = "A confirmation link is on its way. It works for 7 days.";

/// One's own alert settings, as the services returned them.
#[derive(Clone, Debug)]
pub struct OwnAlertsView {
    pub address: String,
    /// The role reads messages (and so may get alerts).
    pub reads_messages: bool,
    pub confirmed: bool,
    pub alerts: bool,
    /// Email is set up on this portal.
    pub mail_enabled: bool,
}

/// The settings page's one section, with the buttons that apply.
pub fn own_alerts_section(v: &OwnAlertsView, csrf: &str) -> Section {
    let mut paragraphs = vec![format!(
        "Alerts go to {}. They never say who wrote or what about: only that a secure message is waiting.",
        v.address
    )];
    let mut actions = Vec::new();
    if !v.reads_messages {
        paragraphs = vec!["Message alerts go to people who read messages; your role does not, so none are sent to you.".into()];
    } else {
        paragraphs.push(
            if v.confirmed {
                "This address is confirmed."
            } else {
                "This address is not confirmed yet, so no alerts are sent to it. Use the link in the confirmation email, or ask for a new one here."
            }
            .into(),
        );
        paragraphs.push(
            if v.alerts {
                "Alerts are on."
            } else {
                "Alerts are off: you check the portal yourself."
            }
            .into(),
        );
        let toggle = if v.alerts {
            "Turn alerts off"
        } else {
            "Turn alerts on"
        };
        actions.push(ActionSpec::post(SETTINGS_HREF, csrf, toggle, !v.alerts));
        if !v.confirmed && v.mail_enabled {
            actions.push(ActionSpec::post(
                "/settings/email/confirm",
                csrf,
                "Send a confirmation link",
                false,
            ));
        }
    }
    if !v.mail_enabled {
        paragraphs
            .push("Email is not set up on this portal yet, so no alerts are sent at all.".into());
    }
    Section {
        paragraphs,
        actions,
        ..Section::default()
    }
}

/// A client's alerts, for the client page, with where its buttons post.
#[derive(Clone, Debug)]
pub struct ClientAlertsView {
    pub confirmed: bool,
    pub alerts: bool,
    pub mail_enabled: bool,
    pub toggle: String,
    pub resend: String,
}

/// The client page's section about email alerts, for those who may change them.
pub fn client_alerts_section(v: &ClientAlertsView, csrf: &str) -> Section {
    let mut paragraphs = vec![
        if v.confirmed {
            "The client's email address is confirmed."
        } else {
            "The client's email address is not confirmed yet: no alerts go to it until the client uses the confirmation link."
        }
        .to_owned(),
        if v.alerts {
            "Email alerts: on (a short note that a secure message is waiting, nothing more)."
        } else {
            "Email alerts: off — the client declined them."
        }
        .to_owned(),
    ];
    if !v.mail_enabled {
        paragraphs.push("Email is not set up on this portal yet, so no alerts are sent.".into());
    }
    let toggle = if v.alerts {
        "Record that the client declines email alerts"
    } else {
        "Turn email alerts back on"
    };
    let mut actions = vec![ActionSpec::post(&v.toggle, csrf, toggle, false)];
    if !v.confirmed && v.mail_enabled {
        actions.push(ActionSpec::post(
            &v.resend,
            csrf,
            "Send the confirmation link again",
            false,
        ));
    }
    Section {
        heading: Some("Email alerts".into()),
        paragraphs,
        actions,
        ..Section::default()
    }
}

/// The page behind the emailed link: a button, so that mail scanners confirm nothing.
pub const CONFIRM_TITLE: &str = "Confirm your email address";
pub const CONFIRM_SUBMIT: &str = "Confirm this address";
pub const CONFIRM_INTRO: &str = "Confirming lets the portal send you short alerts when a secure message is waiting. The alerts never say who wrote or what about.";

fn confirm_message(chrome: Chrome, heading: &str, paragraphs: Vec<String>) -> MessageView {
    MessageView {
        chrome,
        title: "Email address".into(),
        heading: heading.into(),
        paragraphs,
        reference: None,
        back_href: "/".into(),
    }
}

/// The page for a confirmation link that is used, expired or unknown.
pub fn link_gone(chrome: Chrome) -> MessageView {
    confirm_message(
        chrome,
        "This link no longer works",
        vec![
            "Confirmation links work once and for 7 days, and only for the address they were sent to.".into(),
            "Sign in and ask for a new link under “Email alerts”, or contact your practice.".into(),
        ],
    )
}

/// The page after confirming, with when it happened as shown.
pub fn confirmed(chrome: Chrome, when: &str) -> MessageView {
    confirm_message(
        chrome,
        "Thank you — your address is confirmed",
        vec![format!(
            "You will get a short email when a secure message is waiting (confirmed {when})."
        )],
    )
}

/// Alerts that could not be sent, as the services counted them.
#[derive(Clone, Debug, Default)]
pub struct MailProblemsView {
    pub retrying: usize,
    /// Since when the oldest has waited, as shown.
    pub since: Option<String>,
    pub reason: Option<String>,
    pub given_up: usize,
}

/// The owner's dashboard note when alerts are failing or were given up.
pub fn mail_problem_section(p: MailProblemsView) -> Section {
    let mut paragraphs = Vec::new();
    if p.retrying > 0 {
        paragraphs.push(format!(
            "{} email alert(s) could not be sent yet{}: {}. They are retried automatically; messages in the portal are not affected.",
            p.retrying,
            p.since
                .map(|t| format!(" (waiting since {t})"))
                .unwrap_or_default(),
            p.reason.unwrap_or_else(|| "unknown problem".into()),
        ));
    }
    if p.given_up > 0 {
        paragraphs.push(format!(
            "{} email alert(s) were given up after 3 days of failures. Check the [smtp] settings in alcove.toml.",
            p.given_up
        ));
    }
    Section {
        heading: Some("Email alerts are failing".into()),
        paragraphs,
        ..Section::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> OwnAlertsView {
        OwnAlertsView {
            address: "ann@example.invalid".into(),
            reads_messages: true,
            confirmed: false,
            alerts: true,
            mail_enabled: true,
        }
    }

    #[test]
    fn an_unconfirmed_address_offers_a_new_link_only_when_mail_works() {
        let s = own_alerts_section(&own(), "t");
        assert_eq!(s.actions.len(), 2);
        assert!(s.paragraphs[0].contains("ann@example.invalid"));
        let off = own_alerts_section(
            &OwnAlertsView {
                mail_enabled: false,
                ..own()
            },
            "t",
        );
        assert_eq!(off.actions.len(), 1);
        assert!(off
            .paragraphs
            .last()
            .unwrap()
            .ends_with("no alerts are sent at all."));
    }

    #[test]
    fn a_role_that_reads_no_messages_gets_no_buttons() {
        let s = own_alerts_section(
            &OwnAlertsView {
                reads_messages: false,
                ..own()
            },
            "t",
        );
        assert!(s.actions.is_empty());
        assert_eq!(s.paragraphs.len(), 1);
    }

    #[test]
    fn the_client_section_offers_the_resend_only_for_an_unconfirmed_address() {
        let v = ClientAlertsView {
            confirmed: true,
            alerts: false,
            mail_enabled: true,
            toggle: "/clients/c/email-alerts".into(),
            resend: "/clients/c/confirm-email".into(),
        };
        let s = client_alerts_section(&v, "t");
        assert!(
            matches!(&s.actions[..], [ActionSpec::Post { action, label, .. }] if action == &v.toggle && label == "Turn email alerts back on")
        );
        let s = client_alerts_section(
            &ClientAlertsView {
                confirmed: false,
                ..v
            },
            "t",
        );
        assert_eq!(s.actions.len(), 2);
    }

    #[test]
    fn the_failing_note_says_only_what_happened() {
        let s = mail_problem_section(MailProblemsView {
            given_up: 2,
            ..MailProblemsView::default()
        });
        assert_eq!(s.paragraphs.len(), 1);
        assert!(s.paragraphs[0].starts_with("2 email alert(s) were given up"));
        let s = mail_problem_section(MailProblemsView {
            retrying: 1,
            since: Some("today".into()),
            ..MailProblemsView::default()
        });
        assert!(s.paragraphs[0].contains("yet (waiting since today): unknown problem."));
    }
}
