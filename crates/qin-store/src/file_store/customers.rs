//! Customers in the file store: `customer/<shop>/<visitor>` in the `desk` table, the list of
//! `(opened_at, conv)` of her chats.

use super::{FileStore, desk};
use crate::customers::newest;
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
}

#[cfg(test)]
crate::conformance::customers::suite!(super::tests::backend);
