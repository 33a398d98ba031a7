//! The Redis store of scale-out mode, shared by every gateway, router and auto-reply worker.
//!
//! One [`ConnectionManager`] (a multiplexed connection that reconnects by itself) carries every
//! call; connecting, reconnecting and each reply are bounded by timeouts, so a Redis that is
//! down or unreachable yields [`StoreError::Unavailable`] within seconds instead of a hang.
//!
//! # Key layout
//!
//! `P` is the key prefix given to [`RedisStore::connect`] (e.g. `qin:`; it must not contain
//! `{` or `}`, which would take over the hash tags).
//!
//! | key | type | holds |
//! |---|---|---|
//! | `P conv:{<conv>}` | string | the [`Conversation`] as JSON |
//! | `P conv:{<conv>}:log` | stream | one entry per message, ID `<seq>-0`, field `m` = JSON of `{cid, from, kind, body, ts}` |
//! | `P conv:{<conv>}:cid:<len(from.id)>:<from.id>:<cid>` | string, `EX` [`CID_TTL_SECS`] | seq of the message first sent with that cid |
//! | `P shop:{<shop>}:open` | sorted set | ids of the shop's open conversations, score `opened_at` |
//! | `P shop:{<shop>}:shopper:<visitor>` | sorted set | the same, of one shopper |
//! | `P shop:{<shop>}:agent:<agent>` | sorted set | the same, assigned to one agent |
//! | `P shop:{<shop>}:agents` | hash | agent id → status (`online`, `busy`, `away`, `offline`) |
//! | `P shop:{<shop>}:groups` | string | the shop's [`GroupLive`] list as JSON |
//! | `P shop:{<shop>}:fans:<visitor>` | list | agents the shopper follows, oldest first (at most [`MAX_FOLLOWS`](crate::MAX_FOLLOWS)) |
//! | `P shop:{<shop>}:last:<visitor>` | hash | `agent`, `at`: who last handled the shopper's chat |
//! | `P shop:{<shop>}:requests` | list | the router's request inbox, JSON, oldest first |
//! | `P shop:{<shop>}:profile` | string | the supervisor's peak-day profile choice |
//! | `P shop:{<shop>}:auto_replies` | hash | agent id → that agent's personal auto-reply |
//! | `P conv:{<conv>}:routing` | list | the conversation's routing records, JSON (the last [`MAX_ROUTING_RECORDS`](crate::MAX_ROUTING_RECORDS)) |
//! | `P lease:{<name>}` | string, `PX` | who holds a lease (e.g. `router:<shop>`) |
//! | `P shop:{<shop>}:phrases` | hash | the shop's quick phrases: shortcut → text (at most [`MAX_PHRASES`](qin_proto::MAX_PHRASES)) |
//! | `P shop:{<shop>}:phrases:<agent>` | hash | one agent's quick phrases, the same way |
//!
//! Why these shapes:
//! - The log is a stream with explicit IDs: `XRANGE` pages by seq directly, entries cannot be
//!   edited in place, and Redis refuses an ID that does not grow, a last guard for gap-free seq.
//! - Sorted sets order the open conversations by `opened_at` (ties by id), oldest first.
//! - Hash tags: a conversation's record, log and cid keys share the `{<conv>}` slot, so the
//!   append script stays single-slot on Redis Cluster. A shop's keys share `{<shop>}`. The save
//!   script touches both slots (record and shop indexes), which standalone Redis and Sentinel
//!   run atomically; on Cluster it would be split into a record step and an index step, which
//!   the readers already tolerate: they keep only indexed records that are open and match.

#[cfg(test)]
mod announce_tests;
#[cfg(test)]
mod desk_tests;
mod keys;
#[cfg(test)]
mod phrase_tests;
mod phrases;
mod replies;
mod scripts;
#[cfg(test)]
mod tests;

use crate::codec::{decode_json, decode_message, encode_json, encode_message};
use crate::desk::MAX_LEASE_TTL_MS;
use crate::{
    Announcement, Appended, CID_TTL_SECS, Conversation, MAX_FOLLOWS, MAX_ROUTING_RECORDS,
    NewMessage, PhraseSaved, Result, Store, StoreError,
};
use async_trait::async_trait;
use keys::Keys;
use qin_proto::{
    AgentId, AgentStatus, ConvId, GroupLive, Message, Millis, Phrase, ShopId, VisitorId,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::StreamRangeReply;
use replies::map_redis_error;
use std::collections::HashMap;
use std::time::Duration;

/// How long one attempt to open a connection may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one reply may take. Generous against fsync-always AOF under load, short enough
/// that a caller learns of a hung server quickly.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);
/// Extra connection attempts after the first fails; each failing call starts a fresh
/// reconnect, so retrying longer here would only make callers wait.
const RECONNECT_RETRIES: usize = 1;
/// Longest pause between connection attempts.
const MAX_RECONNECT_DELAY: Duration = Duration::from_millis(500);
/// Records fetched per `MGET` when listing open conversations, so that one busy shop on
/// Double Eleven does not become one huge command that stalls Redis.
const MGET_CHUNK: usize = 500;

/// Qin's state in Redis. Cheap to clone: clones share one multiplexed connection.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    keys: Keys,
    /// The bus's channel prefix when the bus is on this same Redis: then appends publish
    /// their announcements themselves (see [`RedisStore::announcing_on`]).
    bus_prefix: Option<String>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.keys.prefix())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379`) and keeps every key under
    /// `key_prefix`. Fails fast with [`StoreError::Unavailable`] if Redis cannot be reached
    /// within a few seconds; once connected, lost connections are re-established on use.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<Self> {
        // Whatever goes wrong here (bad URL, refused, timed out, or a peer that does not
        // speak Redis, which the client reports as a parse error) means no usable Redis.
        let unavailable = |e: redis::RedisError| StoreError::Unavailable(e.to_string());
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_max_delay(MAX_RECONNECT_DELAY);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(unavailable)?;
        Ok(Self::from_manager(conn, key_prefix))
    }

    /// A store over an existing connection manager (e.g. one shared with other users of the
    /// same Redis). Its timeouts are the caller's choice.
    pub fn from_manager(conn: ConnectionManager, key_prefix: &str) -> Self {
        Self {
            conn,
            keys: Keys::new(key_prefix),
            bus_prefix: None,
        }
    }

    /// This store, publishing the announcements of its appends itself, on the channels of a
    /// bus with `bus_prefix` on the same Redis server (`qin_bus::RedisBus::prefix`): each
    /// message is then stored and announced by one script, in one round trip.
    pub fn announcing_on(mut self, bus_prefix: &str) -> Self {
        self.bus_prefix = Some(bus_prefix.to_owned());
        self
    }

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

    /// A handle for one call: commands take `&mut`, and clones share the connection.
    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
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
                let seq = replies::seq_of_entry_id(conv, &entry.id)?;
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
impl Store for RedisStore {
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

    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()> {
        let status = match serde_json::to_value(status) {
            Ok(serde_json::Value::String(name)) => name,
            other => return Err(StoreError::Corrupt(format!("agent status as {other:?}"))),
        };
        redis::cmd("HSET")
            .arg(self.keys.agent_statuses(shop))
            .arg(agent.as_str())
            .arg(status)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>> {
        let raw: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.agent_statuses(shop))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.into_iter()
            .map(|(agent, status)| {
                let id = AgentId::parse(agent.as_str())
                    .ok_or_else(|| StoreError::Corrupt(format!("agent id {agent:?}")))?;
                let status = serde_json::from_value(serde_json::Value::String(status))
                    .map_err(|e| StoreError::Corrupt(format!("status of {agent}: {e}")))?;
                Ok((id, status))
            })
            .collect()
    }

    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()> {
        redis::cmd("SET")
            .arg(self.keys.groups_live(shop))
            .arg(encode_json("groups", groups)?)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>> {
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.keys.groups_live(shop))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.map_or_else(|| Ok(Vec::new()), |raw| decode_json("groups", &raw))
    }

    async fn ping(&self) -> Result<()> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(())
    }

    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let _: i64 = scripts::FOLLOW
            .key(self.keys.follows(shop, visitor.as_str()))
            .arg(agent.as_str())
            .arg(MAX_FOLLOWS)
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(())
    }

    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        redis::cmd("LREM")
            .arg(self.keys.follows(shop, visitor.as_str()))
            .arg(0)
            .arg(agent.as_str())
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>> {
        let ids: Vec<String> = redis::cmd("LRANGE")
            .arg(self.keys.follows(shop, visitor.as_str()))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        ids.into_iter().map(|id| stored_agent("fans", id)).collect()
    }

    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()> {
        redis::cmd("HSET")
            .arg(self.keys.last_agent(shop, visitor.as_str()))
            .arg("agent")
            .arg(agent.as_str())
            .arg("at")
            .arg(at)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>> {
        let (agent, at): (Option<String>, Option<Millis>) = redis::cmd("HMGET")
            .arg(self.keys.last_agent(shop, visitor.as_str()))
            .arg("agent")
            .arg("at")
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        match (agent, at) {
            (Some(agent), Some(at)) => Ok(Some((stored_agent("last agent", agent)?, at))),
            (None, None) => Ok(None),
            _ => Err(StoreError::Corrupt("last agent: half a record".into())),
        }
    }

    async fn append_routing(&self, conv: &ConvId, record: &str) -> Result<()> {
        let key = self.keys.routing(conv);
        let keep = i64::try_from(MAX_ROUTING_RECORDS).unwrap_or(i64::MAX);
        redis::pipe()
            .atomic()
            .cmd("RPUSH")
            .arg(&key)
            .arg(record)
            .ignore()
            .cmd("LTRIM")
            .arg(&key)
            .arg(-keep)
            .arg(-1)
            .ignore()
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn routing(&self, conv: &ConvId) -> Result<Vec<String>> {
        redis::cmd("LRANGE")
            .arg(self.keys.routing(conv))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn push_request(&self, shop: &ShopId, request: &str) -> Result<()> {
        redis::cmd("RPUSH")
            .arg(self.keys.requests(shop))
            .arg(request)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn requests(&self, shop: &ShopId, max: usize) -> Result<Vec<String>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        redis::cmd("LRANGE")
            .arg(self.keys.requests(shop))
            .arg(0)
            .arg(i64::try_from(max).unwrap_or(i64::MAX) - 1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn ack_requests(&self, shop: &ShopId, n: usize) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        redis::cmd("LTRIM")
            .arg(self.keys.requests(shop))
            .arg(i64::try_from(n).unwrap_or(i64::MAX))
            .arg(-1)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn set_profile(&self, shop: &ShopId, profile: Option<&str>) -> Result<()> {
        let key = self.keys.profile(shop);
        let cmd = match profile {
            Some(p) => {
                let mut c = redis::cmd("SET");
                c.arg(&key).arg(p);
                c
            }
            None => {
                let mut c = redis::cmd("DEL");
                c.arg(&key);
                c
            }
        };
        cmd.exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn profile(&self, shop: &ShopId) -> Result<Option<String>> {
        redis::cmd("GET")
            .arg(self.keys.profile(shop))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn try_lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool> {
        let held: i64 = scripts::TAKE_LEASE
            .key(self.keys.lease(name))
            .arg(holder)
            // PX takes 1 ms at least; the cap keeps it in Redis's range.
            .arg(ttl_ms.clamp(1, MAX_LEASE_TTL_MS))
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(held == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let _: i64 = scripts::RELEASE_LEASE
            .key(self.keys.lease(name))
            .arg(holder)
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(())
    }

    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>> {
        self.list_phrases(shop, owner).await
    }

    async fn set_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        phrase: &Phrase,
    ) -> Result<PhraseSaved> {
        self.save_phrase(shop, owner, phrase).await
    }

    async fn delete_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        shortcut: &str,
    ) -> Result<bool> {
        self.remove_phrase(shop, owner, shortcut).await
    }

    async fn set_agent_auto_reply(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        text: Option<&str>,
    ) -> Result<()> {
        let mut cmd = redis::cmd(if text.is_some() { "HSET" } else { "HDEL" });
        cmd.arg(self.keys.auto_replies(shop)).arg(agent.as_str());
        if let Some(text) = text {
            cmd.arg(text);
        }
        cmd.exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn agent_auto_reply(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<String>> {
        redis::cmd("HGET")
            .arg(self.keys.auto_replies(shop))
            .arg(agent.as_str())
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }
}

/// An agent id read back from Redis, or `Corrupt` naming where it was.
fn stored_agent(what: &str, id: String) -> Result<AgentId> {
    AgentId::parse(id.as_str())
        .ok_or_else(|| StoreError::Corrupt(format!("{what}: agent id {id:?}")))
}
