//! The router's desk in the store: each conversation's routing record, the shop's request
//! inbox (transfers, reassignments, shoppers' choices, profile switches), and the peak-day
//! profile a supervisor switched to.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{ConvId, ShopId};

/// Most routing decisions kept per conversation.
pub const MAX_ROUTING_RECORDS: usize = 100;

/// Routing records, the router's request inbox and the profile choice.
#[async_trait]
pub trait RoutingDesk: Send + Sync {
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
}
