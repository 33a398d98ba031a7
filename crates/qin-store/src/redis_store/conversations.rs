//! Conversations and their logs in Redis: the record strings, the open-index sorted sets and
//! the log streams. A save and an append are one script each (`scripts.rs`); an append that
//! announces itself publishes in that same script, so a send is one round trip.

use super::replies::{map_redis_error, seq_of_entry_id};
use super::{RedisStore, scripts};
use crate::codec::{decode_json, decode_message, encode_json, encode_message};
use crate::{
    Announcement, Appended, CID_TTL_SECS, Conversation, Conversations, NewMessage, Result,
    StoreError,
};
use async_trait::async_trait;
use qin_proto::{AgentId, ConvId, Message, ShopId, VisitorId};
use redis::streams::StreamRangeReply;

/// Records fetched per `MGET` when listing open conversations, so that one busy shop on
/// Double Eleven does not become one huge command that stalls Redis.
const MGET_CHUNK: usize = 500;

impl RedisStore {
    /// Appends `msg`, publishing each `(channel, payload)` with the seq filled in if it is new.
    async fn append_publishing(
        &self,
        conv: &ConvId,
        msg: NewMessage,
        publish: &[(String, &[u8])],
    ) -> Result<Appended> {
        let json = encode_message(&msg)?;
        let mut call = scripts::APPEND.prepare_invoke();
        call.key(self.keys.conv(conv))
            .key(self.keys.log(conv))
            .key(self.keys.cid(conv, &msg.from.id, &msg.cid))
            .arg(json)
            .arg(CID_TTL_SECS);
        for (channel, payload) in publish {
            call.arg(channel).arg(*payload);
        }
        let (status, seq, original): (String, u64, Vec<u8>) = call
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        match status.as_str() {
            "ok" => Ok(Appended {
                message: msg.into_message(conv, seq),
                duplicate: false,
            }),
            "dup" => Ok(Appended {
                message: decode_message(conv, seq, &original)?,
                duplicate: true,
            }),
            "missing" => Err(StoreError::NotFound(conv.clone())),
            "closed" => Err(StoreError::Closed(conv.clone())),
            "lost" => Err(StoreError::Corrupt(format!(
                "{conv}: cid of seq {seq} has no message"
            ))),
            other => Err(StoreError::Corrupt(format!("append script said {other:?}"))),
        }
    }

    /// The records listed by an open index that are open and pass `keep`. Entries whose record
    /// is gone, closed or moved elsewhere are skipped, so an index lagging its records (a
    /// Cluster split of the save step) never shows a conversation where it no longer belongs.
    async fn open_listed(
        &self,
        index: String,
        keep: impl Fn(&Conversation) -> bool + Send,
    ) -> Result<Vec<Conversation>> {
        let mut conn = self.conn();
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(&index)
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .map_err(map_redis_error)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut record_keys = Vec::with_capacity(ids.len());
        for id in &ids {
            let conv = ConvId::parse(id.as_str())
                .ok_or_else(|| StoreError::Corrupt(format!("{index}: bad conversation id")))?;
            record_keys.push(self.keys.conv(&conv));
        }
        let mut pipe = redis::pipe();
        for chunk in record_keys.chunks(MGET_CHUNK) {
            pipe.cmd("MGET").arg(chunk);
        }
        let replies: Vec<Vec<Option<Vec<u8>>>> =
            pipe.query_async(&mut conn).await.map_err(map_redis_error)?;
        let mut convs = Vec::with_capacity(ids.len());
        for raw in replies.into_iter().flatten().flatten() {
            let conv: Conversation = decode_json("conversation", &raw)?;
            if conv.is_open() && keep(&conv) {
                convs.push(conv);
            }
        }
        Ok(convs)
    }

    /// Reads one page of a log with `XRANGE`/`XREVRANGE` arguments.
    async fn log_range(&self, conv: &ConvId, cmd: &redis::Cmd) -> Result<Vec<Message>> {
        let reply: StreamRangeReply = cmd
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        reply
            .ids
            .iter()
            .map(|entry| {
                let seq = seq_of_entry_id(conv, &entry.id)?;
                match entry.map.get("m") {
                    Some(redis::Value::BulkString(json)) => decode_message(conv, seq, json),
                    _ => Err(StoreError::Corrupt(format!(
                        "message {conv}/{seq}: no body"
                    ))),
                }
            })
            .collect()
    }
}

#[async_trait]
impl Conversations for RedisStore {
    async fn save_conversation(&self, conv: &Conversation) -> Result<()> {
        let json = encode_json("conversation", conv)?;
        let mut call = scripts::SAVE_CONVERSATION.prepare_invoke();
        call.key(self.keys.conv(&conv.id))
            .key(self.keys.open(&conv.shop))
            .key(self.keys.open_of_shopper(&conv.shop, conv.visitor()));
        if let Some(agent) = &conv.agent {
            call.key(self.keys.open_of_agent(&conv.shop, agent));
        }
        call.arg(json)
            .arg(conv.id.as_str())
            .arg(conv.opened_at)
            .arg(if conv.is_open() { "1" } else { "0" })
            .arg(self.keys.prefix());
        let status: String = call
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        match status.as_str() {
            "ok" => Ok(()),
            "closed" => Err(StoreError::Closed(conv.id.clone())),
            "corrupt" => Err(StoreError::Corrupt(format!(
                "stored conversation {} is not readable",
                conv.id
            ))),
            other => Err(StoreError::Corrupt(format!("save script said {other:?}"))),
        }
    }

    async fn conversation(&self, id: &ConvId) -> Result<Option<Conversation>> {
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.keys.conv(id))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.map(|raw| decode_json("conversation", &raw)).transpose()
    }

    async fn open_conversations(&self, shop: &ShopId) -> Result<Vec<Conversation>> {
        self.open_listed(self.keys.open(shop), |c| c.shop == *shop)
            .await
    }

    async fn open_conversations_of_shopper(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>> {
        let index = self.keys.open_of_shopper(shop, visitor.as_str());
        self.open_listed(index, |c| {
            c.shop == *shop && c.visitor() == visitor.as_str()
        })
        .await
    }

    async fn open_conversations_of_agent(
        &self,
        shop: &ShopId,
        agent: &AgentId,
    ) -> Result<Vec<Conversation>> {
        let index = self.keys.open_of_agent(shop, agent);
        self.open_listed(index, |c| {
            c.shop == *shop && c.agent.as_ref() == Some(agent)
        })
        .await
    }

    async fn append(&self, conv: &ConvId, msg: NewMessage) -> Result<Appended> {
        self.append_publishing(conv, msg, &[]).await
    }

    async fn append_announced(
        &self,
        conv: &ConvId,
        msg: NewMessage,
        announce: &[Announcement],
    ) -> Result<(Appended, bool)> {
        match &self.bus_prefix {
            Some(prefix) => {
                let channels: Vec<_> = announce
                    .iter()
                    .map(|a| (format!("{prefix}{}", a.topic), a.payload.as_slice()))
                    .collect();
                Ok((self.append_publishing(conv, msg, &channels).await?, true))
            }
            None => Ok((self.append(conv, msg).await?, false)),
        }
    }

    async fn messages_after(
        &self,
        conv: &ConvId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Message>> {
        // Asking for nothing (or for seqs past the largest possible) needs no round trip.
        let Some(first) = after.checked_add(1).filter(|_| limit > 0) else {
            return Ok(Vec::new());
        };
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(self.keys.log(conv))
            .arg(format!("{first}-0"))
            .arg("+")
            .arg("COUNT")
            // Redis reads COUNT as a signed 64-bit number.
            .arg(limit.min(i64::MAX as usize));
        self.log_range(conv, &cmd).await
    }

    async fn last_seq(&self, conv: &ConvId) -> Result<u64> {
        let mut cmd = redis::cmd("XREVRANGE");
        cmd.arg(self.keys.log(conv))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1);
        Ok(self
            .log_range(conv, &cmd)
            .await?
            .first()
            .map_or(0, |m| m.seq))
    }
}

#[cfg(test)]
crate::conformance::conversations::suite!(super::tests::backend);
