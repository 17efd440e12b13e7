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
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Sealed => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(request_id = %frame::current_request_id(), %cause, "request failed");
        }
        // An empty body: the frame middleware renders the calm page for this status, with
        // the practice's name and the request id as a reference.
        HttpResponse::build(self.status_code()).finish()
    }
}
