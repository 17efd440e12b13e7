//! The practice home's wording: the clients section for everyone, and for those who run
//! the practice the team's state and the links to its settings. The services decide which
//! parts a person sees (`domain::practice_home`); this module words them.

use crate::views_app::{ActionSpec, Section};

/// The practice home's title and heading.
pub const HOME_TITLE: &str = "Home";
pub const PRACTICE_HOME_HEADING: &str = "Practice home";

/// The parts of the practice home below the notices, as the services allowed them.
#[derive(Clone, Debug, Default)]
pub struct PracticeHomeView {
    /// The team's state: for those who manage the team.
    pub team: Option<TeamState>,
    /// Links to automatic replies, forms and templates.
    pub settings: bool,
}

/// How many accounts are locked out, and how many practice accounts lack sign-in codes.
#[derive(Clone, Copy, Debug, Default)]
pub struct TeamState {
    pub locked: usize,
    pub without_codes: usize,
}

fn link(href: &str, label: &str, primary: bool) -> ActionSpec {
    ActionSpec::Link {
        href: href.to_owned(),
        label: label.to_owned(),
        primary,
    }
}

/// The clients section, then (for those who manage the team) messages and security.
pub fn practice_sections(view: PracticeHomeView) -> Vec<Section> {
    let mut sections = vec![Section {
        heading: Some("Clients".into()),
        paragraphs: vec!["Create a client record, then send the client an invitation link to set their password.".into()],
        actions: vec![link("/clients", "Open client list", true), link("/clients/new", "Add a client", false)],
        ..Section::default()
    }];
    let Some(team) = view.team else {
        return sections;
    };
    let mut paragraphs = vec![format!(
        "Accounts locked after repeated failed sign-ins right now: {}.",
        team.locked
    )];
    if team.without_codes > 0 {
        paragraphs.push(format!(
            "Practice accounts still setting up sign-in codes: {}.",
            team.without_codes
        ));
    }
    if view.settings {
        sections.push(Section {
            heading: Some("Messages".into()),
            paragraphs: vec!["Clients get an automatic reply with a crisis notice, and your away message when you set one.".into()],
            actions: vec![
                link("/settings/auto-reply", "Automatic replies", false),
                link("/forms", "Forms", false),
                link("/settings/templates", "Message templates", false),
            ],
            ..Section::default()
        });
    }
    sections.push(Section {
        heading: Some("Security".into()),
        paragraphs,
        actions: vec![
            link("/team", "Team and accounts", false),
            link("/audit", "Audit log", false),
            link("/retention", "Records due for removal", false),
        ],
        ..Section::default()
    });
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headings(sections: &[Section]) -> Vec<&str> {
        sections
            .iter()
            .map(|s| s.heading.as_deref().unwrap_or(""))
            .collect()
    }

    #[test]
    fn without_the_team_only_the_clients_section_shows() {
        let s = practice_sections(PracticeHomeView {
            team: None,
            settings: true,
        });
        assert_eq!(headings(&s), ["Clients"]);
    }

    #[test]
    fn the_team_state_counts_locked_accounts_and_missing_codes() {
        let s = practice_sections(PracticeHomeView {
            team: Some(TeamState {
                locked: 1,
                without_codes: 0,
            }),
            settings: true,
        });
        assert_eq!(headings(&s), ["Clients", "Messages", "Security"]);
        assert_eq!(
            s[2].paragraphs.len(),
            1,
            "no line about codes when all have them"
        );
        assert!(s[2].paragraphs[0].ends_with(": 1."));
    }
}
