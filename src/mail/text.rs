//! The only texts Alcove emails. Fixed: no client or practice name, no subject, no message
//! text; only that something is waiting and where to sign in.

use crate::store::outbox::Mail;

/// Subject and body for an alert; `origin` is the portal's address.
pub fn compose(mail: &Mail, origin: &str) -> (&'static str, String) {
    match mail {
        Mail::NewMessage => (
            "You have a new secure message",
            format!(
                "A new secure message is waiting for you in your portal.\n\n\
                 Sign in to read it: {origin}/\n\n\
                 For your privacy, this email does not say who wrote or what it is about. \
                 Please do not reply to this email; answer in the portal.\n"
            ),
        ),
        Mail::ConfirmEmail { token } => (
            "Please confirm your email address",
            format!(
                "This email address was added to an account on a secure portal.\n\n\
                 To receive short alerts when a secure message is waiting, confirm it here:\n\
                 {origin}/confirm-email/{token}\n\n\
                 The link works for 7 days. If you did not expect this email, ignore it: \
                 nothing more will be sent to you.\n"
            ),
        ),
        Mail::NewSubmission => (
            "A form was submitted in your portal",
            format!(
                "A form was submitted in your secure portal.\n\n\
                 Sign in to see it: {origin}/\n\n\
                 For privacy, this email does not say who sent it or what it says.\n"
            ),
        ),
        Mail::AppointmentReminder => (
            "You have an upcoming appointment",
            format!(
                "You have an upcoming appointment.\n\n\
                 Sign in to see the details: {origin}/\n"
            ),
        ),
        Mail::PasswordChanged => (
            "Your portal password was changed",
            format!(
                "The password of your account on a secure portal was just changed with a \
                 reset link from the practice.\n\n\
                 If that was you, there is nothing more to do. If it was not, contact the \
                 practice at once. Sign in: {origin}/\n"
            ),
        ),
        Mail::DrillDue => (
            "A restore drill of your portal's backups is due",
            format!(
                "A restore drill of your secure portal's backups is due.\n\n\
                 A drill proves that a backup really restores. Bring the recovery key from its \
                 safe place, run `alcove backup drill --identity KEY` on the portal's \
                 computer, then take the key away again.\n\n\
                 Sign in to see when the last drill ran: {origin}/\n"
            ),
        ),
        Mail::JobFailed => (
            "A scheduled task of your portal failed",
            format!(
                "A scheduled task of your secure portal (such as a backup) did not complete.\n\n\
                 Sign in to see what happened: {origin}/\n"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_alert_line_starts_with_stray_spaces() {
        let all = [
            Mail::NewMessage,
            Mail::ConfirmEmail {
                token: "t0ken".into(),
            },
            Mail::NewSubmission,
            Mail::AppointmentReminder,
            Mail::JobFailed,
            Mail::DrillDue,
        ];
        for mail in &all {
            let (_, body) = compose(mail, "https://portal.example");
            for line in body.lines() {
                assert_eq!(
                    line,
                    line.trim(),
                    "stray spaces in {line:?} of {}",
                    mail.kind()
                );
            }
            assert!(body.contains("https://portal.example/"));
        }
    }

    #[test]
    fn alert_text_names_nothing_but_the_portal() {
        let (subject, body) = compose(&Mail::NewMessage, "https://portal.example");
        assert!(body.contains("https://portal.example/"));
        assert!(!subject.contains("from") && body.len() < 400);
    }
}
