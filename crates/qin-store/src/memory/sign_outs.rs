//! Agents' sign-out times in memory: one map (shop, agent) → latest time.

use super::{MemoryStore, locked};
use crate::{Result, SignOuts};
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId};

#[async_trait]
impl SignOuts for MemoryStore {
    async fn sign_out(&self, shop: &ShopId, agent: &AgentId, at: Millis) -> Result<()> {
        let mut times = locked(&self.sign_outs);
        let time = times.entry((shop.clone(), agent.clone())).or_insert(at);
        *time = (*time).max(at);
        Ok(())
    }

    async fn signed_out_at(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<Millis>> {
        Ok(locked(&self.sign_outs)
            .get(&(shop.clone(), agent.clone()))
            .copied())
    }
}

#[cfg(test)]
crate::conformance::sign_outs::suite!(super::tests::backend);
