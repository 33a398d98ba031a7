//! Conversations and their message logs: the records, their open indexes, and each one's log
//! with gap-free `seq` and idempotent `cid`.

use crate::{Announcement, Appended, Conversation, NewMessage, Result};
use async_trait::async_trait;
use qin_proto::{AgentId, ConvId, Message, ShopId, VisitorId};

/// How many seconds a `(conversation, sender, cid)` stays deduplicated in Redis (the memory
/// store keeps it for the life of the process, the file store as long as the log).
pub const CID_TTL_SECS: u64 = 24 * 3600;

/// Conversation records, the open-conversation indexes, and the message logs.
#[async_trait]
pub trait Conversations: Send + Sync {
    /// Creates or overwrites a conversation and keeps the indexes (open conversations of the
    /// shop, of the shopper, of the agent) in line with it. A conversation stored as `closed`
    /// never reopens: saving it with any state but `closed` fails with
    /// [`StoreError::Closed`](crate::StoreError::Closed) (saving it as `closed` again, e.g. to
    /// add the shopper's rating, is allowed).
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

    /// [`Conversations::append`], and if the message is new, its `announce`ments published on
    /// the bus with its `seq` filled in. Returns whether the store published them itself: one
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
}
