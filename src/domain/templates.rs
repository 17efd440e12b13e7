//! Message templates: reusable texts with placeholders, filled in when composing.

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::ids::TemplateId;
use crate::policy::{AccountId, Action, Actor, Target};
use crate::store::templates::{self, Template};

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "{client_first_name}",
    "{practice_name}",
    "{appointment_time}",
];

/// Fills the placeholders. An appointment time that is not known yet stays visible as a
/// bracketed prompt for the practice to replace before sending.
pub fn fill(
    body: &str,
    client_first_name: &str,
    practice_name: &str,
    appointment_time: Option<&str>,
) -> String {
    body.replace("{client_first_name}", client_first_name)
        .replace("{practice_name}", practice_name)
        .replace(
            "{appointment_time}",
            appointment_time.unwrap_or("[appointment date and time]"),
        )
}

impl Services {
    pub fn templates(&self, actor: &Actor) -> Result<Vec<Template>, ServiceError> {
        self.authorize(actor, Action::ListThreads, Target::Practice)?;
        let mut all = self.store.read(templates::all)?;
        all.sort_by_key(|t| t.name.to_lowercase());
        Ok(all)
    }

    pub fn add_template(&self, actor: &Actor, name: &str, body: &str) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManagePractice, Target::Practice)?;
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid(
                "name",
                "Please give the template a name (up to 100 characters).",
            ));
        }
        if body.trim().is_empty() || body.chars().count() > super::messages::MAX_BODY {
            return Err(ServiceError::invalid(
                "body",
                "Please write the template's text.",
            ));
        }
        let id = TemplateId::generate();
        let template = Template {
            id,
            name: name.trim().to_owned(),
            body: body.trim_end().to_owned(),
        };
        let now = self.now();
        self.store.write(|tx| {
            templates::put(tx, &template)?;
            audit::record(
                tx,
                now,
                actor,
                Event::TemplateAdd,
                AuditTarget::new().template(id),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    pub fn remove_template(&self, actor: &Actor, id: TemplateId) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManagePractice, Target::Practice)?;
        let now = self.now();
        self.store.write(|tx| {
            if !templates::remove(tx, id)? {
                return Err(ServiceError::NotFound);
            }
            audit::record(
                tx,
                now,
                actor,
                Event::TemplateRemove,
                AuditTarget::new().template(id),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    /// A template's text filled in for one client, for the compose form.
    pub fn filled_template(
        &self,
        actor: &Actor,
        id: TemplateId,
        client: AccountId,
        practice_name: &str,
    ) -> Result<String, ServiceError> {
        self.authorize(actor, Action::WriteMessage, Target::Client(client))?;
        let template = self
            .store
            .read(|tx| templates::get(tx, id))?
            .ok_or(ServiceError::NotFound)?;
        let profile = self
            .store
            .read(|tx| crate::store::accounts::profile(tx, client))?
            .ok_or(ServiceError::NotFound)?;
        self.audit_read(actor, Action::ViewClient, Target::Client(client))?;
        let first = if profile.preferred_name.trim().is_empty() {
            profile
                .legal_name
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned()
        } else {
            profile.preferred_name.clone()
        };
        Ok(fill(&template.body, &first, practice_name, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_an_unknown_time_is_left_as_a_prompt() {
        let body = "Hi {client_first_name}, see you {appointment_time}. {practice_name}";
        assert_eq!(
            fill(body, "Jo", "Riverside", Some("Tue 3 pm")),
            "Hi Jo, see you Tue 3 pm. Riverside"
        );
        assert!(fill(body, "Jo", "Riverside", None).contains("[appointment date and time]"));
        for (_, body) in crate::store::templates::DEFAULTS {
            let filled = fill(body, "Jo", "Riverside", Some("x"));
            assert!(!filled.contains('{'), "{filled}");
        }
    }
}
