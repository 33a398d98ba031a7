//! Shoppers' followed agents (a list per shopper, kept by a script) and last agent (a hash
//! per shopper) in Redis.

use super::replies::map_redis_error;
use super::{RedisStore, scripts};
use crate::{Fans, MAX_FOLLOWS, Result, StoreError};
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId, VisitorId};

#[async_trait]
impl Fans for RedisStore {
    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let _: i64 = scripts::FOLLOW
            .key(self.keys.follows(shop, visitor.as_str()))
            .arg(agent.as_str())
            .arg(MAX_FOLLOWS)
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(())
    }

    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        redis::cmd("LREM")
            .arg(self.keys.follows(shop, visitor.as_str()))
            .arg(0)
            .arg(agent.as_str())
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>> {
        let ids: Vec<String> = redis::cmd("LRANGE")
            .arg(self.keys.follows(shop, visitor.as_str()))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        ids.into_iter().map(|id| stored_agent("fans", id)).collect()
    }

    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()> {
        redis::cmd("HSET")
            .arg(self.keys.last_agent(shop, visitor.as_str()))
            .arg("agent")
            .arg(agent.as_str())
            .arg("at")
            .arg(at)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>> {
        let (agent, at): (Option<String>, Option<Millis>) = redis::cmd("HMGET")
            .arg(self.keys.last_agent(shop, visitor.as_str()))
            .arg("agent")
            .arg("at")
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        match (agent, at) {
            (Some(agent), Some(at)) => Ok(Some((stored_agent("last agent", agent)?, at))),
            (None, None) => Ok(None),
            _ => Err(StoreError::Corrupt("last agent: half a record".into())),
        }
    }
}

/// An agent id read back from Redis, or `Corrupt` naming where it was.
fn stored_agent(what: &str, id: String) -> Result<AgentId> {
    AgentId::parse(id.as_str())
        .ok_or_else(|| StoreError::Corrupt(format!("{what}: agent id {id:?}")))
}

#[cfg(test)]
crate::conformance::fans::suite!(super::tests::backend);
