//! The REST API for supervisors (agents with `supervisor = true`): why a chat was routed where
//! it was, reassigning it, the peak-day profile, the queue overview. Plus the shop's staff
//! directory, which every agent of the shop may read (the console's transfer targets).
//!
//! Every call needs `Authorization: Bearer <token from POST /api/login>`: 401 without a valid
//! token, 404 for an unknown conversation or shop, 403 when the token is not a supervisor's of
//! that shop. Changes are requests to the shop's router: accepted (202) once queued.

use crate::api::bearer;
use crate::auth::{Claims, TokenKind};
use crate::error::ApiError;
use crate::routing::{self, ask_router, profile_in_force};
use crate::shopper::groups_live;
use crate::state::{GatewayState, now_ms};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use qin_config::{AgentConfig, ShopConfig};
use qin_proto::{
    AgentId, AgentStatus, ConvId, ConvState, ErrorCode, GroupId, GroupLive, Party, ProtoError,
    Role, RouterRequest, ShopId,
};
use qin_store::Conversation;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The verified claims of the request's Bearer token (401 otherwise).
pub(crate) fn claims(state: &GatewayState, headers: &HeaderMap) -> Result<Claims, ApiError> {
    bearer(headers)
        .and_then(|t| state.tokens.verify(t, now_ms()))
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "a valid Bearer token is required"))
}

/// The agent behind `claims` in `shop`: 403 for a shopper's token or another shop's agent,
/// 401 for an agent no longer in the config (log in again).
pub(crate) fn staff_of(shop: &ShopConfig, claims: &Claims) -> Result<AgentConfig, ApiError> {
    if claims.kind != TokenKind::Agent || claims.shop != shop.id {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("only staff of shop {} may do this", shop.id),
        ));
    }
    shop.agents
        .iter()
        .find(|a| a.id.as_str() == claims.sub)
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "log in again"))
}

/// The supervisor behind `claims` in `shop` (403 for anyone else).
pub(crate) fn supervisor_of(shop: &ShopConfig, claims: &Claims) -> Result<AgentConfig, ApiError> {
    let agent = staff_of(shop, claims)?;
    if !agent.supervisor {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("only supervisors of shop {} may do this", shop.id),
        ));
    }
    Ok(agent)
}

/// The shop of the path (404 if unknown).
pub(crate) fn shop_of(state: &GatewayState, id: String) -> Result<Arc<ShopConfig>, ApiError> {
    ShopId::parse(id)
        .and_then(|id| state.shop(&id))
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such shop"))
}

/// The conversation of the path, its shop and the supervisor asking (401, 404, 403).
async fn supervised(
    state: &GatewayState,
    headers: &HeaderMap,
    id: String,
) -> Result<(Conversation, Arc<ShopConfig>, AgentConfig), ApiError> {
    let claims = claims(state, headers)?;
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such conversation");
    let conv_id = ConvId::parse(id).ok_or_else(not_found)?;
    let conv = state
        .store
        .conversation(&conv_id)
        .await
        .map_err(ApiError::store)?
        .ok_or_else(not_found)?;
    let shop = state.shop(&conv.shop).ok_or_else(not_found)?;
    let supervisor = supervisor_of(&shop, &claims)?;
    Ok((conv, shop, supervisor))
}

fn as_party(agent: &AgentConfig, role: Role) -> Party {
    Party {
        role,
        id: agent.id.to_string(),
        name: agent.name.clone(),
    }
}

fn bad_body(e: JsonRejection) -> ApiError {
    ApiError::new(ErrorCode::BadFrame, e.body_text())
}

/// A client-side mistake in a body: named target unknown, note malformed. Body problems are
/// 400, whatever the socket calls them (`not_found` there).
fn body_error(e: ProtoError) -> ApiError {
    match e.code {
        ErrorCode::NotFound => ApiError::new(ErrorCode::BadFrame, e.message),
        code => ApiError::new(code, e.message),
    }
}

fn accepted() -> (StatusCode, Json<Value>) {
    (
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"accepted": true})),
    )
}

/// `GET /api/conversations/{id}/routing` answer.
#[derive(Debug, Serialize)]
pub struct Routing {
    conv: ConvId,
    state: ConvState,
    group: GroupId,
    agent: Option<AgentId>,
    /// The router's records, oldest first, as the router wrote them.
    decisions: Vec<Value>,
}

/// `GET /api/conversations/{id}/routing`: the conversation's routing decisions.
pub async fn routing(
    State(state): State<GatewayState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Routing>, ApiError> {
    let (conv, _, _) = supervised(&state, &headers, id).await?;
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
    State(state): State<GatewayState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<AssignRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (conv, shop, supervisor) = supervised(&state, &headers, id).await?;
    let Json(req) = body.map_err(bad_body)?;
    routing::transfer_target(&shop, None, req.agent.as_ref(), req.group.as_ref())
        .map_err(body_error)?;
    if let Some(note) = &req.note {
        check_note(&state, note)?;
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
        by: as_party(&supervisor, Role::Supervisor),
        to_agent: req.agent,
        to_group: req.group,
        note: req.note,
    };
    ask_router(&state, &shop.id, &request).await?;
    tracing::info!(conv = %conv.id, supervisor = %supervisor.id, "reassignment requested");
    Ok(accepted())
}

fn check_note(state: &GatewayState, note: &str) -> Result<(), ApiError> {
    if note.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::BadFrame, "note must not be empty"));
    }
    let max = state.config.limits.max_body_chars;
    if note.chars().count() > max {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("note is over {max} characters"),
        ));
    }
    Ok(())
}

/// `GET /api/shops/{shop}/profile` answer.
#[derive(Debug, Serialize)]
pub struct Profile {
    /// The profile a supervisor switched to; `null` while the dates decide.
    profile: Option<String>,
    /// The profile in force now: the switched-to one, else the one dated today; `null`: none.
    in_force: Option<String>,
    /// Every configured profile's name.
    profiles: Vec<String>,
}

/// `GET /api/shops/{shop}/profile`: the switched-to profile and the configured ones.
pub async fn profile(
    State(state): State<GatewayState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Profile>, ApiError> {
    let claims = claims(&state, &headers)?;
    let shop = shop_of(&state, shop)?;
    supervisor_of(&shop, &claims)?;
    let profile = state
        .store
        .profile(&shop.id)
        .await
        .map_err(ApiError::store)?;
    let in_force = profile_in_force(&state, &shop).await?;
    Ok(Json(Profile {
        profile,
        in_force: in_force.map(|p| p.name.clone()),
        profiles: shop.profiles.iter().map(|p| p.name.clone()).collect(),
    }))
}

/// `PUT /api/shops/{shop}/profile` with `{"profile": "double11"}` or `{"profile": null}`:
/// asks the router to switch (202).
pub async fn set_profile(
    State(state): State<GatewayState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let claims = claims(&state, &headers)?;
    let shop = shop_of(&state, shop)?;
    let supervisor = supervisor_of(&shop, &claims)?;
    let Json(body) = body.map_err(bad_body)?;
    let profile = match body.get("profile") {
        Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        _ => {
            return Err(ApiError::new(
                ErrorCode::BadFrame,
                "the body must be {\"profile\": <name or null>}",
            ));
        }
    };
    if let Some(name) = &profile
        && !shop.profiles.iter().any(|p| &p.name == name)
    {
        return Err(ApiError::new(
            ErrorCode::BadFrame,
            format!("no profile {name:?} in shop {}", shop.id),
        ));
    }
    let request = RouterRequest::SetProfile {
        profile: profile.clone(),
        by: as_party(&supervisor, Role::Supervisor),
    };
    ask_router(&state, &shop.id, &request).await?;
    tracing::info!(shop = %shop.id, supervisor = %supervisor.id, ?profile, "profile switch requested");
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
    State(state): State<GatewayState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Groups>, ApiError> {
    let claims = claims(&state, &headers)?;
    let shop = shop_of(&state, shop)?;
    supervisor_of(&shop, &claims)?;
    let groups = groups_live(&state, &shop).await?;
    Ok(Json(Groups {
        shop: shop.id.clone(),
        groups,
    }))
}

/// One agent in the staff directory.
#[derive(Debug, Serialize)]
pub struct StaffEntry {
    id: AgentId,
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
    State(state): State<GatewayState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Staff>, ApiError> {
    let claims = claims(&state, &headers)?;
    let shop = shop_of(&state, shop)?;
    staff_of(&shop, &claims)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> ShopConfig {
        let mut shop = crate::testing::demo_shop();
        shop.agents[0].supervisor = true;
        shop
    }

    fn claims(kind: TokenKind, shop: &str, sub: &str) -> Claims {
        Claims {
            kind,
            shop: ShopId::parse(shop).unwrap(),
            sub: sub.into(),
            exp: i64::MAX,
        }
    }

    fn code<T>(r: Result<T, ApiError>) -> Option<ErrorCode> {
        r.err().map(|e| e.code())
    }

    #[test]
    fn only_the_shops_supervisors_supervise() {
        let shop = shop();
        let boss = shop.agents[0].id.to_string();
        let worker = shop.agents[1].id.to_string();
        assert_eq!(
            code(supervisor_of(
                &shop,
                &claims(TokenKind::Agent, "afu", &boss)
            )),
            None
        );
        assert_eq!(
            code(supervisor_of(
                &shop,
                &claims(TokenKind::Agent, "afu", &worker)
            )),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            code(supervisor_of(
                &shop,
                &claims(TokenKind::Shopper, "afu", &boss)
            )),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            code(supervisor_of(
                &shop,
                &claims(TokenKind::Agent, "other", &boss)
            )),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            code(supervisor_of(
                &shop,
                &claims(TokenKind::Agent, "afu", "gone")
            )),
            Some(ErrorCode::Unauthorized)
        );
        assert_eq!(
            code(staff_of(&shop, &claims(TokenKind::Agent, "afu", &worker))),
            None
        );
    }

    #[test]
    fn unknown_targets_in_a_body_are_bad_requests() {
        let e = body_error(ProtoError::new(ErrorCode::NotFound, "no agent x"));
        assert_eq!(e.code(), ErrorCode::BadFrame);
        let e = body_error(ProtoError::new(ErrorCode::TooLarge, "long"));
        assert_eq!(e.code(), ErrorCode::TooLarge);
    }
}
