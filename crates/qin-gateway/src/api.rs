//! The REST API: conversation history, health and readiness (agents log in through
//! [`crate::login`]).

use crate::access::{self, Asker};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::GatewayState;
use crate::sync::MAX_SYNC;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use qin_proto::{ConvId, ErrorCode, Message};
use serde::{Deserialize, Serialize};

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
