//! Leases in Redis: a string holding the holder, with a `PX` expiry, taken and released by
//! scripts so only the holder renews or releases it.

use super::replies::map_redis_error;
use super::{RedisStore, scripts};
use crate::leases::MAX_LEASE_TTL_MS;
use crate::{Leases, Result};
use async_trait::async_trait;

#[async_trait]
impl Leases for RedisStore {
    async fn try_lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool> {
        let held: i64 = scripts::TAKE_LEASE
            .key(self.keys.lease(name))
            .arg(holder)
            // PX takes 1 ms at least; the cap keeps it in Redis's range.
            .arg(ttl_ms.clamp(1, MAX_LEASE_TTL_MS))
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(held == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let _: i64 = scripts::RELEASE_LEASE
            .key(self.keys.lease(name))
            .arg(holder)
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(())
    }
}

#[cfg(test)]
crate::conformance::leases::suite!(super::tests::backend);
