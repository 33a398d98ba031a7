//! Agents' sign-out times in Redis: one sorted set per shop, agent id scored by the time in
//! ms (exact in a double for any date this side of the year 287,000); `ZADD GT` keeps the
//! latest in one step.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::{Result, SignOuts};
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId};

#[async_trait]
impl SignOuts for RedisStore {
    async fn sign_out(&self, shop: &ShopId, agent: &AgentId, at: Millis) -> Result<()> {
        redis::cmd("ZADD")
            .arg(self.keys.sign_outs(shop))
            .arg("GT")
            .arg(at)
            .arg(agent.as_str())
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn signed_out_at(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<Millis>> {
        let score: Option<f64> = redis::cmd("ZSCORE")
            .arg(self.keys.sign_outs(shop))
            .arg(agent.as_str())
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        #[allow(clippy::cast_possible_truncation)] // scores are whole ms written by sign_out
        Ok(score.map(|s| s as Millis))
    }
}

#[cfg(test)]
crate::conformance::sign_outs::suite!(super::tests::backend);
