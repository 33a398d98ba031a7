//! Customers in memory: the chats of each (shop, shopper).

use super::{MemoryStore, locked};
use crate::capped::push_unless_full;
use crate::customers::{CustomerNote, MAX_CUSTOMER_NOTES, newest};
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

    async fn add_customer_note(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        note: &CustomerNote,
    ) -> Result<bool> {
        let mut notes = locked(&self.customer_notes);
        let kept = notes.entry((shop.clone(), visitor.clone())).or_default();
        Ok(push_unless_full(kept, note.clone(), MAX_CUSTOMER_NOTES))
    }

    async fn customer_notes(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<CustomerNote>> {
        let notes = locked(&self.customer_notes);
        Ok(notes
            .get(&(shop.clone(), visitor.clone()))
            .cloned()
            .unwrap_or_default())
    }
}

#[cfg(test)]
crate::conformance::customers::suite!(super::tests::backend);
