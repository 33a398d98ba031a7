//! `GET /api/shops/{shop}/staff`: the shop's persona groups and agents with their status and
//! cap in force, for any agent of the shop (the console's transfer targets).

use crate::auth::Agent;
use crate::error::ApiError;
use crate::routing::profile_in_force;
use crate::state::GatewayState;
use axum::Json;
use axum::extract::State;
use qin_proto::{AgentId, AgentStatus, GroupId};
use serde::Serialize;

/// One agent in the staff directory.
#[derive(Debug, Serialize)]
pub struct StaffEntry {
    id: AgentId,
    /// What shoppers know the agent by (`agent.id` in chat frames).
    handle: AgentId,
    name: String,
    group: GroupId,
    status: AgentStatus,
    /// The cap in force now (a peak-day profile's, while one is).
    max_chats: u32,
    /// The cap in the agent's own config entry.
    configured_max_chats: u32,
    supervisor: bool,
}

/// One persona group in the staff directory.
#[derive(Debug, Serialize)]
pub struct GroupEntry {
    id: GroupId,
    name: String,
}

/// `GET /api/shops/{shop}/staff` answer.
#[derive(Debug, Serialize)]
pub struct Staff {
    groups: Vec<GroupEntry>,
    agents: Vec<StaffEntry>,
}

/// `GET /api/shops/{shop}/staff`: the shop's groups and agents with their status, for any
/// agent of the shop (where to transfer a chat).
pub async fn staff(
    Agent { shop, .. }: Agent,
    State(state): State<GatewayState>,
) -> Result<Json<Staff>, ApiError> {
    let statuses = state
        .store
        .agent_statuses(&shop.id)
        .await
        .map_err(ApiError::store)?;
    let profile = profile_in_force(&state, &shop).await?;
    let agents = shop
        .agents
        .iter()
        .map(|a| StaffEntry {
            id: a.id.clone(),
            handle: shop.agent_handle(a),
            name: a.name.clone(),
            group: a.group.clone(),
            status: statuses.get(&a.id).copied().unwrap_or_default(),
            max_chats: a.cap(profile),
            configured_max_chats: a.max_chats,
            supervisor: a.supervisor,
        })
        .collect();
    let groups = shop
        .groups
        .iter()
        .map(|g| GroupEntry {
            id: g.id.clone(),
            name: g.name.clone(),
        })
        .collect();
    Ok(Json(Staff { groups, agents }))
}
