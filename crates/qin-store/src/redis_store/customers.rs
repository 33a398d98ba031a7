//! Customers in Redis: a sorted set per (shop, shopper) of her chats, scored by when each was
//! opened (`ZADD NX` notes a chat once; the newest read by score), and a list of her notes,
//! JSON, kept up to [`MAX_CUSTOMER_NOTES`] (`lists.rs`).

use super::RedisStore;
use super::replies::map_redis_error;
use crate::customers::{CustomerNote, MAX_CUSTOMER_CHATS, MAX_CUSTOMER_NOTES, newest};
use crate::{Customers, Result, StoreError};
use async_trait::async_trait;
use qin_proto::{ConvId, Millis, ShopId, VisitorId};

#[async_trait]
impl Customers for RedisStore {
    async fn note_chat(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        conv: &ConvId,
        opened_at: Millis,
    ) -> Result<()> {
        redis::cmd("ZADD")
            .arg(self.keys.customer_chats(shop, visitor.as_str()))
            .arg("NX")
            .arg(opened_at)
            .arg(conv.as_str())
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn chats_of(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        limit: usize,
    ) -> Result<Vec<ConvId>> {
        // The newest `limit` by score (ties: by id, descending, as `newest` orders them).
        let raw: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(self.keys.customer_chats(shop, visitor.as_str()))
            .arg("+inf")
            .arg("-inf")
            .arg("BYSCORE")
            .arg("REV")
            .arg("LIMIT")
            .arg(0)
            .arg(limit.min(MAX_CUSTOMER_CHATS))
            .arg("WITHSCORES")
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        let chats = raw
            .into_iter()
            .map(|(id, score)| {
                let conv = ConvId::parse(id)
                    .ok_or_else(|| StoreError::Corrupt("customer: bad conversation id".into()))?;
                #[allow(clippy::cast_possible_truncation)] // scores are whole ms from note_chat
                Ok((score as Millis, conv))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(newest(chats, limit))
    }

    async fn add_customer_note(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        note: &CustomerNote,
    ) -> Result<bool> {
        let key = self.keys.customer_notes(shop, visitor.as_str());
        self.push_unless_full(&key, "customer note", note, MAX_CUSTOMER_NOTES)
            .await
    }

    async fn customer_notes(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<CustomerNote>> {
        let key = self.keys.customer_notes(shop, visitor.as_str());
        self.json_list(&key, "customer note").await
    }
}

#[cfg(test)]
crate::conformance::customers::suite!(super::tests::backend);
