//! The Redis store of scale-out mode, shared by every gateway, router and auto-reply worker.
//!
//! One [`ConnectionManager`] (a multiplexed connection that reconnects by itself) carries every
//! call; connecting, reconnecting and each reply are bounded by timeouts, so a Redis that is
//! down or unreachable yields [`StoreError::Unavailable`] within seconds instead of a hang.
//!
//! Each part of the [`Store`] is implemented in its own file (`conversations.rs`,
//! `presence.rs`, `fans.rs`, `routing.rs`, `leases.rs`, `phrases.rs`, `sign_outs.rs`, `notes.rs`, `customers.rs`, `complaints.rs`); `keys.rs` names every
//! key below, `scripts.rs` holds the Lua scripts, `replies.rs` reads replies and errors.
//!
//! # Key layout
//!
//! `P` is the key prefix given to [`RedisStore::connect`] (e.g. `qin:`; it must not contain
//! `{` or `}`, which would take over the hash tags).
//!
//! | key | type | holds |
//! |---|---|---|
//! | `P conv:{<conv>}` | string | the [`Conversation`](crate::Conversation) as JSON |
//! | `P conv:{<conv>}:log` | stream | one entry per message, ID `<seq>-0`, field `m` = JSON of `{cid, from, kind, body, ts}` |
//! | `P conv:{<conv>}:cid:<len(from.id)>:<from.id>:<cid>` | string, `EX` [`CID_TTL_SECS`](crate::CID_TTL_SECS) | seq of the message first sent with that cid |
//! | `P shop:{<shop>}:open` | sorted set | ids of the shop's open conversations, score `opened_at` |
//! | `P shop:{<shop>}:shopper:<visitor>` | sorted set | the same, of one shopper |
//! | `P shop:{<shop>}:agent:<agent>` | sorted set | the same, assigned to one agent |
//! | `P shop:{<shop>}:agents` | hash | agent id → status (`online`, `busy`, `away`, `offline`) |
//! | `P shop:{<shop>}:groups` | string | the shop's [`GroupLive`](qin_proto::GroupLive) list as JSON |
//! | `P shop:{<shop>}:fans:<visitor>` | list | agents the shopper follows, oldest first (at most [`MAX_FOLLOWS`](crate::MAX_FOLLOWS)) |
//! | `P shop:{<shop>}:last:<visitor>` | hash | `agent`, `at`: who last handled the shopper's chat |
//! | `P shop:{<shop>}:requests` | list | the router's request inbox, JSON, oldest first |
//! | `P shop:{<shop>}:profile` | string | the supervisor's peak-day profile choice |
//! | `P shop:{<shop>}:auto_replies` | hash | agent id → that agent's personal auto-reply |
//! | `P conv:{<conv>}:complaint` | string | the chat's complaint record, JSON |
//! | `P conv:{<conv>}:notes` | list | staff's private notes, JSON `{after_seq, text, from, ts}`, oldest first (at most [`MAX_NOTES`](crate::MAX_NOTES)) |
//! | `P conv:{<conv>}:routing` | list | the conversation's routing records, JSON (the last [`MAX_ROUTING_RECORDS`](crate::MAX_ROUTING_RECORDS)) |
//! | `P lease:{<name>}` | string, `PX` | who holds a lease (e.g. `router:<shop>`) |
//! | `P shop:{<shop>}:phrases` | hash | the shop's quick phrases: shortcut → text (at most [`MAX_PHRASES`](qin_proto::MAX_PHRASES)) |
//! | `P shop:{<shop>}:phrases:<agent>` | hash | one agent's quick phrases, the same way |
//! | `P shop:{<shop>}:customer:<visitor>:chats` | sorted set | the chats the shopper opened, scored by when (ms; `ZADD NX`) |
//! | `P shop:{<shop>}:customer:<visitor>:notes` | list | staff notes about the shopper, JSON `{text, by, at}`, oldest first (at most [`MAX_CUSTOMER_NOTES`](crate::MAX_CUSTOMER_NOTES)) |
//! | `P shop:{<shop>}:sign_outs` | sorted set | agent id, scored by when she was last signed out (ms; `ZADD GT` keeps the latest) |
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
mod acl_tests;
#[cfg(test)]
mod announce_tests;
mod complaints;
mod conversations;
mod customers;
#[cfg(test)]
mod desk_tests;
mod fans;
mod keys;
mod leases;
mod lists;
mod notes;
#[cfg(test)]
mod phrase_tests;
mod phrases;
mod presence;
mod replies;
mod routing;
mod scripts;
mod sign_outs;
#[cfg(test)]
mod tests;

use crate::{Result, Store, StoreError};
use async_trait::async_trait;
use keys::Keys;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use replies::map_redis_error;
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

/// Whatever goes wrong while connecting (bad URL, refused, timed out, refused login or
/// certificate, or a peer that does not speak Redis, which the client reports as a parse
/// error) means no usable Redis. The client's errors never echo the URL or its password.
fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl RedisStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379`) and keeps every key under
    /// `key_prefix`. Fails fast with [`StoreError::Unavailable`] if Redis cannot be reached
    /// within a few seconds; once connected, lost connections are re-established on use.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<Self> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        Self::connect_client(client, key_prefix).await
    }

    /// [`RedisStore::connect`] through `client`, e.g. one built with TLS roots of its own
    /// (`redis::Client::build_with_tls`).
    pub async fn connect_client(client: redis::Client, key_prefix: &str) -> Result<Self> {
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

    /// A handle for one call: commands take `&mut`, and clones share the connection.
    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn ping(&self) -> Result<()> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(())
    }
}

#[cfg(test)]
crate::conformance::store::suite!(tests::backend);
