//! The router's error type.

use qin_bus::BusError;
use qin_store::StoreError;

/// Why the router worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// The store kept failing while the worker started (it retries with backoff first).
    #[error("router store: {0}")]
    Store(#[from] StoreError),
    /// The bus kept failing or was shut down.
    #[error("router bus: {0}")]
    Bus(#[from] BusError),
}
