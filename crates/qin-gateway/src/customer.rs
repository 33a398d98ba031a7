//! The customer in front of an agent: who the shopper of a chat is to the shop (her earlier
//! chats with their agent, disposition and rating; whom she follows), and the transcript of
//! any of those earlier chats, read-only.
//!
//! `GET /api/conversations/{id}/customer`, `GET /api/conversations/{id}/customer/chats/{past}`
//! and `POST /api/conversations/{id}/customer/notes` (a note about the customer, kept with who
//! wrote it and when), with `Authorization: Bearer <agent token>`. Who may: the agent the chat `{id}` is assigned
//! to, or a supervisor of its shop (403 for anyone else, shoppers included; 404 for an
//! unknown chat). `{past}` must be a chat of the same shopper in the same shop (404 if not).

use crate::access::served_by;
use crate::auth::Caller;
use crate::error::{ApiError, check_note};
use crate::state::GatewayState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use qin_config::ShopConfig;
use qin_proto::{ConvId, ConvState, ErrorCode, GroupId, Message, Millis, Party, Role, VisitorId};
use qin_store::{
    ComplaintStatus, Conversation, CustomerNote, MAX_CUSTOMER_CHATS, MAX_CUSTOMER_NOTES, Note,
};
use serde::Deserialize;
use serde::Serialize;

/// `GET /api/conversations/{id}/customer` answer.
#[derive(Debug, Serialize)]
pub struct Customer {
    /// The shopper of the chat.
    shopper: Party,
    /// Her chats with the shop (this one included), counted up to 50.
    chats: usize,
    /// When she opened her first and her latest chat (of those counted).
    first_seen: Millis,
    last_seen: Millis,
    /// The agents she follows (display names).
    following: Vec<String>,
    /// Her other chats, newest first.
    past: Vec<PastChat>,
    /// Staff notes about her, oldest first.
    notes: Vec<CustomerNote>,
}

/// One earlier chat of the customer.
#[derive(Debug, Serialize)]
pub struct PastChat {
    conv: ConvId,
    state: ConvState,
    opened_at: Millis,
    closed_at: Option<Millis>,
    group: GroupId,
    group_name: String,
    /// The agent who had it last (display name).
    agent: Option<String>,
    disposition: Option<String>,
    rating: Option<u8>,
    /// Where its complaint stands, if it was one.
    complaint: Option<ComplaintStatus>,
}

/// `GET /api/conversations/{id}/customer/chats/{past}` answer: the earlier chat's messages
/// and private notes.
#[derive(Debug, Serialize)]
pub struct PastTranscript {
    chat: PastChat,
    messages: Vec<Message>,
    notes: Vec<Note>,
}

/// The shopper of `conv` as a customer key.
fn visitor_of(conv: &Conversation) -> Result<VisitorId, ApiError> {
    VisitorId::parse(conv.visitor())
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "a chat without a shopper"))
}

/// `c` as an earlier chat, with where its complaint (if any) stands.
async fn past_chat(
    state: &GatewayState,
    shop: &ShopConfig,
    c: Conversation,
) -> Result<PastChat, ApiError> {
    let complaint = state
        .store
        .complaint(&c.id)
        .await
        .map_err(ApiError::store)?
        .map(|k| k.status);
    Ok(PastChat {
        complaint,
        group_name: shop
            .group(&c.group)
            .map_or_else(|| c.group.to_string(), |g| g.name.clone()),
        agent: c.agent.as_ref().map(|a| shop.agent_party(a).name),
        conv: c.id,
        state: c.state,
        opened_at: c.opened_at,
        closed_at: c.closed_at,
        group: c.group,
        disposition: c.disposition,
        rating: c.rating,
    })
}

/// `GET /api/conversations/{id}/customer`.
pub async fn customer(
    caller: Caller,
    State(state): State<GatewayState>,
    Path(id): Path<String>,
) -> Result<Json<Customer>, ApiError> {
    let (conv, shop, _) = served_by(&state, &caller, id).await?;
    let visitor = visitor_of(&conv)?;
    let store = &state.store;
    let ids = store
        .chats_of(&shop.id, &visitor, MAX_CUSTOMER_CHATS)
        .await
        .map_err(ApiError::store)?;
    let mut records = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(c) = store.conversation(id).await.map_err(ApiError::store)? {
            records.push(c);
        }
    }
    let seen = records.iter().map(|c| c.opened_at);
    let (first_seen, last_seen) = (
        seen.clone().min().unwrap_or(conv.opened_at),
        seen.max().unwrap_or(conv.opened_at),
    );
    let following = store
        .following(&shop.id, &visitor)
        .await
        .map_err(ApiError::store)?
        .iter()
        .filter_map(|a| shop.agent(a).map(|a| a.name.clone()))
        .collect();
    let notes = store
        .customer_notes(&shop.id, &visitor)
        .await
        .map_err(ApiError::store)?;
    let chats = records.len().max(1);
    let mut past = Vec::with_capacity(records.len());
    for c in records.into_iter().filter(|c| c.id != conv.id) {
        past.push(past_chat(&state, &shop, c).await?);
    }
    Ok(Json(Customer {
        shopper: conv.shopper,
        chats,
        first_seen,
        last_seen,
        following,
        past,
        notes,
    }))
}

/// `GET /api/conversations/{id}/customer/chats/{past}`.
pub async fn past_transcript(
    caller: Caller,
    State(state): State<GatewayState>,
    Path((id, past)): Path<(String, String)>,
) -> Result<Json<PastTranscript>, ApiError> {
    let (conv, shop, _) = served_by(&state, &caller, id).await?;
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such chat of this customer");
    let past_id = ConvId::parse(past).ok_or_else(not_found)?;
    let record = state
        .store
        .conversation(&past_id)
        .await
        .map_err(ApiError::store)?
        .filter(|p| p.shop == conv.shop && p.shopper.id == conv.shopper.id)
        .ok_or_else(not_found)?;
    let messages = state
        .store
        .messages_after(&past_id, 0, crate::sync::MAX_SYNC)
        .await
        .map_err(ApiError::store)?;
    let notes = state.store.notes(&past_id).await.map_err(ApiError::store)?;
    Ok(Json(PastTranscript {
        chat: past_chat(&state, &shop, record).await?,
        messages,
        notes,
    }))
}

/// `POST /api/conversations/{id}/customer/notes` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    text: String,
}

/// `POST /api/conversations/{id}/customer/notes`: keeps a note about the chat's customer,
/// signed with the caller and the time (201 with the note; 400 blank, 413 too long, 409 when
/// she has 100 notes already).
pub async fn add_note(
    caller: Caller,
    State(state): State<GatewayState>,
    Path(id): Path<String>,
    body: Result<Json<NoteRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<CustomerNote>), ApiError> {
    let (conv, shop, agent) = served_by(&state, &caller, id).await?;
    let Json(req) = body.map_err(ApiError::bad_body)?;
    check_note(&req.text, state.config.limits.max_body_chars)?;
    let note = CustomerNote {
        text: req.text.trim().to_owned(),
        by: Party {
            role: Role::Agent,
            id: agent.id.to_string(),
            name: agent.name.clone(),
        },
        at: crate::state::now_ms(),
    };
    let kept = state
        .store
        .add_customer_note(&shop.id, &visitor_of(&conv)?, &note)
        .await
        .map_err(ApiError::store)?;
    if !kept {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("this customer has {MAX_CUSTOMER_NOTES} notes already"),
        ));
    }
    tracing::info!(conv = %conv.id, agent = %agent.id, "customer note added");
    Ok((StatusCode::CREATED, Json(note)))
}
