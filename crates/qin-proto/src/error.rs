//! The `error` frame's codes and the error type produced when a client frame is rejected.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Machine-readable reason in an `error {code, message, ref?}` frame or HTTP error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, no or unknown `type`, a missing or ill-typed field, or an invalid value.
    BadFrame,
    /// No valid `hello` yet, or a missing, forged or expired token.
    Unauthorized,
    /// The conversation or action belongs to someone else.
    Forbidden,
    /// No such shop, group, agent or conversation.
    NotFound,
    /// The frame or one of its fields exceeds a configured limit.
    TooLarge,
    /// The client sends faster than allowed.
    RateLimited,
    /// The conversation is closed or otherwise not in a state that allows this.
    Conflict,
    /// A backend (Redis) cannot be reached; retry with the same `cid`.
    Unavailable,
    /// An unexpected server-side failure; details are in the server log only.
    Internal,
}

impl ErrorCode {
    /// The wire spelling, e.g. `bad_frame`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadFrame => "bad_frame",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::TooLarge => "too_large",
            Self::RateLimited => "rate_limited",
            Self::Conflict => "conflict",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected client frame or request: the code and a human-readable message for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ProtoError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What went wrong, phrased for the client developer.
    pub message: String,
}

impl ProtoError {
    /// A new error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `bad_frame` with `message`.
    pub fn bad_frame(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadFrame, message)
    }

    /// `too_large` with `message`.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::TooLarge, message)
    }
}
