//! Who is there to answer: agents' statuses, and the persona groups' live availability the
//! router publishes from them.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{AgentId, AgentStatus, GroupLive, ShopId};
use std::collections::HashMap;

/// Agents' statuses and the shop's live persona-group availability.
#[async_trait]
pub trait Presence: Send + Sync {
    /// Records an agent's status.
    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()>;

    /// Every recorded agent status of a shop (agents never recorded are absent: offline).
    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>>;

    /// Replaces the shop's live persona-group availability (written by the router).
    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()>;

    /// The shop's live persona-group availability as last written (empty if never).
    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>>;
}
