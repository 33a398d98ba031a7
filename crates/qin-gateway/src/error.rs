//! The REST API's error: a status code and `{"error": {"code", "message"}}`, internals hidden.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qin_proto::ErrorCode;
use qin_store::StoreError;

/// An error answer of the REST API.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    /// An error with `code` and a message for the client.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The error's code.
    #[cfg(test)]
    pub(crate) fn code(&self) -> ErrorCode {
        self.code
    }

    /// A request body that is not the JSON expected (400), or longer than the gateway
    /// takes (413: the rejection knows which).
    pub fn bad_body(e: axum::extract::rejection::JsonRejection) -> Self {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::TooLarge
        } else {
            ErrorCode::BadFrame
        };
        Self::new(code, e.body_text())
    }

    /// A store failure, told to the client without internals.
    pub fn store(e: StoreError) -> Self {
        let e = crate::conn::store_error(e);
        Self::new(e.code, e.message)
    }
}

impl From<qin_proto::ProtoError> for ApiError {
    fn from(e: qin_proto::ProtoError) -> Self {
        Self::new(e.code, e.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.code {
            ErrorCode::BadFrame => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (status, Json(body)).into_response()
    }
}

/// A note in a REST body (a handover note, a note about a customer): not blank (400), at most
/// `max` characters (`limits.max_body_chars`; 413).
pub(crate) fn check_note(note: &str, max: usize) -> Result<(), ApiError> {
    if note.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::BadFrame, "note must not be empty"));
    }
    if note.chars().count() > max {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("note is over {max} characters"),
        ));
    }
    Ok(())
}
