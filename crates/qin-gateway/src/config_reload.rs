//! `POST /api/shops/{shop}/config/reload`: a supervisor has the node re-read its config file.
//! A bad file is refused (400, naming the key) and the config in force stays; a good one is in
//! force for every later request and chat (the answer waits until this node's workers run on
//! it), and other nodes of the deployment reload too.

use crate::error::ApiError;
use crate::state::GatewayState;
use crate::supervisor::{claims, shop_of, supervisor_of};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use qin_proto::ErrorCode;
use serde_json::{Value, json};

/// Reloads the config file: 200 `{"reloaded": true, "shops": [...]}`, 400 with the problem,
/// 409 when this node runs without a config file; 401/403/404 as every supervisor call.
pub(crate) async fn reload(
    State(state): State<GatewayState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let claims = claims(&state, &headers)?;
    let shop = shop_of(&state, shop)?;
    let who = supervisor_of(&shop, &claims)?;
    let Some(reload) = state.reload.clone() else {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this node was started without a config file to reload",
        ));
    };
    match reload().await {
        Ok(shops) => {
            tracing::info!(by = %who.id, shop = %shop.id, "config reloaded");
            Ok(Json(json!({ "reloaded": true, "shops": shops })))
        }
        Err(problem) => {
            tracing::warn!(by = %who.id, %problem, "config reload refused; the old config stays");
            Err(ApiError::new(ErrorCode::BadFrame, problem))
        }
    }
}
