//! The records the store keeps and hands out: conversations, messages to append and what an
//! append returns, and the bus payloads an append may publish.

use qin_proto::{AgentId, ConvId, ConvState, GroupId, Message, MessageKind, Millis, Party, ShopId};
use serde::{Deserialize, Serialize};

/// A conversation's record: who, where it stands, who handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConvId,
    /// The shop it belongs to.
    pub shop: ShopId,
    /// The shopper who opened it (`role: shopper`, `id`: visitor id).
    pub shopper: Party,
    /// Persona group.
    pub group: GroupId,
    /// An agent the shopper asked for when opening it.
    #[serde(default)]
    pub requested_agent: Option<AgentId>,
    /// Whether the shopper picked `group` (a followed or last agent of another group then
    /// does not take the chat); `false` when it is the shop's default.
    #[serde(default)]
    pub group_chosen: bool,
    /// Where it stands.
    pub state: ConvState,
    /// The assigned agent.
    #[serde(default)]
    pub agent: Option<AgentId>,
    /// When it was opened.
    pub opened_at: Millis,
    /// When it was closed.
    #[serde(default)]
    pub closed_at: Option<Millis>,
    /// Tags the agent gave when closing it.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The shopper's rating, 1–5.
    #[serde(default)]
    pub rating: Option<u8>,
    /// What the chat was about, as the agent who closed it chose (one of the shop's
    /// dispositions).
    #[serde(default)]
    pub disposition: Option<String>,
}

impl Conversation {
    /// The shopper's visitor id.
    pub fn visitor(&self) -> &str {
        &self.shopper.id
    }

    /// Whether the conversation is still going on.
    pub fn is_open(&self) -> bool {
        self.state != ConvState::Closed
    }
}

/// A message to append; the store assigns its `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The sender's client id; with `from.id` it identifies retries of the same send.
    pub cid: String,
    /// Sender.
    pub from: Party,
    /// Body kind.
    pub kind: MessageKind,
    /// Body.
    pub body: String,
    /// Time of the send, ms since the epoch.
    pub ts: Millis,
}

/// The result of an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The stored message (for a duplicate: the one stored the first time).
    pub message: Message,
    /// True when this `(from.id, cid)` was already stored and nothing new was written.
    pub duplicate: bool,
}

/// A bus payload to publish once a message is stored, written before the store gives the
/// message its `seq` (see [`qin_proto::unsequenced`] and [`Conversations::append_announced`](crate::Conversations::append_announced)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The bus topic, as given to the bus (without its prefix).
    pub topic: String,
    /// The payload, with [`SEQ_MARK`](qin_proto::unsequenced::SEQ_MARK) where the seq goes.
    pub payload: Vec<u8>,
}

impl Announcement {
    /// The `message` frame of `msg`, for every party of `conv`, on the conversation's topic.
    pub fn delivery(conv: &ConvId, msg: &NewMessage) -> Self {
        Self {
            topic: qin_proto::topic::conversation(conv),
            payload: qin_proto::unsequenced::message_delivery(msg.clone().into_message(conv, 0)),
        }
    }
}
