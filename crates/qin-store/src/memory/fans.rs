//! Shoppers' followed agents and last agent in memory, mirroring the Redis list and hash.

use super::{MemoryStore, locked};
use crate::fans::follow_in;
use crate::{Fans, Result};
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId, VisitorId};
use std::collections::HashMap;

/// Per (shop, shopper): the agents followed, oldest first, and the last agent.
#[derive(Debug, Default)]
pub(super) struct FanBook {
    follows: HashMap<(ShopId, VisitorId), Vec<AgentId>>,
    last_agent: HashMap<(ShopId, VisitorId), (AgentId, Millis)>,
}

#[async_trait]
impl Fans for MemoryStore {
    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let mut book = locked(&self.fans);
        let list = book
            .follows
            .entry((shop.clone(), visitor.clone()))
            .or_default();
        follow_in(list, agent);
        Ok(())
    }

    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let mut book = locked(&self.fans);
        let key = (shop.clone(), visitor.clone());
        if let Some(list) = book.follows.get_mut(&key) {
            list.retain(|a| a != agent);
            if list.is_empty() {
                book.follows.remove(&key);
            }
        }
        Ok(())
    }

    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>> {
        Ok(locked(&self.fans)
            .follows
            .get(&(shop.clone(), visitor.clone()))
            .cloned()
            .unwrap_or_default())
    }

    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()> {
        locked(&self.fans)
            .last_agent
            .insert((shop.clone(), visitor.clone()), (agent.clone(), at));
        Ok(())
    }

    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>> {
        Ok(locked(&self.fans)
            .last_agent
            .get(&(shop.clone(), visitor.clone()))
            .cloned())
    }
}

#[cfg(test)]
crate::conformance::fans::suite!(super::tests::backend);
