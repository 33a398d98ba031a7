//! What the gateway checks before asking the shop's router for something (a transfer, a
//! shopper's choice, a profile switch), and how it asks: the request is queued in the store
//! (so none is lost while no router runs), then the router is nudged on the shop topic.

use crate::conn::store_error;
use crate::conversation::tell_services;
use crate::state::{GatewayState, now_ms};
use axum::Json;
use axum::http::StatusCode;
use qin_config::{AgentConfig, ProfileConfig, ShopConfig};
use qin_proto::{
    AgentId, ErrorCode, GroupId, Party, ProtoError, Role, RouterRequest, ShopEvent, ShopId,
};
use serde_json::Value;

/// Queues `request` for `shop`'s router and nudges it. Fails (`unavailable`) only when the
/// store did not take the request; a lost nudge is harmless, the router also reads its inbox
/// periodically.
pub(crate) async fn ask_router(
    state: &GatewayState,
    shop: &ShopId,
    request: &RouterRequest,
) -> Result<(), ProtoError> {
    let json = serde_json::to_string(request)
        .map_err(|e| ProtoError::new(ErrorCode::Internal, format!("encode request: {e}")))?;
    state
        .store
        .push_request(shop, &json)
        .await
        .map_err(store_error)?;
    tell_services(state, shop, &ShopEvent::RequestPending).await;
    Ok(())
}

/// The 202 answer to a request queued for the router.
pub(crate) fn accepted() -> (StatusCode, Json<Value>) {
    (
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"accepted": true})),
    )
}

/// A supervisor as the party asking the router (a reassignment, a profile switch).
pub(crate) fn supervisor_party(supervisor: &AgentConfig) -> Party {
    Party {
        role: Role::Supervisor,
        id: supervisor.id.to_string(),
        name: supervisor.name.clone(),
    }
}

/// The shop's peak-day profile in force now, as the router applies it: the one a supervisor
/// switched to (kept in the store), else the one dated today in the shop's time zone.
pub(crate) async fn profile_in_force<'a>(
    state: &GatewayState,
    shop: &'a ShopConfig,
) -> Result<Option<&'a ProfileConfig>, ProtoError> {
    let switched = state.store.profile(&shop.id).await.map_err(store_error)?;
    let today = shop.hours.calendar().ok().map(|c| c.date(now_ms()));
    let due = shop.profile_due(switched.as_deref(), today.as_deref());
    Ok(due.map(|p| &shop.profiles[p]))
}

/// Whether `agent` takes chats at all: a supervisor with `max_chats = 0` only supervises.
pub(crate) fn takes_chats(agent: &AgentConfig) -> bool {
    agent.max_chats > 0
}

/// The agent a shopper may follow, named by her handle: configured in the shop and taking
/// chats (`not_found`).
pub(crate) fn followable<'a>(
    shop: &'a ShopConfig,
    handle: &AgentId,
) -> Result<&'a AgentConfig, ProtoError> {
    shop.agent_by_handle(handle)
        .filter(|a| takes_chats(a))
        .ok_or_else(|| ProtoError::new(ErrorCode::NotFound, format!("no agent {handle}")))
}

/// Stored follows (login names) as shown to the shopper: the handles of the agents who can
/// still be followed.
pub(crate) fn shown_following(shop: &ShopConfig, stored: Vec<AgentId>) -> Vec<AgentId> {
    stored
        .iter()
        .filter_map(|id| shop.agent(id))
        .filter(|a| takes_chats(a))
        .map(|a| shop.agent_handle(a))
        .collect()
}

/// The disposition an agent closes a chat with: one of the shop's (`bad_frame` otherwise),
/// or none unless the shop requires one (`bad_frame`, naming the choices).
pub(crate) fn disposition(
    shop: &ShopConfig,
    chosen: Option<String>,
) -> Result<Option<String>, ProtoError> {
    let choices = || shop.dispositions.join(", ");
    match chosen {
        Some(d) if shop.dispositions.contains(&d) => Ok(Some(d)),
        Some(d) => Err(ProtoError::bad_frame(format!(
            "no disposition {d:?} in this shop; choose one of: {}",
            choices()
        ))),
        None if shop.disposition_required => Err(ProtoError::bad_frame(format!(
            "choose a disposition to close the chat: {}",
            choices()
        ))),
        None => Ok(None),
    }
}

/// Checks a transfer's target: exactly one of agent and group (`bad_frame`), an agent of the
/// shop other than `sender` (`not_found`, `bad_frame`), or a group of the shop (`not_found`).
pub(crate) fn transfer_target(
    shop: &ShopConfig,
    sender: Option<&AgentId>,
    to_agent: Option<&AgentId>,
    to_group: Option<&GroupId>,
) -> Result<(), ProtoError> {
    match (to_agent, to_group) {
        (Some(agent), None) => {
            if shop.agent(agent).is_none() {
                return Err(ProtoError::new(
                    ErrorCode::NotFound,
                    format!("no agent {agent}"),
                ));
            }
            if sender == Some(agent) {
                return Err(ProtoError::bad_frame("cannot transfer a chat to yourself"));
            }
            Ok(())
        }
        (None, Some(group)) => match shop.group(group) {
            Some(_) => Ok(()),
            None => Err(ProtoError::new(
                ErrorCode::NotFound,
                format!("no persona group {group}"),
            )),
        },
        (None, None) => Err(ProtoError::bad_frame("name an agent or a group to move to")),
        (Some(_), Some(_)) => Err(ProtoError::bad_frame(
            "name an agent or a group to move to, not both",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> ShopConfig {
        let mut shop = crate::testing::demo_shop();
        let mut boss = shop.agents[0].clone();
        boss.id = AgentId::parse("boss").unwrap();
        boss.supervisor = true;
        boss.max_chats = 0;
        shop.agents.retain(|a| a.id != boss.id);
        shop.agents.push(boss);
        shop
    }

    fn agent(id: &str) -> AgentId {
        AgentId::parse(id).unwrap()
    }

    fn group(id: &str) -> GroupId {
        GroupId::parse(id).unwrap()
    }

    #[test]
    fn only_agents_who_take_chats_can_be_followed_by_their_handle() {
        let shop = shop();
        let handle = |id: &str| shop.agent_handle(shop.agent(&agent(id)).unwrap());
        assert_eq!(
            followable(&shop, &handle("anhong")).unwrap().id,
            agent("anhong")
        );
        for refused in [agent("anhong"), agent("nobody"), handle("boss")] {
            assert_eq!(
                followable(&shop, &refused).unwrap_err().code,
                ErrorCode::NotFound,
                "{refused}: login names, strangers and supervisors who take no chats"
            );
        }
        let shown = shown_following(&shop, vec![agent("boss"), agent("gone"), agent("pili")]);
        assert_eq!(shown, vec![handle("pili")]);
    }

    #[test]
    fn transfer_targets_are_checked() {
        let shop = shop();
        let me = agent("anhong");
        let check = |a: Option<&str>, g: Option<&str>| {
            transfer_target(
                &shop,
                Some(&me),
                a.map(agent).as_ref(),
                g.map(group).as_ref(),
            )
            .map_err(|e| e.code)
        };
        assert_eq!(check(Some("xiaoya"), None), Ok(()));
        assert_eq!(check(None, Some("bold")), Ok(()));
        assert_eq!(check(Some("anhong"), None), Err(ErrorCode::BadFrame));
        assert_eq!(check(Some("nobody"), None), Err(ErrorCode::NotFound));
        assert_eq!(check(None, Some("nogroup")), Err(ErrorCode::NotFound));
        assert_eq!(check(None, None), Err(ErrorCode::BadFrame));
        assert_eq!(
            check(Some("xiaoya"), Some("bold")),
            Err(ErrorCode::BadFrame)
        );
        // A supervisor moves anyone's chat, to any agent.
        assert!(transfer_target(&shop, None, Some(&me), None).is_ok());
    }
}
