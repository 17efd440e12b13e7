//! `GET /home`: the client's home, or the practice's start page with the sections the
//! policy allows (mail problems, backups, posture, team and settings).

use actix_web::HttpResponse;
use alcove_frontend::home::{self as home_view, PracticeHomeView, TeamState};
use alcove_frontend::Section;

use super::error::AppError;
use super::kit::panel;
use super::session::{Ctx, SignedIn};
use crate::domain::menu::Home;

/// `GET /home`: the client's home, or the practice's start page.
pub async fn home(s: SignedIn, ctx: Ctx) -> Result<HttpResponse, AppError> {
    let actor = s.actor();
    if crate::domain::menu::menu(&actor).home == Home::Client {
        return super::client_home::client_home(&ctx, &s);
    }
    let (state, services) = (&ctx.state, &ctx.services);
    let sections = match practice_sections(services, &actor, &state.data_dir, &state.config) {
        Ok(rest) => super::disk_full::home_section(services, &actor)
            .into_iter()
            .chain(rest)
            .collect(),
        // While the disk is full the other sections cannot be read (each reading is
        // recorded): the home says what is wrong rather than failing.
        Err(AppError::DiskFull) => match super::disk_full::home_section(services, &actor) {
            Some(disk) => vec![disk],
            None => return Err(AppError::DiskFull),
        },
        Err(e) => return Err(e),
    };
    panel(
        &ctx,
        &s,
        "/home",
        home_view::HOME_TITLE,
        home_view::PRACTICE_HOME_HEADING,
        None,
        sections,
    )
}

/// The practice home's sections, each shown as the policy allows.
fn practice_sections(
    services: &crate::domain::Services,
    actor: &crate::policy::Actor,
    data_dir: &std::path::Path,
    config: &crate::config::Config,
) -> Result<Vec<Section>, AppError> {
    let mut sections: Vec<Section> = super::email::mail_problem_section(services, actor)?
        .into_iter()
        .collect();
    let home = services.practice_home(actor, data_dir, config)?;
    let backups = services.backup_overview(actor)?;
    if let Some(b) = &backups {
        sections.extend(super::backups::restore_section(b));
        sections.push(super::backups::backup_section(b));
    }
    sections.extend(home.posture.as_deref().map(super::backups::posture_section));
    sections.extend(home_view::practice_sections(PracticeHomeView {
        team: home.team_state().map(|t| TeamState {
            locked: t.locked,
            without_codes: t.without_codes,
        }),
        settings: home.settings,
    }));
    Ok(sections)
}
