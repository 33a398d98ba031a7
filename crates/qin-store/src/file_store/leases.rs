//! Leases in the file store live in this process's memory (the memory store's table): the
//! file is open in one process only, so only routers of this process can compete for them.

use super::FileStore;
use crate::{Leases, Result};
use async_trait::async_trait;

#[async_trait]
impl Leases for FileStore {
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
