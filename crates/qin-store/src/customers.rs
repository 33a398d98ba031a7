//! Customers: what the desk remembers of a shopper across visits, so the agent in front of
//! her knows whom she is talking to: the chats she opened, newest first (the records
//! themselves are in [`Conversations`](crate::Conversations)), and the staff's notes about
//! her, with who wrote each and when.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{ConvId, Millis, Party, ShopId, VisitorId};
use serde::{Deserialize, Serialize};

/// Most notes about one customer; the next is refused (nothing is dropped).
pub const MAX_CUSTOMER_NOTES: usize = 100;

/// A staff note about a customer (not about one chat): "prefers rose oil", "VIP since 2024".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerNote {
    /// What was written.
    pub text: String,
    /// Who wrote it (an agent or supervisor, by login name and display name).
    pub by: Party,
    /// When, in ms since the epoch.
    pub at: Millis,
}

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

    /// Keeps `note` about `visitor` of `shop`, after the ones already there. `false`, and
    /// nothing kept, when she has [`MAX_CUSTOMER_NOTES`] already.
    async fn add_customer_note(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        note: &CustomerNote,
    ) -> Result<bool>;

    /// The notes about `visitor` of `shop`, oldest first.
    async fn customer_notes(&self, shop: &ShopId, visitor: &VisitorId)
    -> Result<Vec<CustomerNote>>;
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
