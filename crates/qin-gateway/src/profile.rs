//! `GET`/`PUT /api/shops/{shop}/profile`: supervisors read which peak-day profile is in force
//! and switch it (a request to the shop's router, accepted with 202 once queued).

use crate::auth::Supervisor;
use crate::error::ApiError;
use crate::routing::{accepted, ask_router, profile_in_force, supervisor_party};
use crate::state::GatewayState;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use qin_proto::{ErrorCode, RouterRequest};
use serde::Serialize;
use serde_json::Value;

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
    Supervisor { shop, .. }: Supervisor,
    State(state): State<GatewayState>,
) -> Result<Json<Profile>, ApiError> {
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
    Supervisor {
        shop,
        agent: supervisor,
    }: Supervisor,
    State(state): State<GatewayState>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body.map_err(ApiError::bad_body)?;
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
        by: supervisor_party(&supervisor),
    };
    ask_router(&state, &shop.id, &request).await?;
    tracing::info!(shop = %shop.id, supervisor = %supervisor.id, ?profile, "profile switch requested");
    Ok(accepted())
}
