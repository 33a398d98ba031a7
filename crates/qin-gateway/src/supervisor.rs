//! The REST API for supervisors (agents with `supervisor = true`) about the floor: why a chat
//! was routed where it was, reassigning it, and the queue overview.
//!
//! Every call needs `Authorization: Bearer <token from POST /api/login>`: 401 without a valid
//! token, 404 for an unknown conversation or shop, 403 when the token is not a supervisor's of
//! that shop. Changes are requests to the shop's router: accepted (202) once queued.

use crate::auth::{Caller, Supervisor};
use crate::error::{ApiError, check_note};
use crate::groups::groups_live;
use crate::routing::{self, accepted, ask_router};
use crate::state::GatewayState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use qin_config::{AgentConfig, ShopConfig};
use qin_proto::{
    AgentId, ConvId, ConvState, ErrorCode, GroupId, GroupLive, ProtoError, RouterRequest, ShopId,
};
use qin_store::Conversation;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The conversation of the path, its shop and the supervisor asking (404, 403).
async fn supervised(
    state: &GatewayState,
    caller: &Caller,
    id: String,
) -> Result<(Conversation, Arc<ShopConfig>, AgentConfig), ApiError> {
    let (conv, shop) = crate::access::chat_of_path(state, id).await?;
    let supervisor = caller.supervisor_of(&shop)?;
    Ok((conv, shop, supervisor))
}

/// A client-side mistake in a body: named target unknown, note malformed. Body problems are
/// 400, whatever the socket calls them (`not_found` there).
fn body_error(e: ProtoError) -> ApiError {
    match e.code {
        ErrorCode::NotFound => ApiError::new(ErrorCode::BadFrame, e.message),
        code => ApiError::new(code, e.message),
    }
}

/// `GET /api/conversations/{id}/routing` answer.
#[derive(Debug, Serialize)]
pub struct Routing {
    conv: ConvId,
    state: ConvState,
    group: GroupId,
    agent: Option<AgentId>,
    /// What the chat was about, as its agent chose at close.
    #[serde(skip_serializing_if = "Option::is_none")]
    disposition: Option<String>,
    /// The router's records, oldest first, as the router wrote them.
    decisions: Vec<Value>,
}

/// `GET /api/conversations/{id}/routing`: the conversation's routing decisions.
pub async fn routing(
    caller: Caller,
    State(state): State<GatewayState>,
    Path(id): Path<String>,
) -> Result<Json<Routing>, ApiError> {
    let (conv, _, _) = supervised(&state, &caller, id).await?;
    let records = state
        .store
        .routing(&conv.id)
        .await
        .map_err(ApiError::store)?;
    let decisions = records
        .into_iter()
        .map(|raw| serde_json::from_str(&raw).unwrap_or(Value::String(raw)))
        .collect();
    Ok(Json(Routing {
        conv: conv.id,
        state: conv.state,
        group: conv.group,
        agent: conv.agent,
        disposition: conv.disposition,
        decisions,
    }))
}

/// `POST /api/conversations/{id}/assign` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    #[serde(default)]
    agent: Option<AgentId>,
    #[serde(default)]
    group: Option<GroupId>,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /api/conversations/{id}/assign`: asks the router to move the chat (202).
pub async fn assign(
    caller: Caller,
    State(state): State<GatewayState>,
    Path(id): Path<String>,
    body: Result<Json<AssignRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (conv, shop, supervisor) = supervised(&state, &caller, id).await?;
    let Json(req) = body.map_err(ApiError::bad_body)?;
    routing::transfer_target(&shop, None, req.agent.as_ref(), req.group.as_ref())
        .map_err(body_error)?;
    if let Some(note) = &req.note {
        check_note(note, state.config.limits.max_body_chars)?;
    }
    if !conv.is_open() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("conversation {} is closed", conv.id),
        ));
    }
    if req.agent.is_some() && req.agent == conv.agent {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "the chat is already that agent's",
        ));
    }
    let request = RouterRequest::Transfer {
        conv: conv.id.clone(),
        by: routing::supervisor_party(&supervisor),
        to_agent: req.agent,
        to_group: req.group,
        note: req.note,
    };
    ask_router(&state, &shop.id, &request).await?;
    tracing::info!(conv = %conv.id, supervisor = %supervisor.id, "reassignment requested");
    Ok(accepted())
}

/// `GET /api/shops/{shop}/groups` answer.
#[derive(Debug, Serialize)]
pub struct Groups {
    shop: ShopId,
    groups: Vec<GroupLive>,
}

/// `GET /api/shops/{shop}/groups`: every persona group's live availability and queue.
pub async fn groups(
    Supervisor { shop, .. }: Supervisor,
    State(state): State<GatewayState>,
) -> Result<Json<Groups>, ApiError> {
    let groups = groups_live(&state, &shop).await?;
    Ok(Json(Groups {
        shop: shop.id.clone(),
        groups,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_targets_in_a_body_are_bad_requests() {
        let e = body_error(ProtoError::new(ErrorCode::NotFound, "no agent x"));
        assert_eq!(e.code(), ErrorCode::BadFrame);
        let e = body_error(ProtoError::new(ErrorCode::TooLarge, "long"));
        assert_eq!(e.code(), ErrorCode::TooLarge);
    }
}
