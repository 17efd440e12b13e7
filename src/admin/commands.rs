//! What each local administrator command does, shared by the socket and the direct path.

use super::{Context, Request, Response};
use crate::domain::audit::ChainState;
use crate::domain::{ServiceError, Services};
use crate::policy::Actor;
use crate::store::accounts::AccountStatus;

fn failed(message: impl Into<String>) -> Response {
    Response::Failed {
        message: message.into(),
    }
}

fn service_error(e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound => failed("No account has that email address."),
        other => failed(other.to_string()),
    }
}

/// Runs one command as the local administrator.
pub fn execute(services: &Services, ctx: &Context, request: &Request) -> Response {
    let actor = Actor::LocalAdmin;
    let origin = &ctx.origin;
    let result = match request {
        Request::UserList => list(services, &actor),
        Request::ResetPassword { email } => services
            .account_by_email(&actor, email)
            .and_then(|id| services.reset_password_link(&actor, id))
            .map(|token| {
                format!(
                    "Password-reset link (works once, for 24 hours; give it only to the account's owner):\n    {origin}/invite/{token}\n"
                )
            }),
        Request::ResetMfa { email } => services
            .account_by_email(&actor, email)
            .and_then(|id| services.reset_mfa(&actor, id))
            .map(|()| "Sign-in codes were reset. The person sets them up again at their next sign-in; their sessions have ended.\n".to_owned()),
        Request::Disable { email } => services
            .account_by_email(&actor, email)
            .and_then(|id| services.disable_account(&actor, id))
            .map(|()| "The account is switched off and its sessions have ended.\n".to_owned()),
        Request::AuditVerify => return verify(services, &actor),
        Request::Doctor => {
            return match services.doctor(&actor, &ctx.data_dir, &ctx.config) {
                Ok(checks) => {
                    let text = crate::domain::doctor::render(&checks);
                    if checks.iter().all(|c| c.ok) {
                        Response::Ok { text }
                    } else {
                        failed(format!("some checks failed:\n{text}"))
                    }
                }
                Err(e) => service_error(e),
            }
        }
        Request::BackupNow => {
            let plan = crate::domain::backup::BackupPlan::new(&ctx.data_dir, &ctx.config);
            let progress = if ctx.progress {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.set_style(
                    indicatif::ProgressStyle::with_template("Backing up {spinner} {bytes}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
                bar
            } else {
                indicatif::ProgressBar::hidden()
            };
            let result = services.back_up(&actor, &plan, &progress);
            progress.finish_and_clear();
            result
                .map(|o| {
                    let mut text = format!(
                        "Backup written: {} ({} bytes, SHA-256 {}).\n",
                        o.written.path.display(),
                        o.written.size,
                        o.written.sha256
                    );
                    for c in &o.copies {
                        text.push_str(&format!("Copied to {}.\n", c.display()));
                    }
                    if o.removed > 0 {
                        text.push_str(&format!("{} older backup(s) removed by rotation.\n", o.removed));
                    }
                    text
                })
        }
        Request::BackupList => services.backups(&actor).map(|list| {
            let mut text = format!("{:<36} {:>12}  {}\n", "BACKUP", "BYTES", "FOLDERS");
            for r in list {
                text.push_str(&format!("{:<36} {:>12}  {}\n", r.name, r.size, r.targets.join(", ")));
            }
            text
        }),
        Request::BackupCheck => match services.check_backups(
            &actor,
            &crate::domain::backup::BackupPlan::new(&ctx.data_dir, &ctx.config),
        ) {
            Ok(problems) if problems.is_empty() => {
                Ok("Every backup copy re-read: all intact.\n".to_owned())
            }
            Ok(problems) => {
                return failed(format!(
                    "Damaged backups (take a new backup and keep the others):\n    {}",
                    problems.join("\n    ")
                ))
            }
            Err(e) => Err(e),
        },
        Request::RestoreTested { ok, millis, summary } => services
            .record_restore_test(&actor, *ok, *millis, summary)
            .map(|()| String::new()),
    };
    match result {
        Ok(text) => Response::Ok { text },
        Err(e) => service_error(e),
    }
}

fn list(services: &Services, actor: &Actor) -> Result<String, ServiceError> {
    let accounts = services.list_accounts(actor)?;
    let mut out = format!(
        "{:<34} {:<10} {:<9} {:<5} {}\n",
        "EMAIL", "ROLE", "STATUS", "MFA", "NAME"
    );
    for a in accounts {
        let status = match a.status {
            AccountStatus::Invited => "invited",
            AccountStatus::Active if a.locked => "locked",
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        };
        out.push_str(&format!(
            "{:<34} {:<10} {:<9} {:<5} {}\n",
            a.email,
            a.role.name(),
            status,
            if a.mfa { "on" } else { "off" },
            a.name
        ));
    }
    Ok(out)
}

fn verify(services: &Services, actor: &Actor) -> Response {
    match services.verify_audit(actor) {
        Ok(ChainState::Intact { events, head }) => Response::Ok {
            text: format!("Audit log intact: {events} events, chain head {head}.\n"),
        },
        Ok(ChainState::Broken { position, problem }) => failed(format!(
            "AUDIT LOG BROKEN at event {position}: {problem}. Keep this data directory as it is and restore the audit log from a backup to compare."
        )),
        Err(ServiceError::Store(e)) => failed(format!("Could not read the audit log: {e}")),
        Err(e) => service_error(e),
    }
}
