//! The team pages' wording (owner): the list of accounts with their buttons, the form to
//! invite a clinician or staff member, the invitation and password-reset links shown once.
//! The services decide who may see and change what; these functions word it.

use crate::views_app::{ActionSpec, Field, FieldKind, Section};

/// The team page's title and heading, and the navigation entry it marks.
pub const TEAM_TITLE: &str = "Team";
pub const TEAM_HEADING: &str = "Team and accounts";
pub const TEAM_HREF: &str = "/team";

/// One account on the team page.
#[derive(Clone, Debug)]
pub struct MemberRow {
    pub name: String,
    pub email: String,
    /// The role's name, as shown.
    pub role: String,
    /// The account's status, as shown ("Active", "Switched off").
    pub status: String,
    /// Sign-in codes are set up.
    pub mfa: bool,
    /// Locked after repeated failed sign-ins.
    pub locked: bool,
    /// The buttons to change the account; `None` for one's own.
    pub actions: Option<MemberActions>,
}

/// Where each button of an account posts.
#[derive(Clone, Debug)]
pub struct MemberActions {
    /// Only for an active account.
    pub reset_password: Option<String>,
    pub reset_mfa: String,
    pub disable: String,
}

fn member_section(a: MemberRow, csrf: &str) -> Section {
    let mut facts = vec![
        ("Email".into(), a.email),
        ("Role".into(), a.role),
        ("Status".into(), a.status),
        (
            "Sign-in codes".into(),
            if a.mfa { "On" } else { "Not set up" }.into(),
        ),
    ];
    if a.locked {
        facts.push((
            "Locked".into(),
            "Yes, after repeated failed sign-ins (lifts within an hour)".into(),
        ));
    }
    let actions = a.actions.map_or_else(Vec::new, |m| {
        let mut actions: Vec<ActionSpec> = m
            .reset_password
            .iter()
            .map(|href| ActionSpec::post(href, csrf, "Send a password-reset link", false))
            .collect();
        actions.push(ActionSpec::post(
            &m.reset_mfa,
            csrf,
            "Reset sign-in codes",
            false,
        ));
        actions.push(ActionSpec::post(
            &m.disable,
            csrf,
            "Switch off account",
            false,
        ));
        actions
    });
    Section {
        heading: Some(a.name),
        facts,
        actions,
        ..Section::default()
    }
}

/// The team page: the invitation link, then one section per account.
pub fn team_sections(members: Vec<MemberRow>, csrf: &str) -> Vec<Section> {
    let mut sections = vec![Section {
        heading: Some(INVITE_HEADING.into()),
        actions: vec![ActionSpec::link(INVITE_ACTION, "Invite someone", true)],
        ..Section::default()
    }];
    sections.extend(members.into_iter().map(|m| member_section(m, csrf)));
    sections
}

/// The invitation form's words; it posts to where it is shown.
pub const INVITE_TITLE: &str = "Invite";
pub const INVITE_HEADING: &str = "Invite a clinician or staff member";
pub const INVITE_ACTION: &str = "/team/invite";
pub const INVITE_SUBMIT: &str = "Create invitation link";

/// What the invitation form holds: as posted, or the defaults of a new one.
#[derive(Clone, Debug)]
pub struct InviteDraft<'a> {
    pub name: &'a str,
    pub email: &'a str,
    /// `staff` or `clinician`.
    pub role: &'a str,
}

impl InviteDraft<'static> {
    /// A new invitation, for staff.
    pub const NEW: Self = InviteDraft {
        name: "",
        email: "",
        role: "staff",
    };
}

/// The invitation form's fields, filled from the draft.
pub fn invite_fields(d: &InviteDraft<'_>) -> Vec<Field> {
    vec![
        Field::new("name", "Name", FieldKind::Text)
            .value(d.name)
            .autocomplete("off"),
        Field::new("email", "Email address", FieldKind::Email)
            .value(d.email)
            .autocomplete("off"),
        Field::new(
            "role",
            "Role",
            FieldKind::Select(vec![
                ("staff".into(), "Staff (scheduling and admin)".into()),
                ("clinician".into(), "Clinician".into()),
            ]),
        )
        .value(d.role),
    ]
}

/// The page showing a new invitation link.
pub const INVITATION_TITLE: &str = "Invitation";
pub const INVITATION_HEADING: &str = "Invitation created";

/// The new invitation link, shown once, and the way back to the team.
pub fn invitation_section(link: String) -> Section {
    Section {
        paragraphs: vec!["Give this link to the new team member (it is shown only now). It works once, for 7 days. They will set a password and sign-in codes.".into()],
        link_box: Some(link),
        actions: vec![ActionSpec::link(TEAM_HREF, "Back to the team", true)],
        ..Section::default()
    }
}

/// The page showing a password-reset link.
pub const RESET_TITLE: &str = "Password reset";
pub const RESET_HEADING: &str = "Password-reset link";

/// The password-reset link, shown once; or, when none could be made, why not.
pub fn reset_section(link: Result<String, String>) -> Section {
    match link {
        Ok(link) => Section {
            paragraphs: vec![
                "Give this link to the person yourself, by phone or in person, not by email (it is shown only now). It works once, for 24 hours; their sign-in codes stay as they are. Once it is used, their other sessions end and their confirmed email address is told that the password was changed.".into(),
            ],
            link_box: Some(link),
            ..Section::default()
        },
        Err(reason) => Section {
            paragraphs: vec![reason],
            ..Section::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(actions: Option<MemberActions>, locked: bool) -> MemberRow {
        MemberRow {
            name: "Sam Staff".into(),
            email: "sam@example.invalid".into(),
            role: "Staff".into(),
            status: "Active".into(),
            mfa: false,
            locked,
            actions,
        }
    }

    fn labels(s: &Section) -> Vec<&str> {
        s.actions
            .iter()
            .map(|a| match a {
                ActionSpec::Link { label, .. } | ActionSpec::Post { label, .. } => label.as_str(),
            })
            .collect()
    }

    #[test]
    fn one_section_per_member_after_the_invitation() {
        let s = team_sections(vec![member(None, false), member(None, false)], "t");
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].heading.as_deref(), Some(INVITE_HEADING));
        assert_eq!(labels(&s[0]), ["Invite someone"]);
    }

    #[test]
    fn ones_own_account_has_no_buttons_and_the_reset_link_needs_an_active_account() {
        let own = team_sections(vec![member(None, false)], "t");
        assert!(own[1].actions.is_empty());
        let other = MemberActions {
            reset_password: None,
            reset_mfa: "/accounts/a/reset-mfa".into(),
            disable: "/accounts/a/disable".into(),
        };
        let s = team_sections(vec![member(Some(other.clone()), false)], "t");
        assert_eq!(labels(&s[1]), ["Reset sign-in codes", "Switch off account"]);
        let active = MemberActions {
            reset_password: Some("/accounts/a/reset-password".into()),
            ..other
        };
        let s = team_sections(vec![member(Some(active), false)], "t");
        assert_eq!(labels(&s[1])[0], "Send a password-reset link");
        assert!(
            matches!(&s[1].actions[0], ActionSpec::Post { action, csrf, .. } if action == "/accounts/a/reset-password" && csrf == "t")
        );
    }

    #[test]
    fn a_locked_account_says_so() {
        let facts = |locked| {
            team_sections(vec![member(None, locked)], "t")[1]
                .facts
                .len()
        };
        assert_eq!(facts(false), 4);
        assert_eq!(facts(true), 5);
    }

    #[test]
    fn the_invitation_form_keeps_the_draft() {
        let fields = invite_fields(&InviteDraft {
            name: "Ann",
            email: "ann@example.invalid",
            role: "clinician",
        });
        let values: Vec<&str> = fields.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["Ann", "ann@example.invalid", "clinician"]);
        assert_eq!(invite_fields(&InviteDraft::NEW)[2].value, "staff");
    }

    #[test]
    fn a_refused_reset_shows_the_reason_and_no_link() {
        let s = reset_section(Err("Not active.".into()));
        assert_eq!(s.paragraphs, ["Not active."]);
        assert!(s.link_box.is_none());
        assert_eq!(reset_section(Ok("l".into())).link_box.as_deref(), Some("l"));
    }
}
