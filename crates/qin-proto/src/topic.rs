//! Bus topic names. Every process derives them here so gateways, routers and
//! auto-reply workers always agree.

use crate::{AgentId, ConvId, ShopId};

/// Everything the parties of one conversation see: `Delivery`-encoded server frames.
pub fn conversation(conv: &ConvId) -> String {
    format!("conv.{conv}")
}

/// Events for one agent's consoles (JSON `AgentEvent`).
pub fn agent(shop: &ShopId, agent: &AgentId) -> String {
    format!("agent.{shop}.{agent}")
}

/// Shop-wide events for the router and the auto-reply service (JSON `ShopEvent`).
pub fn shop(shop: &ShopId) -> String {
    format!("shop.{shop}")
}

/// Live persona-group availability for shoppers' widgets (`Delivery`-encoded `groups` frames).
pub fn groups(shop: &ShopId) -> String {
    format!("groups.{shop}")
}

/// Deployment-wide notices between nodes, e.g. `reload <node>`: a node reloaded its config
/// file, the others should reload theirs.
pub fn control() -> String {
    "control".to_owned()
}
