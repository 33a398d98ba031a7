//! Customers: what the desk remembers of a shopper across visits, so the agent in front of
//! her knows whom she is talking to. Today: the chats she opened, newest first (the records
//! themselves are in [`Conversations`](crate::Conversations)).

use crate::Result;
use async_trait::async_trait;
use qin_proto::{ConvId, Millis, ShopId, VisitorId};

/// A customer's chats as kept: when each was opened, and its id.
pub(crate) type ChatList = Vec<(Millis, ConvId)>;

/// Most chats of one customer [`Customers::chats_of`] returns.
pub const MAX_CUSTOMER_CHATS: usize = 50;

/// The chats each shopper of a shop opened.
#[async_trait]
pub trait Customers: Send + Sync {
    /// Notes that `visitor` of `shop` opened `conv` at `opened_at`. Noting the same chat
    /// again changes nothing.
    async fn note_chat(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        conv: &ConvId,
        opened_at: Millis,
    ) -> Result<()>;

    /// The chats `visitor` of `shop` opened, newest first (ties: by id), at most `limit`
    /// (itself at most [`MAX_CUSTOMER_CHATS`]).
    async fn chats_of(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        limit: usize,
    ) -> Result<Vec<ConvId>>;
}

/// `chats` (`opened_at`, id) newest first, at most `limit` (and [`MAX_CUSTOMER_CHATS`]).
pub(crate) fn newest(mut chats: ChatList, limit: usize) -> Vec<ConvId> {
    chats.sort_by(|a, b| b.cmp(a));
    chats.dedup();
    chats
        .into_iter()
        .take(limit.min(MAX_CUSTOMER_CHATS))
        .map(|(_, c)| c)
        .collect()
}
