//! How a failure becomes a page: the cause goes to the log with the request id; the person
//! sees a plain sentence and the reference, never the cause.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::frame;
use crate::tls::acme::causes;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("the data directory is sealed")]
    Sealed,
    #[error("forbidden")]
    Forbidden,
    #[error("the request could not be read")]
    BadRequest,
    #[error("the request is too large")]
    TooLarge,
    /// The server's disk had no room: nothing was saved.
    #[error("the disk is full")]
    DiskFull,
    /// Not an error for the person: send them elsewhere (sign-in, the next step).
    #[error("redirect to {0}")]
    Redirect(String),
    /// The failures below are the server's, not the person's: a 500 page, the cause (its
    /// `source` chain) in the log.
    #[error("internal error: the store failed")]
    Store(#[source] crate::store::StoreError),
    #[error("internal error: a service call failed")]
    Service(#[source] crate::domain::ServiceError),
    #[error("internal error: a blocking task failed")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error("internal error: the data directory could not be opened")]
    Open(#[source] crate::datadir::OpenError),
    #[error("internal error: the application state is missing")]
    NoState,
}

impl AppError {
    fn is_internal(&self) -> bool {
        matches!(
            self,
            AppError::Store(_)
                | AppError::Service(_)
                | AppError::Blocking(_)
                | AppError::Open(_)
                | AppError::NoState
        )
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::DiskFull => AppError::DiskFull,
            other => AppError::Store(other),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Sealed => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::DiskFull => super::disk_full::STATUS,
            AppError::Redirect(_) => StatusCode::SEE_OTHER,
            AppError::Store(_)
            | AppError::Service(_)
            | AppError::Blocking(_)
            | AppError::Open(_)
            | AppError::NoState => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.is_internal() {
            let cause = causes(self);
            tracing::error!(request_id = %frame::current_request_id(), %cause, "request failed");
        }
        if let AppError::DiskFull = self {
            tracing::error!(request_id = %frame::current_request_id(), "refused: the disk is full");
        }
        if let AppError::Redirect(to) = self {
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, to.as_str()))
                .finish();
        }
        // An empty body: the frame middleware renders the calm page for this status, with
        // the practice's name and the request id as a reference.
        HttpResponse::build(self.status_code()).finish()
    }
}

impl From<crate::domain::ServiceError> for AppError {
    fn from(e: crate::domain::ServiceError) -> Self {
        use crate::domain::ServiceError;
        match e {
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::ReauthRequired => AppError::Redirect("/reauth".into()),
            ServiceError::Store(store) => store.into(),
            ServiceError::ThreadClosed(_) => AppError::BadRequest,
            other => AppError::Service(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ServiceError;

    #[test]
    fn the_log_names_each_cause_once_and_the_status_stays_500() {
        let io = std::io::Error::other("disk on fire");
        let e = AppError::from(ServiceError::Store(crate::store::StoreError::Io(io)));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let text = causes(&e);
        assert_eq!(
            text,
            "internal error: the store failed: could not read or write the database file: disk on fire"
        );
        let e = AppError::from(ServiceError::PasswordHashing);
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            causes(&e),
            "internal error: a service call failed: internal error: password hashing failed"
        );
    }
}
