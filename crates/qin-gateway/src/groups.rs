//! The shop's persona groups with live availability (online agents, waiting chats, the wait,
//! when a closed shop opens): the read model shoppers' widgets and supervisors share.

use crate::conn::store_error;
use crate::state::{GatewayState, now_ms};
use qin_config::ShopConfig;
use qin_proto::{AgentStatus, GroupLive, ProtoError};

/// The shop's persona groups with live availability: as the router last wrote it, or
/// (before any router ran) from the config and the agents' recorded statuses.
pub(crate) async fn groups_live(
    state: &GatewayState,
    shop: &ShopConfig,
) -> Result<Vec<GroupLive>, ProtoError> {
    let live = state
        .store
        .groups_live(&shop.id)
        .await
        .map_err(store_error)?;
    if !live.is_empty() {
        return Ok(live);
    }
    let statuses = state
        .store
        .agent_statuses(&shop.id)
        .await
        .map_err(store_error)?;
    let now = now_ms();
    let opens_at = shop
        .hours
        .calendar()
        .ok()
        .filter(|c| !c.is_open(now))
        .and_then(|c| c.next_open(now));
    Ok(shop
        .groups
        .iter()
        .map(|g| GroupLive {
            id: g.id.clone(),
            name: g.name.clone(),
            tagline: g.tagline.clone(),
            online: shop
                .agents
                .iter()
                .filter(|a| a.group == g.id && statuses.get(&a.id) == Some(&AgentStatus::Online))
                .count() as u32,
            waiting: 0,
            eta_s: 0,
            opens_at,
        })
        .collect())
}
