//! Agents' prepared texts: quick phrases (快捷短语), the shop's own shared by its agents or one
//! agent's personal ones, and agents' personal auto-replies (Qianniu's 自动回复), set from the
//! console and sent by the auto-reply service while the agent is busy or away.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{AgentId, MAX_PHRASES, Phrase, ShopId};

/// What [`Phrases::set_phrase`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhraseSaved {
    /// A new shortcut was stored.
    Added,
    /// The shortcut existed; its text was replaced.
    Replaced,
    /// The owner already has [`MAX_PHRASES`] and the shortcut is new: nothing was stored.
    Full,
}

/// Quick phrases and personal auto-replies.
///
/// For phrases, `owner` is `None` for the shop's own, shared by its agents, or one agent's
/// personal ones. The store keeps any text: checking shortcuts and text (`qin_proto::phrase`)
/// is the caller's.
#[async_trait]
pub trait Phrases: Send + Sync {
    /// The owner's phrases, ordered by shortcut (by code point); empty when none.
    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>>;

    /// Stores `phrase` under its shortcut for the owner, replacing that shortcut's text if
    /// it exists. A new shortcut when the owner already has [`MAX_PHRASES`] stores nothing and
    /// returns [`PhraseSaved::Full`]; the check and the write are one atomic step.
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

/// What saving a phrase does to a book of `len` phrases that has (`exists`) its shortcut (the
/// memory and file stores; Redis does the same in its script).
pub(crate) fn saved_as(exists: bool, len: usize) -> PhraseSaved {
    if exists {
        PhraseSaved::Replaced
    } else if len >= MAX_PHRASES {
        PhraseSaved::Full
    } else {
        PhraseSaved::Added
    }
}
