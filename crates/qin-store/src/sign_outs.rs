//! When each agent was last signed out (logged out, signed out by a supervisor, removed or
//! disabled in the config): her tokens issued at or before that moment are refused by every
//! gateway, so a sign-out holds across the whole deployment.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId};

/// Agents' sign-out times.
#[async_trait]
pub trait SignOuts: Send + Sync {
    /// Records that `agent` of `shop` was signed out at `at` (ms since the epoch). The latest
    /// time is kept: an earlier `at` than the one recorded changes nothing.
    async fn sign_out(&self, shop: &ShopId, agent: &AgentId, at: Millis) -> Result<()>;

    /// When `agent` of `shop` was last signed out, if ever.
    async fn signed_out_at(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<Millis>>;
}
