//! Qin's durable state behind one trait: conversations, per-conversation message logs with
//! gap-free `seq` and idempotent `cid`, agent status and persona-group availability.
//!
//! Three implementations mirror each other: [`MemoryStore`] (tests, and embedded mode without
//! a data directory), [`FileStore`] (embedded mode, kept in a local redb file) and
//! [`RedisStore`] (scale-out). All pass the same conformance suite (`conformance`, public
//! with the `conformance` feature so other crates can run it on their own setups).

use async_trait::async_trait;
use qin_proto::{
    AgentId, AgentStatus, ConvId, ConvState, GroupId, GroupLive, Message, MessageKind, Millis,
    Party, Phrase, ShopId, VisitorId,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod codec;
mod desk;
mod file_store;
mod memory;
mod phrases;
mod redis_store;
mod view;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use file_store::FileStore;
pub use memory::MemoryStore;
pub use phrases::PhraseSaved;
pub use redis_store::RedisStore;

/// A conversation's record: who, where it stands, who handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConvId,
    /// The shop it belongs to.
    pub shop: ShopId,
    /// The shopper who opened it (`role: shopper`, `id`: visitor id).
    pub shopper: Party,
    /// Persona group.
    pub group: GroupId,
    /// An agent the shopper asked for when opening it.
    #[serde(default)]
    pub requested_agent: Option<AgentId>,
    /// Where it stands.
    pub state: ConvState,
    /// The assigned agent.
    #[serde(default)]
    pub agent: Option<AgentId>,
    /// When it was opened.
    pub opened_at: Millis,
    /// When it was closed.
    #[serde(default)]
    pub closed_at: Option<Millis>,
    /// Tags the agent gave when closing it.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The shopper's rating, 1–5.
    #[serde(default)]
    pub rating: Option<u8>,
}

impl Conversation {
    /// The shopper's visitor id.
    pub fn visitor(&self) -> &str {
        &self.shopper.id
    }

    /// Whether the conversation is still going on.
    pub fn is_open(&self) -> bool {
        self.state != ConvState::Closed
    }
}

/// A message to append; the store assigns its `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The sender's client id; with `from.id` it identifies retries of the same send.
    pub cid: String,
    /// Sender.
    pub from: Party,
    /// Body kind.
    pub kind: MessageKind,
    /// Body.
    pub body: String,
    /// Time of the send, ms since the epoch.
    pub ts: Millis,
}

/// The result of an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The stored message (for a duplicate: the one stored the first time).
    pub message: Message,
    /// True when this `(from.id, cid)` was already stored and nothing new was written.
    pub duplicate: bool,
}

/// A bus payload to publish once a message is stored, written before the store gives the
/// message its `seq` (see [`qin_proto::unsequenced`] and [`Store::append_announced`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The bus topic, as given to the bus (without its prefix).
    pub topic: String,
    /// The payload, with [`SEQ_MARK`](qin_proto::unsequenced::SEQ_MARK) where the seq goes.
    pub payload: Vec<u8>,
}

impl Announcement {
    /// The `message` frame of `msg`, for every party of `conv`, on the conversation's topic.
    pub fn delivery(conv: &ConvId, msg: &NewMessage) -> Self {
        Self {
            topic: qin_proto::topic::conversation(conv),
            payload: qin_proto::unsequenced::message_delivery(msg.clone().into_message(conv, 0)),
        }
    }
}

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or failed; the caller may retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The conversation is closed; a closed conversation never reopens.
    #[error("conversation {0} is closed")]
    Closed(ConvId),
    /// The conversation does not exist.
    #[error("conversation {0} not found")]
    NotFound(ConvId),
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Result alias for store calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How many seconds a `(conversation, sender, cid)` stays deduplicated in Redis (the memory
/// store keeps it for the life of the process, the file store as long as the log).
pub const CID_TTL_SECS: u64 = 24 * 3600;

/// Durable state shared by every Qin process of a deployment.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates or overwrites a conversation and keeps the indexes (open conversations of the
    /// shop, of the shopper, of the agent) in line with it. A conversation stored as `closed`
    /// never reopens: saving it with any state but `closed` fails with [`StoreError::Closed`]
    /// (saving it as `closed` again, e.g. to add the shopper's rating, is allowed).
    async fn save_conversation(&self, conv: &Conversation) -> Result<()>;

    /// A conversation by id.
    async fn conversation(&self, id: &ConvId) -> Result<Option<Conversation>>;

    /// Open (not closed) conversations of a shop, oldest first by `opened_at` (ties by id).
    async fn open_conversations(&self, shop: &ShopId) -> Result<Vec<Conversation>>;

    /// Open conversations of one shopper in a shop, oldest first.
    async fn open_conversations_of_shopper(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>>;

    /// Open conversations assigned to one agent, oldest first.
    async fn open_conversations_of_agent(
        &self,
        shop: &ShopId,
        agent: &AgentId,
    ) -> Result<Vec<Conversation>>;

    /// Appends a message to a conversation's log atomically: the next gap-free `seq`
    /// (1, 2, 3, …), also when several processes append at once. A repeated
    /// `(from.id, cid)` within [`CID_TTL_SECS`] stores nothing and returns the original message
    /// (as first stored, whatever the retry carries) with `duplicate: true`. Fails with
    /// `NotFound` for an unknown conversation and `Closed` for a closed one, so a send needs
    /// no separate check that the chat is still going on. A retry of a message stored before
    /// the close still gets its original.
    async fn append(&self, conv: &ConvId, msg: NewMessage) -> Result<Appended>;

    /// [`Store::append`], and if the message is new, its `announce`ments published on the
    /// bus with its `seq` filled in. Returns whether the store published them itself: one
    /// that shares a Redis with the bus does so in the same atomic step as the append (so they
    /// go out in `seq` order, and a stored message is never left unannounced), in one round
    /// trip. Any other returns `false`, and the caller publishes them.
    async fn append_announced(
        &self,
        conv: &ConvId,
        msg: NewMessage,
        announce: &[Announcement],
    ) -> Result<(Appended, bool)> {
        let _ = announce;
        Ok((self.append(conv, msg).await?, false))
    }

    /// Up to `limit` messages with `seq > after`, ascending; empty for an unknown
    /// conversation.
    async fn messages_after(&self, conv: &ConvId, after: u64, limit: usize)
    -> Result<Vec<Message>>;

    /// The highest `seq` of a conversation's log (0 when empty or unknown).
    async fn last_seq(&self, conv: &ConvId) -> Result<u64>;

    /// Records an agent's status.
    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()>;

    /// Every recorded agent status of a shop (agents never recorded are absent: offline).
    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>>;

    /// Replaces the shop's live persona-group availability (written by the router).
    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()>;

    /// The shop's live persona-group availability as last written (empty if never).
    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>>;

    /// Checks the backend answers (for readiness).
    async fn ping(&self) -> Result<()>;

    /// Makes `visitor` a fan of `agent` in `shop` (kept across visits). Following again is a
    /// no-op; a shopper follows at most [`MAX_FOLLOWS`] agents (the oldest is dropped).
    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()>;

    /// Stops `visitor` following `agent` (no-op if they did not).
    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()>;

    /// The agents `visitor` follows in `shop`, in the order they were followed.
    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>>;

    /// Records that `agent` handled a chat of `visitor` at `at` (the latest call wins).
    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()>;

    /// The agent who last handled a chat of `visitor`, and when.
    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>>;

    /// Appends one routing decision (JSON text) to a conversation's routing record, keeping
    /// the last [`MAX_ROUTING_RECORDS`].
    async fn append_routing(&self, conv: &ConvId, record: &str) -> Result<()>;

    /// A conversation's routing record, oldest first (empty when unknown).
    async fn routing(&self, conv: &ConvId) -> Result<Vec<String>>;

    /// Queues a request (JSON text) for the shop's router, behind earlier ones.
    async fn push_request(&self, shop: &ShopId, request: &str) -> Result<()>;

    /// Up to `max` of the shop's oldest queued router requests, without removing them.
    async fn requests(&self, shop: &ShopId, max: usize) -> Result<Vec<String>>;

    /// Removes the `n` oldest queued router requests (once applied).
    async fn ack_requests(&self, shop: &ShopId, n: usize) -> Result<()>;

    /// Records the peak-day profile a supervisor switched to (`None`: follow the dates).
    async fn set_profile(&self, shop: &ShopId, profile: Option<&str>) -> Result<()>;

    /// The profile a supervisor switched to, if any.
    async fn profile(&self, shop: &ShopId) -> Result<Option<String>>;

    /// Takes or renews the lease `name` for `holder` for `ttl_ms`: true when `holder` holds it
    /// now (it was free, expired, or already theirs), false when another holder has it.
    /// A renewal restarts the term from now; terms past about a century are capped.
    async fn try_lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool>;

    /// Gives the lease up if `holder` holds it (so another can take it at once).
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;

    // Quick phrases (快捷短语): `owner` is `None` for the shop's own, shared by its agents,
    // or one agent's personal ones. The store keeps any text: checking shortcuts and text
    // (`qin_proto::phrase`) is the caller's.

    /// The owner's phrases, ordered by shortcut (by code point); empty when none.
    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>>;

    /// Stores `phrase` under its shortcut for the owner, replacing that shortcut's text if
    /// it exists. A new shortcut when the owner already has
    /// [`MAX_PHRASES`](qin_proto::MAX_PHRASES) stores nothing and returns
    /// [`PhraseSaved::Full`]; the check and the write are one atomic step.
    async fn set_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        phrase: &Phrase,
    ) -> Result<PhraseSaved>;

    /// Removes the owner's phrase `shortcut`; true when there was one.
    async fn delete_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        shortcut: &str,
    ) -> Result<bool>;

    // Agents' personal auto-replies (Qianniu's 自动回复), set from the console and sent by the
    // auto-reply service while the agent is busy or away.

    /// Sets (`Some`) or clears (`None`) the agent's personal auto-reply.
    async fn set_agent_auto_reply(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        text: Option<&str>,
    ) -> Result<()>;

    /// The agent's personal auto-reply, if set.
    async fn agent_auto_reply(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<String>>;
}

/// Most agents one shopper follows in a shop.
pub const MAX_FOLLOWS: usize = 20;

/// Most routing decisions kept per conversation.
pub const MAX_ROUTING_RECORDS: usize = 100;
