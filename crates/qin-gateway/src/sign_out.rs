//! Signing agents out everywhere: an agent's logout (`POST /api/logout`), a supervisor's
//! `POST /api/shops/{shop}/agents/{agent}/sign-out`, and a reload that removes or disables
//! her. The time goes to the store, so every gateway refuses her tokens issued before it
//! (REST and socket `hello`, see [`standing`]), and a `signed_out` event on her topic closes
//! her open consoles on every gateway (close code 4003).

use crate::auth::{Caller, Claims, Supervisor, TokenKind};
use crate::error::ApiError;
use crate::state::{GatewayState, now_ms};
use axum::Json;
use axum::extract::{Path, State};
use qin_config::{AgentConfig, Config, ShopConfig};
use qin_proto::{AgentEvent, AgentId, ErrorCode, ShopId, topic};
use qin_store::StoreError;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::watch;

/// The agent a token names, if her login still stands: she is in the shop's config, not
/// disabled, and not signed out since the token was issued. `Ok(None)` means log in again.
pub(crate) async fn standing(
    state: &GatewayState,
    shop: &ShopConfig,
    claims: &Claims,
) -> Result<Option<AgentConfig>, StoreError> {
    if claims.kind != TokenKind::Agent || claims.shop != shop.id {
        return Ok(None);
    }
    let Some(agent) = agent_named(shop, &claims.sub).filter(|a| !a.disabled) else {
        return Ok(None);
    };
    let signed_out = state.store.signed_out_at(&shop.id, &agent.id).await?;
    Ok(signed_out
        .is_none_or(|at| claims.iat > at)
        .then(|| agent.clone()))
}

/// Signs `agent` of `shop` out everywhere: her tokens issued until now are refused and her
/// open consoles close, telling her `reason`. The record is written first, so a console
/// that reconnects at once is refused too.
pub(crate) async fn sign_out(
    state: &GatewayState,
    shop: &ShopId,
    agent: &AgentId,
    reason: &str,
) -> Result<(), ApiError> {
    let at = now_ms();
    state
        .store
        .sign_out(shop, agent, at)
        .await
        .map_err(ApiError::store)?;
    let event = AgentEvent::SignedOut {
        reason: reason.to_owned(),
        at,
    };
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    state
        .bus
        .publish(&topic::agent(shop, agent), payload.into())
        .await
        .map_err(|e| ApiError::from(crate::conn::bus_error(e)))?;
    tracing::info!(target: "qin::audit", %shop, %agent, reason, "agent signed out");
    Ok(())
}

/// `POST /api/logout` with an agent's bearer token: signs her out on every device (tokens
/// are not kept one by one, so a logout ends all her logins). 200 `{"signed_out": true}`;
/// 401 without a standing agent token; 403 for a shopper's token.
pub(crate) async fn logout(
    State(state): State<GatewayState>,
    Caller(claims): Caller,
) -> Result<Json<Value>, ApiError> {
    if claims.kind != TokenKind::Agent {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only staff log out; a shopper's identity stays with her widget",
        ));
    }
    let agent = AgentId::parse(&claims.sub)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "log in again"))?;
    sign_out(&state, &claims.shop, &agent, "logged out").await?;
    Ok(Json(json!({ "signed_out": true })))
}

/// `POST /api/shops/{shop}/agents/{agent}/sign-out`: a supervisor of the shop signs one of
/// its agents out everywhere (404 for an agent the shop does not have). Her chats stay hers
/// until the router's offline grace moves them, as when she closes her console.
pub(crate) async fn sign_out_agent(
    Supervisor { shop, agent: by }: Supervisor,
    State(state): State<GatewayState>,
    Path((_, agent)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let agent = agent_named(&shop, &agent)
        .map(|a| a.id.clone())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such agent in this shop"))?;
    let reason = format!("signed out by {}", by.name);
    sign_out(&state, &shop.id, &agent, &reason).await?;
    Ok(Json(json!({ "signed_out": true, "agent": agent })))
}

/// Signs out every agent a reload removes or disables (or whose shop it removes), until the
/// gateway stops: `config` is the node's config in force, which a reload replaces. Every
/// gateway of a deployment reloads and does this; the sign-outs agree (the latest time is
/// kept, and a closed console is closed only once).
pub async fn follow_reloads(state: GatewayState, mut config: watch::Receiver<Arc<Config>>) {
    let mut before = config.borrow_and_update().clone();
    loop {
        tokio::select! {
            changed = config.changed() => if changed.is_err() {
                // No reloads on this node: nothing to follow until it stops.
                state.shutdown.cancelled().await;
                return;
            },
            () = state.shutdown.cancelled() => return,
        }
        let after = config.borrow_and_update().clone();
        for (shop, agent) in lost_access(&before.shops, &after.shops) {
            let reason = "no longer on this shop's staff";
            if let Err(e) = sign_out(&state, &shop, &agent, reason).await {
                tracing::warn!(%shop, %agent, error = ?e, "cannot sign out an agent the reload removed");
            }
        }
        before = after;
    }
}

/// Agents of `before` who lost access in `after`: removed, disabled, or their shop gone.
fn lost_access(before: &[ShopConfig], after: &[ShopConfig]) -> Vec<(ShopId, AgentId)> {
    let mut lost = Vec::new();
    for old in before {
        let new = after.iter().find(|s| s.id == old.id);
        for agent in old.agents.iter().filter(|a| !a.disabled) {
            let stays = new
                .and_then(|s| agent_named(s, agent.id.as_str()))
                .is_some_and(|a| !a.disabled);
            if !stays {
                lost.push((old.id.clone(), agent.id.clone()));
            }
        }
    }
    lost
}

/// The shop's agent whose id is `id`, spelled as a token or a path gives it.
fn agent_named<'a>(shop: &'a ShopConfig, id: &str) -> Option<&'a AgentConfig> {
    shop.agents.iter().find(|a| a.id.as_str() == id)
}
