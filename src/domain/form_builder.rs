//! The form builder: create a form; add, edit, reorder and remove its fields. A change to a
//! version that already has submissions makes a new version, so every submission keeps the
//! exact form it answered.

use time::OffsetDateTime;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::ids::FormId;
use crate::policy::{Action, Actor, Target};
use crate::store::forms::{FieldDef, FieldType, FormDef, FormVersion};

/// A field as typed into the builder.
#[derive(Clone, Copy)]
pub struct FieldInput<'a> {
    pub label: &'a str,
    pub kind: &'a str,
    pub required: bool,
    pub help: &'a str,
    /// One option per line (choice fields).
    pub options: &'a str,
}

/// What to do to a form's fields.
#[derive(Clone, Copy)]
pub enum Change<'a> {
    Add(FieldInput<'a>),
    Edit(usize, FieldInput<'a>),
    Up(usize),
    Down(usize),
    Remove(usize),
}

fn field(input: &FieldInput<'_>, key: String) -> Result<FieldDef, ServiceError> {
    let label = input.label.trim();
    if label.is_empty() || label.chars().count() > 1000 {
        return Err(ServiceError::invalid(
            "label",
            "Please write the question (up to 1000 characters).",
        ));
    }
    let kind = FieldType::from_name(input.kind)
        .ok_or_else(|| ServiceError::invalid("kind", "Please choose a field type."))?;
    let options: Vec<String> = input
        .options
        .lines()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect();
    if kind.has_options() && options.len() < 2 {
        return Err(ServiceError::invalid(
            "options",
            "Please give at least two answers to choose from, one per line.",
        ));
    }
    Ok(FieldDef {
        key,
        label: label.to_owned(),
        kind,
        required: input.required || kind == FieldType::Consent,
        help: input.help.trim().to_owned(),
        options: if kind.has_options() {
            options
        } else {
            Vec::new()
        },
    })
}

fn fresh_key(fields: &[FieldDef]) -> String {
    (1..)
        .map(|n| format!("q{n}"))
        .find(|k| !fields.iter().any(|f| &f.key == k))
        .unwrap_or_default()
}

/// A form's fields after `change`. An index comes from the page's URL: any number may
/// arrive, and one that names no field is `NotFound`.
pub fn changed(
    mut fields: Vec<FieldDef>,
    change: Change<'_>,
) -> Result<Vec<FieldDef>, ServiceError> {
    let n = fields.len();
    let bad = || ServiceError::NotFound;
    match change {
        Change::Add(input) => {
            let key = fresh_key(&fields);
            fields.push(field(&input, key)?);
        }
        Change::Edit(i, input) => {
            let key = fields.get(i).ok_or_else(bad)?.key.clone();
            fields[i] = field(&input, key)?;
        }
        Change::Up(i) if i > 0 && i < n => fields.swap(i, i - 1),
        // `i + 1` would overflow for the largest index a URL can carry.
        Change::Down(i) if i < n.saturating_sub(1) => fields.swap(i, i + 1),
        Change::Remove(i) if i < n => {
            fields.remove(i);
        }
        _ => return Err(bad()),
    }
    if fields.iter().filter(|f| f.kind == FieldType::File).count() > 1 {
        return Err(ServiceError::invalid(
            "kind",
            "A form can ask for one file; this one already does.",
        ));
    }
    Ok(fields)
}

impl Services {
    /// A new, empty form.
    pub fn create_form(
        &self,
        actor: &Actor,
        name: &str,
        intro: &str,
    ) -> Result<FormId, ServiceError> {
        self.authorize(actor, Action::ManageForms, Target::Practice)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ServiceError::invalid(
                "name",
                "Please name the form (up to 200 characters).",
            ));
        }
        let now = self.now();
        let def = FormDef {
            id: FormId::generate(),
            name: name.to_owned(),
            builtin: None,
            versions: vec![FormVersion {
                version: 1,
                intro: intro.trim().to_owned(),
                fields: Vec::new(),
                created_at: now,
            }],
            current_used: false,
        };
        self.store.write(|tx| {
            tx.put(&def.id.0, &def)?;
            audit::record(
                tx,
                now,
                actor,
                Event::FormCreate,
                AuditTarget::new().form(def.id),
                Outcome::Ok,
            )?;
            Ok(def.id)
        })
    }

    /// Changes a form's fields; returns the version now current.
    pub fn change_form(
        &self,
        actor: &Actor,
        form: FormId,
        change: Change<'_>,
    ) -> Result<u32, ServiceError> {
        self.authorize(actor, Action::ManageForms, Target::Practice)?;
        let now: OffsetDateTime = self.now();
        self.store.write(|tx| {
            let mut def = tx.get::<FormDef>(&form.0)?.ok_or(ServiceError::NotFound)?;
            let fields = changed(def.current().fields.clone(), change)?;
            let intro = def.current().intro.clone();
            if def.current_used {
                let version = def.current().version + 1;
                def.versions.push(FormVersion {
                    version,
                    intro,
                    fields,
                    created_at: now,
                });
                def.current_used = false;
            } else if let Some(last) = def.versions.last_mut() {
                last.fields = fields;
            }
            let version = def.current().version;
            tx.put(&form.0, &def)?;
            audit::record(
                tx,
                now,
                actor,
                Event::FormEdit,
                AuditTarget::new().form(form).version(version),
                Outcome::Ok,
            )?;
            Ok(version)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_fields() -> Vec<FieldDef> {
        let input = |label| FieldInput {
            label,
            kind: "short_text",
            required: false,
            help: "",
            options: "",
        };
        let one = changed(Vec::new(), Change::Add(input("First"))).unwrap();
        changed(one, Change::Add(input("Second"))).unwrap()
    }

    #[test]
    fn moving_a_field_past_either_end_or_by_a_huge_index_is_not_found() {
        for change in [
            Change::Up(0),
            Change::Down(1),
            Change::Down(usize::MAX),
            Change::Up(usize::MAX),
            Change::Remove(usize::MAX),
        ] {
            assert!(matches!(
                changed(two_fields(), change),
                Err(ServiceError::NotFound)
            ));
        }
        let moved = changed(two_fields(), Change::Down(0)).unwrap();
        assert_eq!(moved[0].label, "Second");
    }
}
