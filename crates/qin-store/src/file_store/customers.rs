//! Customers in the file store, in the `desk` table: `customer/<shop>/<visitor>`, the list
//! of `(opened_at, conv)` of her chats, and `customer-notes/<shop>/<visitor>`, her notes.

use super::{FileStore, desk};
use crate::capped::push_unless_full;
use crate::customers::{CustomerNote, MAX_CUSTOMER_NOTES, newest};
use crate::{Customers, Result};
use async_trait::async_trait;
use qin_proto::{ConvId, Millis, ShopId, VisitorId};

#[async_trait]
impl Customers for FileStore {
    async fn note_chat(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        conv: &ConvId,
        opened_at: Millis,
    ) -> Result<()> {
        let key = format!("customer/{shop}/{visitor}");
        let conv = conv.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |chats: &mut Vec<(Millis, ConvId)>| {
                if !chats.iter().any(|(_, c)| *c == conv) {
                    chats.push((opened_at, conv));
                }
            })
        })
        .await
    }

    async fn chats_of(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        limit: usize,
    ) -> Result<Vec<ConvId>> {
        let key = format!("customer/{shop}/{visitor}");
        let chats = self
            .read(move |txn| Ok(desk::get::<Vec<(Millis, ConvId)>>(txn, &key)?.unwrap_or_default()))
            .await?;
        Ok(newest(chats, limit))
    }

    async fn add_customer_note(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        note: &CustomerNote,
    ) -> Result<bool> {
        let key = format!("customer-notes/{shop}/{visitor}");
        let note = note.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |notes: &mut Vec<CustomerNote>| {
                push_unless_full(notes, note, MAX_CUSTOMER_NOTES)
            })
        })
        .await
    }

    async fn customer_notes(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<CustomerNote>> {
        let key = format!("customer-notes/{shop}/{visitor}");
        self.read(move |txn| Ok(desk::get::<Vec<CustomerNote>>(txn, &key)?.unwrap_or_default()))
            .await
    }
}

#[cfg(test)]
crate::conformance::customers::suite!(super::tests::backend);
