//! The client page's wording (practice side): the profile, the portal invitation, writing
//! to the client, their portal access, and the notices after acting on them. The chart's
//! further sections are in `chart.rs`. The services decide which parts a person sees
//! (`client_chart`); these functions word the parts they were given.

use super::clients::ClientRecord;
use crate::views_app::{ActionSpec, Section, TableSpec};

/// The client page's title; its heading is the client's legal name.
pub const CLIENT_TITLE: &str = "Client";

/// The notice after a new invitation link was made.
pub const INVITATION_CREATED: &str = "A new invitation link was created.";

/// The notice after requiring sign-in codes.
pub const CODES_REQUIRED: &str = "This client will set up sign-in codes at their next sign-in.";

/// The notice after cancelling the open invitations, `n` of them.
pub fn invitations_cancelled(n: usize) -> String {
    format!("Open invitations cancelled: {n}.")
}

/// A button posting only the form token.
pub(super) fn post(action: String, csrf: &str, label: String, primary: bool) -> ActionSpec {
    ActionSpec::Post {
        action,
        csrf: csrf.to_owned(),
        label,
        primary,
    }
}

/// A link styled as a button.
pub(super) fn link(href: String, label: String, primary: bool) -> ActionSpec {
    ActionSpec::Link {
        href,
        label,
        primary,
    }
}

/// A section listing `table`'s rows, or saying `none` when there are none.
pub(super) fn listing(heading: Option<&str>, none: &str, table: TableSpec) -> Section {
    let empty = table.rows.is_empty();
    Section {
        heading: heading.map(Into::into),
        paragraphs: if empty { vec![none.into()] } else { vec![] },
        table: (!empty).then_some(table),
        ..Section::default()
    }
}

/// The action labels of a section, in order.
#[cfg(test)]
pub(super) fn labels(s: &Section) -> Vec<String> {
    s.actions
        .iter()
        .map(|a| match a {
            ActionSpec::Link { label, .. } | ActionSpec::Post { label, .. } => label.clone(),
        })
        .collect()
}

/// The client's record as shown; empty optional values show as a dash.
#[derive(Clone, Debug, Default)]
pub struct ProfileView<'a> {
    pub record: ClientRecord<'a>,
    /// The portal access as worded for the account's status.
    pub portal_access: &'a str,
    /// Whether the client has set up sign-in codes.
    pub sign_in_codes: bool,
}

fn or_dash(v: &str) -> String {
    if v.is_empty() {
        "—".to_owned()
    } else {
        v.to_owned()
    }
}

/// The first section: the client's details.
pub fn profile_section(p: ProfileView<'_>) -> Section {
    let r = p.record;
    Section {
        facts: vec![
            ("Legal name".into(), r.legal_name.into()),
            ("Preferred name".into(), or_dash(r.preferred_name)),
            ("Email".into(), r.email.into()),
            ("Phone".into(), or_dash(r.phone)),
            ("Date of birth".into(), or_dash(r.date_of_birth)),
            ("Admin note".into(), or_dash(r.admin_note)),
            ("Portal access".into(), p.portal_access.into()),
            (
                "Sign-in codes".into(),
                if p.sign_in_codes { "On" } else { "Off" }.into(),
            ),
        ],
        ..Section::default()
    }
}

/// The invitation section, for a client who has never set a password.
#[derive(Clone, Debug)]
pub struct InvitationView {
    pub csrf: String,
    /// Where making a new link posts.
    pub create: String,
    /// Where cancelling the open invitations posts.
    pub cancel: String,
    /// The link just made, shown only now.
    pub link: Option<String>,
}

pub fn invitation_section(v: InvitationView) -> Section {
    let mut paragraphs = vec!["An invitation link lets the client set a password. It works once and for 7 days; making a new one cancels the old one.".to_owned()];
    if v.link.is_some() {
        paragraphs.push("Copy this link and give it to the client (it is shown only now):".into());
    }
    Section {
        heading: Some("Invitation".into()),
        paragraphs,
        link_box: v.link,
        actions: vec![
            post(v.create, &v.csrf, "Create invitation link".into(), true),
            post(v.cancel, &v.csrf, "Cancel open invitations".into(), false),
        ],
        ..Section::default()
    }
}

/// Writing to the client: a new message, or one started from a template.
#[derive(Clone, Debug)]
pub struct MessagesView {
    pub write_href: String,
    /// Each template's href and name.
    pub templates: Vec<(String, String)>,
}

pub fn messages_section(v: MessagesView) -> Section {
    let mut actions = vec![link(v.write_href, "Write a message".into(), true)];
    actions.extend(
        v.templates
            .into_iter()
            .map(|(href, name)| link(href, format!("Start from “{name}”"), false)),
    );
    Section {
        heading: Some("Messages".into()),
        actions,
        ..Section::default()
    }
}

/// The client's portal access, for those who manage accounts.
#[derive(Clone, Debug)]
pub struct AccessView {
    pub csrf: String,
    /// Whether the client must already use sign-in codes.
    pub codes_required: bool,
    /// Where requiring sign-in codes posts.
    pub require_codes: String,
    /// Where sending a password-reset link posts, when one may be sent.
    pub reset_password: Option<String>,
    /// Where switching off portal access posts.
    pub switch_off: String,
}

pub fn access_section(v: AccessView) -> Section {
    let mut paragraphs = vec![
        "Switching off portal access ends the client's sessions at once; the record stays."
            .to_owned(),
    ];
    let mut actions = vec![];
    if v.codes_required {
        paragraphs.push("This client must use sign-in codes.".into());
    } else {
        actions.push(post(
            v.require_codes,
            &v.csrf,
            "Require sign-in codes".into(),
            false,
        ));
    }
    if let Some(reset) = v.reset_password {
        paragraphs.push("A client who forgot their password gets a password-reset link from you (it works once, for 24 hours; their sign-in codes stay as they are).".into());
        actions.push(post(
            reset,
            &v.csrf,
            "Send a password-reset link".into(),
            false,
        ));
    }
    actions.push(post(
        v.switch_off,
        &v.csrf,
        "Switch off portal access".into(),
        false,
    ));
    Section {
        heading: Some("Access".into()),
        paragraphs,
        actions,
        ..Section::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_optional_details_show_a_dash_and_codes_say_on_or_off() {
        let s = profile_section(ProfileView {
            record: ClientRecord {
                legal_name: "Ada Lovelace",
                phone: "555",
                ..ClientRecord::default()
            },
            portal_access: "Active",
            sign_in_codes: true,
        });
        let fact = |label: &str| {
            s.facts
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| v.as_str())
                .expect(label)
        };
        assert_eq!(fact("Legal name"), "Ada Lovelace");
        assert_eq!(fact("Preferred name"), "—");
        assert_eq!(fact("Phone"), "555");
        assert_eq!(fact("Sign-in codes"), "On");
    }

    #[test]
    fn the_invitation_link_shows_only_when_just_made() {
        let view = |link: Option<String>| InvitationView {
            csrf: "t".into(),
            create: "/c/invite".into(),
            cancel: "/c/invite/revoke".into(),
            link,
        };
        let without = invitation_section(view(None));
        assert!(without.link_box.is_none());
        assert_eq!(without.paragraphs.len(), 1);
        let with = invitation_section(view(Some("https://x/invite/abc".into())));
        assert_eq!(with.link_box.as_deref(), Some("https://x/invite/abc"));
        assert_eq!(with.paragraphs.len(), 2);
    }

    #[test]
    fn each_template_offers_a_start() {
        let s = messages_section(MessagesView {
            write_href: "/messages/new?client=c".into(),
            templates: vec![("/t1".into(), "Welcome".into())],
        });
        assert_eq!(labels(&s), ["Write a message", "Start from “Welcome”"]);
    }

    #[test]
    fn requiring_codes_is_offered_until_required_and_a_reset_only_when_allowed() {
        let view = |codes_required: bool, reset: Option<String>| AccessView {
            csrf: "t".into(),
            codes_required,
            require_codes: "/c/require-mfa".into(),
            reset_password: reset,
            switch_off: "/a/disable".into(),
        };
        let s = access_section(view(false, None));
        assert_eq!(
            labels(&s),
            ["Require sign-in codes", "Switch off portal access"]
        );
        let s = access_section(view(true, Some("/a/reset".into())));
        assert_eq!(
            labels(&s),
            ["Send a password-reset link", "Switch off portal access"]
        );
        assert_eq!(s.paragraphs[1], "This client must use sign-in codes.");
    }
}
