//! A chat's complaint record (投诉记录): what caused it, what was done, any compensation,
//! whether it is resolved, and when to call the customer back (回访).
//!
//! `GET` and `PUT /api/conversations/{id}/complaint`, with `Authorization: Bearer <agent
//! token>`, for the agent the chat is (or was, once closed) assigned to and the shop's
//! supervisors (`access::served_by`: 403 for anyone else, 401 without a token, 404 for an
//! unknown chat). Each `PUT` replaces the record, signed with the caller and the time.

use crate::access::served_by;
use crate::auth::Caller;
use crate::error::{ApiError, check_note};
use crate::state::{GatewayState, now_ms};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use qin_proto::{ErrorCode, Millis, Party, Role};
use qin_store::{Complaint, ComplaintStatus};
use serde::Deserialize;

/// `PUT /api/conversations/{id}/complaint` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRequest {
    cause: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    compensation: Option<String>,
    status: ComplaintStatus,
    #[serde(default)]
    follow_up_due: Option<Millis>,
}

/// `GET /api/conversations/{id}/complaint`: the record, or `null` if the chat has none.
pub async fn get(
    caller: Caller,
    State(state): State<GatewayState>,
    Path(id): Path<String>,
) -> Result<Json<Option<Complaint>>, ApiError> {
    let (conv, _, _) = served_by(&state, &caller, id).await?;
    let record = state
        .store
        .complaint(&conv.id)
        .await
        .map_err(ApiError::store)?;
    Ok(Json(record))
}

/// `PUT /api/conversations/{id}/complaint`: records the complaint as it stands now. `cause`
/// is required; `resolution` too once `resolved`; texts are not blank and at most
/// `limits.max_body_chars` (400, 413); `follow_up_due` is ms since the epoch.
pub async fn put(
    caller: Caller,
    State(state): State<GatewayState>,
    Path(id): Path<String>,
    body: Result<Json<ComplaintRequest>, JsonRejection>,
) -> Result<Json<Complaint>, ApiError> {
    let (conv, _, agent) = served_by(&state, &caller, id).await?;
    let Json(req) = body.map_err(ApiError::bad_body)?;
    let max = state.config.limits.max_body_chars;
    check_note(&req.cause, max)?;
    if req.status == ComplaintStatus::Resolved || !req.resolution.trim().is_empty() {
        check_note(&req.resolution, max)?;
    }
    if let Some(compensation) = &req.compensation {
        check_note(compensation, max)?;
    }
    if req.follow_up_due.is_some_and(|t| t <= 0) {
        return Err(ApiError::new(
            ErrorCode::BadFrame,
            "follow_up_due is a time in ms since the epoch",
        ));
    }
    let complaint = Complaint {
        cause: req.cause.trim().to_owned(),
        resolution: req.resolution.trim().to_owned(),
        compensation: req.compensation.map(|c| c.trim().to_owned()),
        status: req.status,
        follow_up_due: req.follow_up_due,
        by: Party {
            role: Role::Agent,
            id: agent.id.to_string(),
            name: agent.name.clone(),
        },
        updated_at: now_ms(),
    };
    state
        .store
        .save_complaint(&conv.id, &complaint)
        .await
        .map_err(ApiError::store)?;
    tracing::info!(conv = %conv.id, agent = %agent.id, status = ?complaint.status, "complaint recorded");
    Ok(Json(complaint))
}
