//! Handlers of the foundation: health, the landing page, unlocking, the setup link.
//! Thin: parse, call a service, render.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use alcove_frontend::{UnlockView, UnlockedView};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::error::AppError;
use super::render::{self, chrome};
use super::state::AppState;
use super::unlock_gate::Refusal;
use crate::crypto::unlock::{Passphrase, UnlockError};
use crate::datadir::OpenError;
use crate::store::Condition;

/// `GET /healthz`: 200 `ok` when serving, 503 `sealed` while locked, 503 `degraded: …`
/// while writes fail (asking also tries to heal the store, so a probe brings it back).
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let Some(vault) = state.vault() else {
        return render::plain(StatusCode::SERVICE_UNAVAILABLE, "sealed");
    };
    let services = vault.services.clone();
    let condition = web::block(move || services.store_condition()).await;
    match condition {
        Ok(Condition::Ok) => render::plain(StatusCode::OK, "ok"),
        Ok(Condition::DiskFull) => {
            render::plain(StatusCode::SERVICE_UNAVAILABLE, "degraded: disk full")
        }
        Ok(Condition::Failed) | Err(_) => {
            render::plain(StatusCode::SERVICE_UNAVAILABLE, "degraded: storage error")
        }
    }
}

pub(super) fn unlock_page(
    state: &AppState,
    status: StatusCode,
    error: Option<&str>,
) -> HttpResponse {
    render::html(
        status,
        alcove_frontend::render_unlock(UnlockView {
            chrome: chrome(Some(state)),
            error: error.map(str::to_owned),
        }),
    )
}

#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    passphrase: Zeroizing<String>,
}

impl std::fmt::Debug for UnlockForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnlockForm { passphrase: [redacted] }")
    }
}

/// `POST /unlock`: opens the data directory with the owner's passphrase.
pub async fn unlock(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<UnlockForm>,
) -> Result<HttpResponse, AppError> {
    if state.vault().is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("location", "/"))
            .finish());
    }
    let mut turn = match state.unlock_gate.admit(super::session::client_ip(&req)) {
        Ok(turn) => turn,
        Err(refusal) => {
            let text = match refusal {
                Refusal::InFlight => "An unlock attempt from this computer is still being checked. Wait for its answer, then try again.".to_owned(),
                Refusal::Busy => "Many unlock attempts are waiting to be checked. Please try again in a minute.".to_owned(),
                Refusal::Wait(d) => format!(
                    "That passphrase was wrong several times. Please wait {} seconds, then try again.",
                    d.as_secs().max(1)
                ),
            };
            return Ok(unlock_page(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&text),
            ));
        }
    };
    // Queued behind attempts from elsewhere, never refused for them.
    turn.wait().await;
    if state.vault().is_some() {
        turn.finish(false);
        return Ok(HttpResponse::SeeOther()
            .insert_header(("location", "/"))
            .finish());
    }
    let dir = state.data_dir.clone();
    let passphrase = form.into_inner().passphrase;
    let opened = web::block(move || {
        let pass = Passphrase::new(&passphrase)?;
        crate::domain::data_dir::open(&dir, Some(&pass))
    })
    .await
    .map_err(AppError::Blocking)?;
    match opened {
        Ok(store) => {
            turn.finish(false);
            let link = state.open(store)?;
            tracing::info!("data directory unlocked from the web page");
            Ok(render::html(
                StatusCode::OK,
                alcove_frontend::render_unlocked(UnlockedView {
                    chrome: chrome(Some(&state)),
                    setup_link: link,
                }),
            ))
        }
        Err(OpenError::Unlock(UnlockError::WrongPassphrase | UnlockError::EmptyPassphrase)) => {
            turn.finish(true);
            tracing::warn!("unlock attempt with a wrong passphrase");
            Ok(unlock_page(
                &state,
                StatusCode::FORBIDDEN,
                Some("That passphrase did not unlock the portal. Check it and try again. Nothing was changed."),
            ))
        }
        Err(other) => Err(AppError::Open(other)),
    }
}

/// Every unknown path.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
