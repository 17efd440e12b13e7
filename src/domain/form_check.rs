//! Server-side checks of a filled form, per field type. Errors name the field and say what
//! to change; the typed values are kept by the caller.

use crate::store::forms::{FieldDef, FieldType};

/// Answers as posted: field key -> values.
pub type Answers = Vec<(String, Vec<String>)>;

/// A field's problem, for the page.
pub type FieldErrors = Vec<(String, String)>;

fn values<'a>(answers: &'a Answers, key: &str) -> Vec<&'a str> {
    answers
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.iter().map(|s| s.trim()))
        .filter(|v| !v.is_empty())
        .collect()
}

fn check_one(field: &FieldDef, given: &[&str]) -> Option<String> {
    let first = given.first().copied().unwrap_or("");
    if given.is_empty() {
        return match field.kind {
            FieldType::Consent => Some("Please check this box to continue.".into()),
            _ if field.required => Some(match field.kind {
                FieldType::SingleChoice | FieldType::MultipleChoice => {
                    "Please choose an answer.".into()
                }
                FieldType::Signature => "Please type your full name to sign.".into(),
                FieldType::File => "Please choose a file.".into(),
                _ => "Please fill this in.".into(),
            }),
            _ => None,
        };
    }
    // A file answer is its id and name; every other field but multiple choice has one value.
    if given.len() > 1 && !matches!(field.kind, FieldType::MultipleChoice | FieldType::File) {
        return Some("Please give one answer.".into());
    }
    let chars = first.chars().count();
    match field.kind {
        FieldType::ShortText if chars > 500 => {
            Some("Please keep this under 500 characters.".into())
        }
        FieldType::LongText if chars > 10_000 => {
            Some("Please keep this under 10 000 characters.".into())
        }
        FieldType::Email => {
            let ok = chars <= 254
                && !first.contains(char::is_whitespace)
                && first.split_once('@').is_some_and(|(user, host)| {
                    !user.is_empty()
                        && host.contains('.')
                        && !host.starts_with('.')
                        && !host.ends_with('.')
                });
            (!ok).then(|| "Please enter an email address like name@example.org.".into())
        }
        FieldType::Phone => {
            let digits = first.chars().filter(char::is_ascii_digit).count();
            let ok = first
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                && (7..=20).contains(&digits);
            (!ok).then(|| "Please enter a phone number (digits, spaces, + - ( ) only).".into())
        }
        FieldType::Date => time::Date::parse(
            first,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_err()
        .then(|| "Please enter the date as YYYY-MM-DD, for example 1990-04-27.".into()),
        FieldType::SingleChoice | FieldType::MultipleChoice => given
            .iter()
            .any(|v| !field.options.iter().any(|o| o == v))
            .then(|| "Please choose from the answers given.".into()),
        FieldType::Checkbox | FieldType::Consent => {
            (first != "yes").then(|| "Please check the box, or leave it empty.".into())
        }
        FieldType::File => (first.len() != 32 || !first.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| "Please choose the file again.".into()),
        FieldType::Signature if !(2..=200).contains(&chars) => {
            Some("Please type your full name to sign.".into())
        }
        _ => None,
    }
}

/// Checks every field; returns the clean answers (in field order) or the problems.
pub fn check(fields: &[FieldDef], posted: &Answers) -> Result<Answers, FieldErrors> {
    let mut clean = Vec::new();
    let mut errors = Vec::new();
    for field in fields {
        let given = values(posted, &field.key);
        match check_one(field, &given) {
            Some(problem) => errors.push((field.key.clone(), problem)),
            None => clean.push((
                field.key.clone(),
                given.iter().map(|v| (*v).to_owned()).collect(),
            )),
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldType, required: bool) -> FieldDef {
        FieldDef {
            key: "f".into(),
            label: "F".into(),
            kind,
            required,
            help: String::new(),
            options: vec!["Red".into(), "Blue".into()],
        }
    }

    fn one(kind: FieldType, required: bool, values: &[&str]) -> Result<Answers, FieldErrors> {
        let posted = vec![(
            "f".to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        )];
        check(&[field(kind, required)], &posted)
    }

    #[test]
    fn each_type_accepts_good_values_and_refuses_bad_ones() {
        use FieldType::*;
        let cases: &[(FieldType, &[&str], bool)] = &[
            (ShortText, &["Sam"], true),
            (ShortText, &[], false),
            (LongText, &["many\nlines"], true),
            (Email, &["sam@example.org"], true),
            (Email, &["sam@"], false),
            (Email, &["sam example@x.org"], false),
            (Phone, &["+1 (555) 010-2000"], true),
            (Phone, &["call me"], false),
            (Date, &["1990-04-27"], true),
            (Date, &["27/04/1990"], false),
            (SingleChoice, &["Blue"], true),
            (SingleChoice, &["Green"], false),
            (SingleChoice, &["Red", "Blue"], false),
            (MultipleChoice, &["Red", "Blue"], true),
            (MultipleChoice, &["Red", "Pink"], false),
            (Checkbox, &["yes"], true),
            (Checkbox, &["maybe"], false),
            (Consent, &["yes"], true),
            (Signature, &["Sam Rivera"], true),
            (Signature, &["S"], false),
        ];
        for (kind, values, ok) in cases {
            assert_eq!(one(*kind, true, values).is_ok(), *ok, "{kind:?} {values:?}");
        }
        assert!(
            one(Consent, false, &[]).is_err(),
            "a consent must be checked"
        );
        assert!(one(Checkbox, false, &[]).is_ok());
        assert!(one(Email, false, &[]).is_ok(), "optional and empty is fine");
    }
}
