//! Who may act in a conversation: the shopper who opened it and the agent it is assigned to,
//! both of the conversation's own shop. One rule for the sockets and the REST history; staff
//! routes about a chat (its customer, its complaint) also let the shop's supervisors in.

use crate::auth::{Caller, Claims, TokenKind};
use crate::conn::store_error;
use crate::error::ApiError;
use crate::state::GatewayState;
use qin_config::{AgentConfig, ShopConfig};
use qin_proto::{AgentId, ConvId, ErrorCode, ProtoError, ShopId};
use qin_store::Conversation;
use std::sync::Arc;

/// Someone asking to act in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asker<'a> {
    /// A shopper of `shop`, by visitor id.
    Shopper { shop: &'a ShopId, visitor: &'a str },
    /// An agent of `shop`.
    Agent { shop: &'a ShopId, agent: &'a str },
}

impl<'a> Asker<'a> {
    /// The holder of a token.
    pub fn of(claims: &'a Claims) -> Self {
        match claims.kind {
            TokenKind::Shopper => Self::Shopper {
                shop: &claims.shop,
                visitor: &claims.sub,
            },
            TokenKind::Agent => Self::Agent {
                shop: &claims.shop,
                agent: &claims.sub,
            },
        }
    }

    /// An agent session's agent.
    pub fn agent(shop: &'a ShopId, agent: &'a AgentId) -> Self {
        Self::Agent {
            shop,
            agent: agent.as_str(),
        }
    }
}

/// `found` (the record read for `conv`) if `asker` is a party to it: `not_found` when there
/// is none, `forbidden` when it is someone else's (closed or not: the caller decides what a
/// closed one allows).
pub(crate) fn party_to(
    found: Option<Conversation>,
    conv: &ConvId,
    asker: Asker<'_>,
) -> Result<Conversation, ProtoError> {
    let Some(c) = found else {
        return Err(ProtoError::new(
            ErrorCode::NotFound,
            format!("no conversation {conv}"),
        ));
    };
    let (theirs, refusal) = match asker {
        Asker::Shopper { shop, visitor } => {
            (&c.shop == shop && c.shopper.id == visitor, "is not yours")
        }
        Asker::Agent { shop, agent } => (
            &c.shop == shop && c.agent.as_ref().map(AgentId::as_str) == Some(agent),
            "is not assigned to you",
        ),
    };
    if theirs {
        Ok(c)
    } else {
        Err(ProtoError::new(
            ErrorCode::Forbidden,
            format!("conversation {conv} {refusal}"),
        ))
    }
}

/// Reads `conv` and checks `asker` is a party to it.
pub(crate) async fn conversation_of(
    state: &GatewayState,
    conv: &ConvId,
    asker: Asker<'_>,
) -> Result<Conversation, ProtoError> {
    let found = state.store.conversation(conv).await.map_err(store_error)?;
    party_to(found, conv, asker)
}

/// For staff REST routes on a chat (`{id}` of the path): the chat, its shop and the caller,
/// if the caller is the agent it is assigned to (or was, once closed) or a supervisor of its
/// shop. 404 for an unknown chat, 403 for anyone else (shoppers, other agents, other shops).
pub(crate) async fn served_by(
    state: &GatewayState,
    caller: &Caller,
    id: String,
) -> Result<(Conversation, Arc<ShopConfig>, AgentConfig), ApiError> {
    let (conv, shop) = chat_of_path(state, id).await?;
    let agent = caller.agent_of(&shop)?;
    if !agent.supervisor && conv.agent.as_ref() != Some(&agent.id) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("conversation {} is not assigned to you", conv.id),
        ));
    }
    Ok((conv, shop, agent))
}

/// The chat named `id` in a REST path and its shop (404 for a malformed or unknown id, or a
/// shop this gateway no longer serves).
pub(crate) async fn chat_of_path(
    state: &GatewayState,
    id: String,
) -> Result<(Conversation, Arc<ShopConfig>), ApiError> {
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such conversation");
    let conv_id = ConvId::parse(id).ok_or_else(not_found)?;
    let conv = state
        .store
        .conversation(&conv_id)
        .await
        .map_err(ApiError::store)?
        .ok_or_else(not_found)?;
    let shop = state.shop(&conv.shop).ok_or_else(not_found)?;
    Ok((conv, shop))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qin_proto::{ConvState, GroupId, Party, Role};

    fn shop(id: &str) -> ShopId {
        ShopId::parse(id).expect("valid id")
    }

    fn record(agent: Option<&str>) -> Conversation {
        Conversation {
            id: ConvId::parse("c1").expect("valid id"),
            shop: shop("afu"),
            shopper: Party {
                role: Role::Shopper,
                id: "vAbc".into(),
                name: "亲Abc".into(),
            },
            group: GroupId::parse("lady").expect("valid id"),
            requested_agent: None,
            group_chosen: true,
            state: ConvState::Assigned,
            agent: agent.map(|a| AgentId::parse(a).expect("valid id")),
            opened_at: 1,
            closed_at: None,
            tags: Vec::new(),
            rating: None,
            disposition: None,
        }
    }

    fn code(r: Result<Conversation, ProtoError>) -> Option<ErrorCode> {
        r.err().map(|e| e.code)
    }

    #[test]
    fn its_shopper_and_its_agent_are_parties_and_nobody_else() {
        let conv = ConvId::parse("c1").expect("valid id");
        let (afu, other) = (shop("afu"), shop("other"));
        let shopper = |shop, visitor| Asker::Shopper { shop, visitor };
        let agent = |shop, agent| Asker::Agent { shop, agent };
        let check = |asker| code(party_to(Some(record(Some("anhong"))), &conv, asker));
        assert_eq!(check(shopper(&afu, "vAbc")), None);
        assert_eq!(check(agent(&afu, "anhong")), None);
        assert_eq!(check(shopper(&afu, "vOther")), Some(ErrorCode::Forbidden));
        assert_eq!(check(agent(&afu, "xiaoya")), Some(ErrorCode::Forbidden));
        // The same ids in another shop are other people.
        assert_eq!(check(shopper(&other, "vAbc")), Some(ErrorCode::Forbidden));
        assert_eq!(check(agent(&other, "anhong")), Some(ErrorCode::Forbidden));
        // A waiting chat has no agent yet; an agent id is never a visitor id.
        let waiting = party_to(Some(record(None)), &conv, agent(&afu, "anhong"));
        assert_eq!(code(waiting), Some(ErrorCode::Forbidden));
        assert_eq!(
            code(party_to(None, &conv, shopper(&afu, "vAbc"))),
            Some(ErrorCode::NotFound)
        );
    }
}
