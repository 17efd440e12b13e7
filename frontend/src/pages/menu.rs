//! The navigation bar's links and their names. The services decide which links a person
//! has (`domain::menu`); this module only names and orders them.

use crate::views_app::{Nav, NavLink};

/// Which links a signed-in person's navigation offers, as the services decided.
#[derive(Clone, Debug, Default)]
pub struct MenuView {
    pub messages: bool,
    pub clients: bool,
    pub forms: bool,
    pub team: bool,
    pub audit: bool,
    /// The signed-in person's name.
    pub name: String,
    /// The form token for the sign-out button.
    pub csrf: String,
    /// The path of the page shown, marked as current.
    pub current: String,
}

/// The navigation bar: home first, email alerts last, the rest as `menu` allows.
pub fn nav(menu: MenuView) -> Nav {
    let links = [
        (true, "/home", "Home"),
        (menu.messages, "/messages", "Messages"),
        (menu.clients, "/clients", "Clients"),
        (menu.forms, "/forms", "Forms"),
        (menu.team, "/team", "Team"),
        (menu.audit, "/audit", "Audit log"),
        (true, "/settings/email", "Email alerts"),
    ];
    Nav {
        links: links
            .into_iter()
            .filter(|(shown, _, _)| *shown)
            .map(|(_, href, label)| NavLink {
                href: href.to_owned(),
                label: label.to_owned(),
                current: href == menu.current,
            })
            .collect(),
        csrf: menu.csrf,
        who: format!("Signed in as {}", menu.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hrefs(nav: &Nav) -> Vec<&str> {
        nav.links.iter().map(|l| l.href.as_str()).collect()
    }

    #[test]
    fn a_menu_with_nothing_allowed_has_only_home_and_email_alerts() {
        let nav = nav(MenuView {
            name: "Sam".into(),
            current: "/home".into(),
            ..MenuView::default()
        });
        assert_eq!(hrefs(&nav), ["/home", "/settings/email"]);
        assert!(nav.links[0].current && !nav.links[1].current);
        assert_eq!(nav.who, "Signed in as Sam");
    }

    #[test]
    fn every_allowed_link_appears_in_order() {
        let nav = nav(MenuView {
            messages: true,
            clients: true,
            forms: true,
            team: true,
            audit: true,
            current: "/team".into(),
            ..MenuView::default()
        });
        assert_eq!(
            hrefs(&nav),
            [
                "/home",
                "/messages",
                "/clients",
                "/forms",
                "/team",
                "/audit",
                "/settings/email"
            ]
        );
        let current: Vec<_> = nav.links.iter().filter(|l| l.current).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].label, "Team");
    }
}
