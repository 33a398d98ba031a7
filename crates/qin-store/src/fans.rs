//! Shoppers' ties to agents, kept across visits: the agents a shopper follows (fans come back
//! to the agent they liked) and the agent who last handled their chat.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId, VisitorId};

/// Most agents one shopper follows in a shop.
pub const MAX_FOLLOWS: usize = 20;

/// Followed agents and the last agent, per (shop, shopper).
#[async_trait]
pub trait Fans: Send + Sync {
    /// Makes `visitor` a fan of `agent` in `shop` (kept across visits). Following again is a
    /// no-op; a shopper follows at most [`MAX_FOLLOWS`] agents (the oldest is dropped).
    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()>;

    /// Stops `visitor` following `agent` (no-op if they did not).
    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()>;

    /// The agents `visitor` follows in `shop`, in the order they were followed.
    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>>;

    /// Records that `agent` handled a chat of `visitor` at `at` (the latest call wins).
    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()>;

    /// The agent who last handled a chat of `visitor`, and when.
    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>>;
}

/// Adds `agent` to a followed list: a repeat keeps its place; past [`MAX_FOLLOWS`] the
/// oldest is dropped (the memory and file stores; Redis does the same in its script).
pub(crate) fn follow_in(list: &mut Vec<AgentId>, agent: &AgentId) {
    if list.contains(agent) {
        return;
    }
    list.push(agent.clone());
    if list.len() > MAX_FOLLOWS {
        list.drain(..list.len() - MAX_FOLLOWS);
    }
}
