//! Customers in Redis: a sorted set per (shop, shopper) of her chats, scored by when each was
//! opened (`ZADD NX` notes a chat once), and a list of her notes, JSON, appended with `RPUSH`
//! and trimmed to [`MAX_CUSTOMER_NOTES`] in one transaction (a note the trim removes was over
//! the limit: the caller hears `false`).

use super::RedisStore;
use super::replies::map_redis_error;
use crate::codec::{decode_json, encode_json};
use crate::customers::{CustomerNote, MAX_CUSTOMER_NOTES, newest};
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
        // Newest `limit` by score (ties broken in `newest`, like the other backends).
        let raw: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(self.keys.customer_chats(shop, visitor.as_str()))
            .arg(0)
            .arg(-1)
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
        let (len,): (usize,) = redis::pipe()
            .atomic()
            .cmd("RPUSH")
            .arg(&key)
            .arg(encode_json("customer note", note)?)
            .cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(MAX_CUSTOMER_NOTES - 1)
            .ignore()
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(len <= MAX_CUSTOMER_NOTES)
    }

    async fn customer_notes(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<CustomerNote>> {
        let raw: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(self.keys.customer_notes(shop, visitor.as_str()))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.iter()
            .map(|r| decode_json("customer note", r))
            .collect()
    }
}

#[cfg(test)]
crate::conformance::customers::suite!(super::tests::backend);
