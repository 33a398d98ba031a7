//! `POST /api/shops/{shop}/config/reload`: a supervisor has the node re-read its config file.
//! A bad file is refused (400, naming the key) and the config in force stays; a good one is in
//! force for every later request and chat (the answer waits until this node's workers run on
//! it), and other nodes of the deployment reload too.

use crate::auth::Supervisor;
use crate::error::ApiError;
use crate::state::GatewayState;
use axum::Json;
use axum::extract::State;
use qin_proto::ErrorCode;
use serde_json::{Value, json};

/// Reloads the config file: 200 `{"reloaded": true, "shops": [...]}`, 400 with the problem,
/// 409 when this node runs without a config file; 401/403/404 as every supervisor call.
pub(crate) async fn reload(
    Supervisor { shop, agent: who }: Supervisor,
    State(state): State<GatewayState>,
) -> Result<Json<Value>, ApiError> {
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
