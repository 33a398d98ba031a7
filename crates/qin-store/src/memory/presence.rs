//! Agents' statuses and the live group availability in memory, per shop as in Redis.

use super::{MemoryStore, locked};
use crate::{Presence, Result};
use async_trait::async_trait;
use qin_proto::{AgentId, AgentStatus, GroupLive, ShopId};
use std::collections::HashMap;

/// The shop floor as last recorded.
#[derive(Debug, Default)]
pub(super) struct Floor {
    agent_statuses: HashMap<ShopId, HashMap<AgentId, AgentStatus>>,
    groups_live: HashMap<ShopId, Vec<GroupLive>>,
}

#[async_trait]
impl Presence for MemoryStore {
    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()> {
        locked(&self.presence)
            .agent_statuses
            .entry(shop.clone())
            .or_default()
            .insert(agent.clone(), status);
        Ok(())
    }

    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>> {
        Ok(locked(&self.presence)
            .agent_statuses
            .get(shop)
            .cloned()
            .unwrap_or_default())
    }

    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()> {
        locked(&self.presence)
            .groups_live
            .insert(shop.clone(), groups.to_vec());
        Ok(())
    }

    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>> {
        Ok(locked(&self.presence)
            .groups_live
            .get(shop)
            .cloned()
            .unwrap_or_default())
    }
}

#[cfg(test)]
crate::conformance::presence::suite!(super::tests::backend);
