//! Leases held in this process's memory: the memory store's, and the file store's too (its
//! file is open in one process only, so only that process's routers compete for them).

use super::MemoryStore;
use crate::leases::MAX_LEASE_TTL_MS;
use crate::{Leases, Result};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Leases held in this process: name → (holder, expiry).
#[derive(Debug, Default)]
pub(crate) struct LeaseTable(Mutex<HashMap<String, (String, Instant)>>);

impl LeaseTable {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Leases::try_lease`] on this table.
    pub(crate) fn try_take(&self, name: &str, holder: &str, ttl_ms: u64) -> bool {
        let now = Instant::now();
        let mut leases = self.lock();
        let free = leases
            .get(name)
            .is_none_or(|(h, until)| h == holder || *until <= now);
        if free {
            leases.insert(
                name.to_owned(),
                (holder.to_owned(), now + lease_term(ttl_ms)),
            );
        }
        free
    }

    /// [`Leases::release_lease`] on this table.
    pub(crate) fn release(&self, name: &str, holder: &str) {
        let mut leases = self.lock();
        if leases.get(name).is_some_and(|(h, _)| h == holder) {
            leases.remove(name);
        }
    }
}

/// A requested lease term, capped at [`MAX_LEASE_TTL_MS`].
fn lease_term(ttl_ms: u64) -> Duration {
    Duration::from_millis(ttl_ms.min(MAX_LEASE_TTL_MS))
}

#[async_trait]
impl Leases for MemoryStore {
    async fn try_lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool> {
        Ok(self.leases.try_take(name, holder, ttl_ms))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.leases.release(name, holder);
        Ok(())
    }
}

#[cfg(test)]
crate::conformance::leases::suite!(super::tests::backend);
