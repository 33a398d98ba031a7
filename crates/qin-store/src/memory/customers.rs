//! Customers in memory: the chats of each (shop, shopper).

use super::{MemoryStore, locked};
use crate::customers::newest;
use crate::{Customers, Result};
use async_trait::async_trait;
use qin_proto::{ConvId, Millis, ShopId, VisitorId};

#[async_trait]
impl Customers for MemoryStore {
    async fn note_chat(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        conv: &ConvId,
        opened_at: Millis,
    ) -> Result<()> {
        let mut customers = locked(&self.customers);
        let chats = customers
            .entry((shop.clone(), visitor.clone()))
            .or_default();
        if !chats.iter().any(|(_, c)| c == conv) {
            chats.push((opened_at, conv.clone()));
        }
        Ok(())
    }

    async fn chats_of(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        limit: usize,
    ) -> Result<Vec<ConvId>> {
        let customers = locked(&self.customers);
        let chats = customers
            .get(&(shop.clone(), visitor.clone()))
            .cloned()
            .unwrap_or_default();
        Ok(newest(chats, limit))
    }
}

#[cfg(test)]
crate::conformance::customers::suite!(super::tests::backend);
