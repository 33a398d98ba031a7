//! The REST API: agent login, conversation history, health and readiness.

use crate::access::{self, Asker};
use crate::auth::{Caller, Claims, TokenKind, password_matches};
use crate::error::ApiError;
use crate::state::{GatewayState, now_ms};
use crate::sync::MAX_SYNC;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use qin_proto::{AgentId, ConvId, ErrorCode, Message, Party, Role, ShopId};
use serde::{Deserialize, Serialize};

/// `POST /api/login` body.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    shop: ShopId,
    agent: AgentId,
    password: String,
}

/// `POST /api/login` answer.
#[derive(Debug, Serialize)]
pub struct LoginResponse {
    token: String,
    agent: Party,
    expires_in: u64,
}

/// `POST /api/login`: an agent's id and password for a signed token.
pub async fn login(
    State(state): State<GatewayState>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let Json(req) = body.map_err(ApiError::bad_body)?;
    let refused = || ApiError::new(ErrorCode::Unauthorized, "unknown agent or wrong password");
    if req.password.len() > 1024 {
        return Err(refused());
    }
    let shop = state.shop(&req.shop).ok_or_else(refused)?;
    let agent = shop.agent(&req.agent).cloned().ok_or_else(refused)?;
    let hash = agent.password_hash.clone();
    // Argon2 is deliberately slow: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || password_matches(&req.password, &hash))
        .await
        .unwrap_or(false);
    if !matches {
        tracing::info!(shop = %shop.id, agent = %agent.id, "login refused");
        return Err(refused());
    }
    let ttl = state.config.server.agent_token_ttl_s;
    let now = now_ms();
    let token = state.tokens.sign(&Claims {
        kind: TokenKind::Agent,
        shop: shop.id.clone(),
        sub: agent.id.to_string(),
        exp: now + ttl as i64 * 1000,
        iat: now,
    });
    tracing::info!(shop = %shop.id, agent = %agent.id, "agent logged in");
    Ok(Json(LoginResponse {
        token,
        agent: Party {
            role: Role::Agent,
            id: agent.id.to_string(),
            name: agent.name.clone(),
        },
        expires_in: ttl,
    }))
}

/// Query of the history endpoint.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    limit: Option<usize>,
}

/// History answer.
#[derive(Debug, Serialize)]
pub struct History {
    conv: ConvId,
    messages: Vec<Message>,
    last_seq: u64,
}

/// `GET /api/conversations/{id}/messages?after=N&limit=M` with `Authorization: Bearer <token>`:
/// the same parties as on the socket (the shopper who owns it, its assigned agent).
pub async fn messages(
    State(state): State<GatewayState>,
    Path(id): Path<String>,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
    caller: Result<Caller, ApiError>,
) -> Result<Json<History>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::new(ErrorCode::BadFrame, e.body_text()))?;
    let Caller(claims) = caller?;
    let conv_id = ConvId::parse(id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such conversation"))?;
    access::conversation_of(&state, &conv_id, Asker::of(&claims)).await?;
    let limit = query.limit.unwrap_or(500).clamp(1, MAX_SYNC);
    let messages = state
        .store
        .messages_after(&conv_id, query.after, limit)
        .await
        .map_err(ApiError::store)?;
    let last_seq = state
        .store
        .last_seq(&conv_id)
        .await
        .map_err(ApiError::store)?;
    Ok(Json(History {
        conv: conv_id,
        messages,
        last_seq,
    }))
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the store answers and live delivery is connected, so the gateway can serve.
pub async fn readyz(State(state): State<GatewayState>) -> (StatusCode, &'static str) {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "not ready");
        return (StatusCode::SERVICE_UNAVAILABLE, "store unavailable");
    }
    if !state.bus.is_connected() {
        return (StatusCode::SERVICE_UNAVAILABLE, "bus unavailable");
    }
    (StatusCode::OK, "ready")
}
