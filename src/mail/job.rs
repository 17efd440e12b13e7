//! The mail job: sends what is due in the outbox, records each outcome, and sleeps until
//! the next retry or until a new alert is queued. Stops with the server's runtime.

use std::sync::Arc;
use std::time::Duration;

use super::{compose, Mailer};
use crate::domain::Services;

/// Longest sleep between looks at the outbox.
const IDLE: Duration = Duration::from_secs(60);

/// Runs until the runtime stops. `services` comes from the opened store.
pub async fn run(services: Services, mailer: Arc<Mailer>, origin: String) {
    loop {
        let next = match drain(&services, &mailer, &origin).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "the mail job could not read the outbox");
                Some(IDLE)
            }
        };
        let wait = next.unwrap_or(IDLE).min(IDLE);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = services.mail_queued() => {}
        }
    }
}

/// Sends every due alert; returns how long until the next one falls due.
async fn drain(
    services: &Services,
    mailer: &Arc<Mailer>,
    origin: &str,
) -> Result<Option<Duration>, crate::domain::ServiceError> {
    services.clear_old_alerts()?;
    let (due, next) = services.due_alerts()?;
    for (key, n) in due {
        let (subject, body) = compose(&n.mail, origin);
        let mailer = mailer.clone();
        let to = n.to.clone();
        let sent = tokio::task::spawn_blocking(move || mailer.send(&to, subject, body)).await;
        match sent {
            Ok(Ok(())) => services.alert_delivered(&key, &n)?,
            Ok(Err(e)) => {
                tracing::warn!(problem = %e, kind = n.mail.kind(), "an email alert was not delivered; it will be retried");
                services.alert_failed(&key, &e.to_string())?;
            }
            Err(_) => services.alert_failed(&key, "the sending task stopped")?,
        }
    }
    // Failures just pushed some alerts later: look again for the soonest.
    let (_, after) = services.due_alerts()?;
    let soonest = match (next, after) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let now = services.now();
    Ok(soonest.map(|t| {
        let secs = (t - now).whole_milliseconds().max(0) as u64;
        Duration::from_millis(secs)
    }))
}
