//! How a failure becomes a page: the cause goes to the log with the request id; the person
//! sees a plain sentence and the reference, never the cause.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::frame;

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
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::DiskFull => AppError::DiskFull,
            other => AppError::Internal(other.to_string()),
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
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
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
            other => AppError::Internal(other.to_string()),
        }
    }
}
