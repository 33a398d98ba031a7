//! Named leases with one holder at a time, e.g. `router:<shop>`: whoever holds it routes the
//! shop, and another takes over once it expires or is released.

use crate::Result;
use async_trait::async_trait;

/// Longest lease term any store grants (about a century): longer asks are capped, so the
/// expiry never overflows an `Instant` nor Redis's `PX` range.
pub(crate) const MAX_LEASE_TTL_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// Leases that expire unless renewed.
#[async_trait]
pub trait Leases: Send + Sync {
    /// Takes or renews the lease `name` for `holder` for `ttl_ms`: true when `holder` holds it
    /// now (it was free, expired, or already theirs), false when another holder has it.
    /// A renewal restarts the term from now; terms past about a century are capped.
    async fn try_lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool>;

    /// Gives the lease up if `holder` holds it (so another can take it at once).
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
}
