//! Agents' statuses and the live group availability in Redis: a hash per shop (agent →
//! status name) and a JSON string per shop.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::codec::{decode_json, encode_json};
use crate::{Presence, Result, StoreError};
use async_trait::async_trait;
use qin_proto::{AgentId, AgentStatus, GroupLive, ShopId};
use std::collections::HashMap;

#[async_trait]
impl Presence for RedisStore {
    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()> {
        let status = match serde_json::to_value(status) {
            Ok(serde_json::Value::String(name)) => name,
            other => return Err(StoreError::Corrupt(format!("agent status as {other:?}"))),
        };
        redis::cmd("HSET")
            .arg(self.keys.agent_statuses(shop))
            .arg(agent.as_str())
            .arg(status)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>> {
        let raw: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.agent_statuses(shop))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.into_iter()
            .map(|(agent, status)| {
                let id = AgentId::parse(agent.as_str())
                    .ok_or_else(|| StoreError::Corrupt(format!("agent id {agent:?}")))?;
                let status = serde_json::from_value(serde_json::Value::String(status))
                    .map_err(|e| StoreError::Corrupt(format!("status of {agent}: {e}")))?;
                Ok((id, status))
            })
            .collect()
    }

    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()> {
        redis::cmd("SET")
            .arg(self.keys.groups_live(shop))
            .arg(encode_json("groups", groups)?)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>> {
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.keys.groups_live(shop))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.map_or_else(|| Ok(Vec::new()), |raw| decode_json("groups", &raw))
    }
}

#[cfg(test)]
crate::conformance::presence::suite!(super::tests::backend);
