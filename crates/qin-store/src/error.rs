//! What can go wrong in a store, the same for every backend.

use qin_proto::ConvId;

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or failed; the caller may retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The conversation is closed; a closed conversation never reopens.
    #[error("conversation {0} is closed")]
    Closed(ConvId),
    /// The conversation does not exist.
    #[error("conversation {0} not found")]
    NotFound(ConvId),
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Result alias for store calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
