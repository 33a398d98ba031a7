//! What travels on the bus between Qin's processes (never directly to clients).

use crate::{
    AgentId, AgentStatus, AlertKind, Choice, ConvId, ConversationView, GroupId, MessageKind,
    Millis, Party, Role,
};
use serde::{Deserialize, Serialize};

/// Shop-wide events on `topic::shop`, consumed by the router and the auto-reply service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ShopEvent {
    /// A shopper opened a conversation; it is stored with state `queued`.
    ChatOpened {
        /// Conversation.
        conv: ConvId,
        /// Who opened it.
        shopper: Party,
        /// The persona group chosen (or the shop's default).
        group: GroupId,
        /// An agent the shopper asked for.
        #[serde(default)]
        requested_agent: Option<AgentId>,
        /// Whether the shopper picked `group` (not the shop's default): a followed or last
        /// agent of another group then does not take the chat.
        #[serde(default)]
        group_chosen: bool,
    },
    /// A conversation was closed by its shopper or agent.
    ChatClosed {
        /// Conversation.
        conv: ConvId,
        /// Who closed it.
        by: Role,
    },
    /// An agent's status changed (already written to the store).
    AgentStatusChanged {
        /// Agent.
        agent: AgentId,
        /// New status.
        status: AgentStatus,
    },
    /// A shopper's message was stored.
    ShopperMessage {
        /// Conversation.
        conv: ConvId,
        /// Its `seq`.
        seq: u64,
        /// Body kind.
        kind: MessageKind,
        /// Body.
        body: String,
    },
    /// An agent's message was stored (lets the auto-reply service stay quiet).
    AgentMessage {
        /// Conversation.
        conv: ConvId,
        /// Its `seq`.
        seq: u64,
        /// Agent.
        agent: AgentId,
    },
    /// The router decided where a conversation goes (already written to the store), or a
    /// waiting conversation's place or estimate changed meaningfully (the same outcome again,
    /// with the new `position` and `eta_s`).
    Routed {
        /// Conversation.
        conv: ConvId,
        /// Persona group.
        group: GroupId,
        /// The decision.
        outcome: RouteOutcome,
        /// The agent the shopper wanted (asked for, follows or talked to last), when that
        /// agent could not take the chat because they are away or offline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unavailable: Option<Unavailable>,
        /// For a waiting chat: the estimated seconds until it is taken, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        eta_s: Option<u32>,
    },
    /// A request for the router was queued in the store (`RoutingDesk::push_request`): the
    /// router should read its inbox now.
    RequestPending,
    /// The shopper of `conv` has no socket left on one gateway (she closed the widget or
    /// lost her connection). Sent once per gateway, when its last socket of hers ends.
    ShopperAway {
        /// Conversation.
        conv: ConvId,
    },
    /// The shopper of `conv` is connected again on one gateway (its first socket of hers).
    ShopperBack {
        /// Conversation.
        conv: ConvId,
    },
}

/// The agent a shopper wanted, and why they could not take the chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unavailable {
    /// Agent.
    pub agent: AgentId,
    /// Their status (`away` or `offline`, or `online` when off shift).
    pub status: AgentStatus,
}

/// What gateways ask of a shop's router. Requests are kept in the store until the router has
/// applied them, so none is lost while no router runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum RouterRequest {
    /// An agent hands a chat on, or a supervisor reassigns it.
    Transfer {
        /// Conversation.
        conv: ConvId,
        /// Who asks (`agent` or `supervisor`).
        by: Party,
        /// Target agent.
        #[serde(default)]
        to_agent: Option<AgentId>,
        /// Target persona group.
        #[serde(default)]
        to_group: Option<GroupId>,
        /// Words for the next agent (agents only).
        #[serde(default)]
        note: Option<String>,
    },
    /// A shopper waiting for a full favourite agent answers the offer.
    Choose {
        /// Conversation.
        conv: ConvId,
        /// The answer.
        choice: Choice,
    },
    /// A supervisor switches the peak-day profile (`None`: back to the dated schedule).
    SetProfile {
        /// Profile name from the config.
        profile: Option<String>,
        /// Who asks.
        by: Party,
    },
}

/// A routing decision's result, as other services need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RouteOutcome {
    /// Given to `agent`.
    Assigned {
        /// Agent.
        agent: AgentId,
    },
    /// Waiting in the group's queue at `position`; `online` agents of the group are online.
    Queued {
        /// 1-based place in the queue.
        position: u32,
        /// Online agents in the group.
        online: u32,
    },
    /// Waiting in `agent`'s own queue (the shopper's favourite, full right now).
    WaitingAgent {
        /// Agent.
        agent: AgentId,
        /// 1-based place in the agent's queue.
        position: u32,
    },
}

/// Events for one agent's consoles on `topic::agent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
// Decoded once per event and moved, never stored in bulk: the size difference is harmless.
#[allow(clippy::large_enum_variant)]
pub enum AgentEvent {
    /// A conversation was given to the agent: gateways subscribe the agent's sockets to it.
    Assigned {
        /// The conversation as the agent sees it.
        conversation: ConversationView,
        /// Set when the chat comes from another agent (transfer, escalation, reassignment).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handover: Option<Handover>,
    },
    /// A request of the agent (e.g. a transfer) could not be carried out.
    Refused {
        /// Conversation.
        conv: ConvId,
        /// The request's frame type, e.g. `transfer`.
        request: String,
        /// Why, for the agent to read.
        reason: String,
    },
    /// A conversation of the agent needs attention.
    Alert {
        /// Conversation.
        conv: ConvId,
        /// What is wrong.
        kind: AlertKind,
        /// Seconds the shopper has waited.
        waited_s: u32,
    },
    /// The conversation is no longer the agent's.
    Unassigned {
        /// Conversation.
        conv: ConvId,
        /// Why.
        reason: String,
    },
    /// The agent's status changed (e.g. from another console).
    Status {
        /// New status.
        status: AgentStatus,
    },
    /// The agent was signed out everywhere (logged out, signed out by a supervisor, removed
    /// or disabled in the config): every console of hers closes.
    SignedOut {
        /// Why, for the agent to read.
        reason: String,
        /// When (ms since the epoch): a console whose login is newer stays open.
        #[serde(default)]
        at: Millis,
    },
}

/// How a chat came from another agent, shown to the agent who takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    /// The agent who held it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<AgentId>,
    /// Why it moved: the routing rule, e.g. `transfer`, `slow_reply`, `agent_offline`.
    pub reason: String,
    /// The note left for the next agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Who may receive a frame published on a conversation's topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Every party: shopper, agent, supervisors.
    All,
    /// Staff only (agents and supervisors): private notes.
    Staff,
}

/// A server frame on a conversation (or groups) topic, encoded as one audience byte, the
/// message's `seq` in decimal if the frame is a `message`, then the frame's JSON. Gateways
/// forward the JSON to sockets without parsing or re-encoding it, and use the `seq` to notice
/// messages the bus lost.
#[derive(Debug, Clone, Copy)]
pub struct Delivery;

impl Delivery {
    const ALL: u8 = b'A';
    const STAFF: u8 = b'S';

    /// Encodes `frame_json` for `audience`; `seq` for `message` frames.
    pub fn encode(audience: Audience, seq: Option<u64>, frame_json: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(frame_json.len() + 21);
        out.push(match audience {
            Audience::All => Self::ALL,
            Audience::Staff => Self::STAFF,
        });
        if let Some(seq) = seq {
            out.extend_from_slice(seq.to_string().as_bytes());
        }
        out.extend_from_slice(frame_json.as_bytes());
        out
    }

    /// Encodes `frame` for `audience`.
    pub fn frame(audience: Audience, frame: &crate::ServerFrame) -> Vec<u8> {
        let seq = match frame {
            crate::ServerFrame::Message(m) => Some(m.seq),
            _ => None,
        };
        Self::encode(audience, seq, &frame.to_json())
    }

    /// Splits a payload into its audience, the message's `seq` (if any) and the frame's
    /// JSON; `None` if malformed.
    pub fn decode(payload: &[u8]) -> Option<(Audience, Option<u64>, &str)> {
        let (&first, rest) = payload.split_first()?;
        let audience = match first {
            Self::ALL => Audience::All,
            Self::STAFF => Audience::Staff,
            _ => return None,
        };
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let seq = match digits {
            0 => None,
            _ => Some(std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?),
        };
        let json = std::str::from_utf8(&rest[digits..]).ok()?;
        json.starts_with('{').then_some((audience, seq, json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_round_trips() {
        let payload = Delivery::encode(Audience::Staff, None, r#"{"type":"note"}"#);
        assert_eq!(
            Delivery::decode(&payload),
            Some((Audience::Staff, None, r#"{"type":"note"}"#))
        );
        let payload = Delivery::encode(Audience::All, Some(42), r#"{"type":"message"}"#);
        assert_eq!(&payload[..3], b"A42");
        assert_eq!(
            Delivery::decode(&payload),
            Some((Audience::All, Some(42), r#"{"type":"message"}"#))
        );
        assert_eq!(Delivery::decode(b""), None);
        assert_eq!(Delivery::decode(b"X{}"), None);
        assert_eq!(Delivery::decode(b"A12"), None);
        assert_eq!(Delivery::decode(b"A99999999999999999999999{}"), None);
        assert_eq!(Delivery::decode(&[b'A', 0xff]), None);
    }

    #[test]
    fn shop_events_round_trip_as_json() {
        let e = ShopEvent::Routed {
            conv: ConvId::parse("c1").unwrap(),
            group: GroupId::parse("lady").unwrap(),
            outcome: RouteOutcome::Queued {
                position: 2,
                online: 0,
            },
            unavailable: None,
            eta_s: Some(60),
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<ShopEvent>(&json).unwrap(), e);
    }

    #[test]
    fn routed_events_without_an_estimate_still_parse() {
        let old = r#"{"event":"routed","conv":"c1","group":"lady","outcome":{"kind":"queued","position":2,"online":0}}"#;
        let ShopEvent::Routed { eta_s, .. } = serde_json::from_str(old).unwrap() else {
            panic!("not routed");
        };
        assert_eq!(eta_s, None);
    }
}
