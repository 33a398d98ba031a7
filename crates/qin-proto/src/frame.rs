//! Websocket frames: what shoppers' widgets and agents' consoles send (`ClientFrame`)
//! and what Qin sends them (`ServerFrame`). JSON text frames tagged by `"type"`.

use crate::{AgentId, ConvId, GroupId, Limits, Millis, ProtoError, ShopId, VisitorId};
use serde::{Deserialize, Serialize};

/// Who wrote a message or did an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The shop's customer, from the storefront widget.
    Shopper,
    /// Customer-service staff, from the console.
    Agent,
    /// The auto-reply service.
    Bot,
    /// Qin itself (e.g. "the chat was transferred").
    System,
    /// A shop supervisor.
    Supervisor,
}

/// A participant as shown to the others: `{role, id, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// What kind of participant.
    pub role: Role,
    /// Visitor id, agent id, or the bot's name.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// What a message body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Plain text.
    Text,
    /// An image; the body is its `https://` or `http://` URL.
    Image,
}

/// An agent's availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Takes new chats.
    Online,
    /// At the desk but takes no new chats (挂起).
    Busy,
    /// Briefly away from the desk.
    Away,
    /// Not working.
    #[default]
    Offline,
}

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvState {
    /// Waiting in a persona group's queue for an agent.
    Queued,
    /// An agent handles it.
    Assigned,
    /// Waiting for one specific agent (e.g. the shopper's favourite) to have room.
    WaitingAgent,
    /// Over.
    Closed,
}

/// A shop's logged-in buyer, as its storefront passes her to the widget: her id in the shop
/// and `sig`, the shop backend's HMAC-SHA256 of the id under the shop's `identity_secret`, in
/// lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Buyer {
    /// The buyer's id in the shop (1-128 characters).
    pub id: String,
    /// `hex(HMAC-SHA256(identity_secret, id))`.
    pub sig: String,
}

/// A frame from a client. The first one on a socket must be `hello`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Identify: the shop, and the token from an earlier `welcome` (shopper) or `POST /api/login` (agent).
    Hello {
        /// The shop.
        shop: ShopId,
        /// Shopper: optional, to keep the same identity; agent: required.
        #[serde(default)]
        token: Option<String>,
        /// Shopper: the shop's logged-in buyer, signed by the shop's backend, so she is the
        /// same customer on every device.
        #[serde(default)]
        buyer: Option<Buyer>,
    },
    /// Shopper: start a conversation, optionally with a chosen persona group or agent.
    Open {
        /// Persona group; the shop's default when absent.
        #[serde(default)]
        group: Option<GroupId>,
        /// A specific agent the shopper asks for.
        #[serde(default)]
        agent: Option<AgentId>,
    },
    /// Post a message; acknowledged with `ack` once durably stored.
    Send {
        /// Conversation.
        conv: ConvId,
        /// Client-chosen id; a retry with the same `cid` is not stored twice.
        cid: String,
        /// Body kind.
        kind: MessageKind,
        /// Body.
        body: String,
    },
    /// Typing indicator on or off.
    Typing {
        /// Conversation.
        conv: ConvId,
        /// Whether the sender is typing.
        on: bool,
    },
    /// Read receipt up to `seq`.
    Read {
        /// Conversation.
        conv: ConvId,
        /// Highest `seq` read.
        seq: u64,
    },
    /// Replay messages after `after`, then `synced`.
    Sync {
        /// Conversation.
        conv: ConvId,
        /// Last `seq` the client has.
        after: u64,
        /// The log's `epoch` from the client's last `synced`, if any.
        #[serde(default)]
        epoch: Option<String>,
    },
    /// Agent: change availability.
    Status {
        /// New status.
        state: AgentStatus,
    },
    /// Agent: hand a conversation to another agent or persona group.
    Transfer {
        /// Conversation.
        conv: ConvId,
        /// Target agent.
        #[serde(default)]
        to_agent: Option<AgentId>,
        /// Target persona group.
        #[serde(default)]
        to_group: Option<GroupId>,
        /// Words for the next agent (agents only, never shown to the shopper).
        #[serde(default)]
        note: Option<String>,
    },
    /// Shopper: follow an agent (a fan's favourite): new chats go to them first.
    Follow {
        /// Agent.
        agent: AgentId,
    },
    /// Shopper: stop following an agent.
    Unfollow {
        /// Agent.
        agent: AgentId,
    },
    /// Shopper: answer the offer made while waiting for a full favourite agent.
    Choose {
        /// Conversation (in state `waiting_agent`).
        conv: ConvId,
        /// Keep waiting for that agent, or take the next agent of the group now.
        choice: Choice,
    },
    /// End a conversation (agent may add tags).
    Close {
        /// Conversation.
        conv: ConvId,
        /// Agent's tags, e.g. the complaint's cause.
        #[serde(default)]
        tags: Option<Vec<String>>,
        /// Agent: what the chat was about, one of the shop's dispositions (`welcome`).
        #[serde(default)]
        disposition: Option<String>,
    },
    /// Agent: private note, never shown to the shopper.
    Note {
        /// Conversation.
        conv: ConvId,
        /// The note.
        text: String,
    },
    /// Agent: set (`text`) or clear (no `text`) your personal auto-reply, which the bot sends
    /// for you, once per wait, to shoppers writing while you are busy or away.
    AutoReply {
        /// The words; absent or `null` clears them.
        #[serde(default)]
        text: Option<String>,
    },
    /// Shopper: rate the conversation.
    Rate {
        /// Conversation.
        conv: ConvId,
        /// 1 to 5.
        score: u8,
        /// Optional words.
        #[serde(default)]
        comment: Option<String>,
    },
}

/// A shopper's answer while their favourite agent is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Keep waiting in that agent's own queue.
    Wait,
    /// Take the next agent of the same persona group now.
    AnyAgent,
}

/// The frame types clients may send, for error messages.
pub const CLIENT_FRAME_TYPES: &[&str] = &[
    "hello",
    "open",
    "send",
    "typing",
    "read",
    "sync",
    "status",
    "transfer",
    "close",
    "note",
    "rate",
    "follow",
    "unfollow",
    "choose",
    "auto_reply",
];

impl ClientFrame {
    /// Parses and validates one text frame. Every failure carries the documented error code.
    pub fn parse(text: &str, limits: &Limits) -> Result<Self, ProtoError> {
        if text.len() > limits.max_frame_bytes {
            return Err(ProtoError::too_large(format!(
                "frame is {} bytes; the limit is {}",
                text.len(),
                limits.max_frame_bytes
            )));
        }
        // Fast path: a well-formed frame parses straight into its variant.
        let frame: Self = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(e) => return Err(diagnose(text, &e)),
        };
        frame.validate(limits)?;
        Ok(frame)
    }

    /// The frame's `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Hello { .. } => "hello",
            Self::Open { .. } => "open",
            Self::Send { .. } => "send",
            Self::Typing { .. } => "typing",
            Self::Read { .. } => "read",
            Self::Sync { .. } => "sync",
            Self::Status { .. } => "status",
            Self::Transfer { .. } => "transfer",
            Self::Close { .. } => "close",
            Self::Note { .. } => "note",
            Self::Rate { .. } => "rate",
            Self::Follow { .. } => "follow",
            Self::Unfollow { .. } => "unfollow",
            Self::Choose { .. } => "choose",
            Self::AutoReply { .. } => "auto_reply",
        }
    }

    fn validate(&self, limits: &Limits) -> Result<(), ProtoError> {
        match self {
            Self::Send {
                cid, kind, body, ..
            } => {
                validate_cid(cid, limits)?;
                validate_body(body, limits)?;
                if *kind == MessageKind::Image
                    && !(body.starts_with("https://") || body.starts_with("http://"))
                {
                    return Err(ProtoError::bad_frame(
                        "an image message's body must be an http(s) URL",
                    ));
                }
                Ok(())
            }
            Self::Note { text, .. } => validate_body(text, limits),
            Self::AutoReply { text } => match text {
                Some(text) => validate_body(text, limits),
                None => Ok(()),
            },
            Self::Transfer {
                to_agent,
                to_group,
                note,
                ..
            } => {
                match (to_agent, to_group) {
                    (None, None) => {
                        return Err(ProtoError::bad_frame(
                            "transfer needs \"to_agent\" or \"to_group\"",
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(ProtoError::bad_frame(
                            "transfer takes \"to_agent\" or \"to_group\", not both",
                        ));
                    }
                    _ => {}
                }
                match note {
                    Some(note) => validate_body(note, limits),
                    None => Ok(()),
                }
            }
            Self::Close {
                tags, disposition, ..
            } => {
                let tags = tags.as_deref().unwrap_or_default();
                if tags.len() > 16 || tags.iter().any(|t| t.is_empty() || t.chars().count() > 32) {
                    return Err(ProtoError::bad_frame(
                        "close takes at most 16 tags of 1-32 characters",
                    ));
                }
                if disposition
                    .as_ref()
                    .is_some_and(|d| d.is_empty() || d.chars().count() > 32)
                {
                    return Err(ProtoError::bad_frame("a disposition is 1-32 characters"));
                }
                Ok(())
            }
            Self::Rate { score, comment, .. } => {
                if !(1..=5).contains(score) {
                    return Err(ProtoError::bad_frame("score must be 1 to 5"));
                }
                if comment
                    .as_ref()
                    .is_some_and(|c| c.chars().count() > limits.max_body_chars)
                {
                    return Err(ProtoError::too_large("comment is too long"));
                }
                Ok(())
            }
            Self::Hello { token, buyer, .. } => {
                if token.as_ref().is_some_and(|t| t.len() > 1024) {
                    return Err(ProtoError::too_large("token is too long"));
                }
                match buyer {
                    Some(b) if b.id.is_empty() || b.id.chars().count() > 128 => {
                        Err(ProtoError::bad_frame("buyer.id is 1-128 characters"))
                    }
                    Some(b) if b.id.chars().any(char::is_control) => {
                        Err(ProtoError::bad_frame("buyer.id has control characters"))
                    }
                    Some(b) if b.sig.len() != 64 => {
                        Err(ProtoError::bad_frame("buyer.sig is 64 hex digits"))
                    }
                    _ => Ok(()),
                }
            }
            Self::Open { .. }
            | Self::Typing { .. }
            | Self::Read { .. }
            | Self::Sync { .. }
            | Self::Status { .. }
            | Self::Follow { .. }
            | Self::Unfollow { .. }
            | Self::Choose { .. } => Ok(()),
        }
    }
}

/// Explains why `text` is not a client frame, naming the problem as precisely as possible.
fn diagnose(text: &str, err: &serde_json::Error) -> ProtoError {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return ProtoError::bad_frame(format!("not valid JSON: {e}")),
    };
    let Some(object) = value.as_object() else {
        return ProtoError::bad_frame("a frame must be a JSON object");
    };
    let Some(kind) = object.get("type").and_then(|t| t.as_str()) else {
        return ProtoError::bad_frame("a frame needs a string \"type\"");
    };
    if !CLIENT_FRAME_TYPES.contains(&kind) {
        return ProtoError::bad_frame(format!(
            "unknown frame type {kind:?}; expected one of {}",
            CLIENT_FRAME_TYPES.join(", ")
        ));
    }
    ProtoError::bad_frame(format!("invalid {kind} frame: {err}"))
}

fn validate_cid(cid: &str, limits: &Limits) -> Result<(), ProtoError> {
    if cid.is_empty() {
        return Err(ProtoError::bad_frame("cid must not be empty"));
    }
    if cid.len() > limits.max_cid_len {
        return Err(ProtoError::too_large(format!(
            "cid is {} bytes; the limit is {}",
            cid.len(),
            limits.max_cid_len
        )));
    }
    if cid.chars().any(char::is_control) {
        return Err(ProtoError::bad_frame(
            "cid must not contain control characters",
        ));
    }
    Ok(())
}

fn validate_body(body: &str, limits: &Limits) -> Result<(), ProtoError> {
    if body.trim().is_empty() {
        return Err(ProtoError::bad_frame("body must not be empty"));
    }
    let chars = body.chars().count();
    if chars > limits.max_body_chars {
        return Err(ProtoError::too_large(format!(
            "body is {chars} characters; the limit is {}",
            limits.max_body_chars
        )));
    }
    Ok(())
}

/// One stored message of a conversation, as every party receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Conversation.
    pub conv: ConvId,
    /// Position in the conversation's log: 1, 2, 3, … without gaps.
    pub seq: u64,
    /// The sender's client id (bots and the system use their own).
    pub cid: String,
    /// Sender.
    pub from: Party,
    /// Body kind.
    pub kind: MessageKind,
    /// Body.
    pub body: String,
    /// When it was stored, ms since the epoch.
    pub ts: Millis,
}

/// A conversation as a party sees it: in `conversation` frames and in `welcome` lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    /// Conversation.
    pub conv: ConvId,
    /// Where it stands.
    pub state: ConvState,
    /// Persona group.
    pub group: GroupId,
    /// The assigned (or awaited) agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Party>,
    /// The shopper (shown to agents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shopper: Option<Party>,
    /// 1-based place in the queue while queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Estimated seconds until an agent takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta_s: Option<u32>,
    /// Highest `seq` in the conversation's log.
    #[serde(default)]
    pub last_seq: u64,
    /// Agents only, in `assigned`: how the chat came from another agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handover: Option<crate::Handover>,
}

/// Why a conversation needs an agent's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The shopper's message has gone unanswered past the shop's `slow_reply_s`.
    SlowReply,
}

/// Live availability of one persona group, as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLive {
    /// Group id, e.g. `lady`.
    pub id: GroupId,
    /// Display name, e.g. 淑女组.
    pub name: String,
    /// One line describing the group's personality.
    #[serde(default)]
    pub tagline: String,
    /// Agents of the group online now.
    pub online: u32,
    /// Conversations waiting in the group's queue.
    pub waiting: u32,
    /// Estimated seconds until a new conversation is taken.
    pub eta_s: u32,
    /// While the shop is closed (opening hours, holidays): when it next opens, ms since the
    /// epoch. Absent while open, or when it never opens again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<Millis>,
}

/// The answer to a valid `hello`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// `shopper` or `agent`.
    pub role: Role,
    /// The shop.
    pub shop: ShopId,
    /// The shop's display name.
    pub shop_name: String,
    /// Shopper: their identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_id: Option<VisitorId>,
    /// Shopper: the token to send in the next `hello` to stay the same shopper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Agent: who they are (`role`, `id`, `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Party>,
    /// Agent: their persona group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupId>,
    /// Agent: their persona group's display name, e.g. 淑女组.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Agent: their current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AgentStatus>,
    /// Agent: how many chats they may hold at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chats: Option<u32>,
    /// Shopper: the shop's persona groups with live availability.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupLive>,
    /// Shopper: the agents they follow, favourite first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub following: Vec<AgentId>,
    /// Agent: whether they are a supervisor of the shop.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub supervisor: bool,
    /// Agent: their personal auto-reply (sent for them while busy or away), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_reply: Option<String>,
    /// Agent: the shop's dispositions, one of which `close` may name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dispositions: Vec<String>,
    /// Agent: whether `close` must name a disposition.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disposition_required: bool,
    /// Open conversations (shopper: theirs; agent: assigned to them).
    pub conversations: Vec<ConversationView>,
}

/// A frame from Qin to a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to `hello`.
    Welcome(Welcome),
    /// A conversation's state, sent on `open` and whenever it changes.
    Conversation(ConversationView),
    /// A `send` was durably stored as `seq`.
    Ack {
        /// Conversation.
        conv: ConvId,
        /// The client's id of the send.
        cid: String,
        /// Where it was stored.
        seq: u64,
    },
    /// A message of a conversation.
    Message(Message),
    /// Someone started or stopped typing.
    Typing {
        /// Conversation.
        conv: ConvId,
        /// Typing or not.
        on: bool,
        /// Who.
        from: Party,
    },
    /// Someone read up to `seq`.
    Read {
        /// Conversation.
        conv: ConvId,
        /// Highest `seq` read.
        seq: u64,
        /// Who.
        from: Party,
    },
    /// End of a `sync` replay.
    Synced {
        /// Conversation.
        conv: ConvId,
        /// Highest `seq` replayed (or the log's end).
        upto: u64,
        /// Whether everything after the requested `seq` was replayed.
        recovered: bool,
        /// Identifies this incarnation of the log; it changes if the store lost the log and
        /// began it again. A client holding another epoch discards its copy and syncs from 0.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        epoch: Option<String>,
    },
    /// Agent: a conversation was given to you.
    Assigned(ConversationView),
    /// Agent: a conversation is no longer yours (closed or transferred).
    Unassigned {
        /// Conversation.
        conv: ConvId,
        /// Why, e.g. `closed`.
        reason: String,
    },
    /// Agent: your status as Qin now holds it.
    Status {
        /// The status.
        state: AgentStatus,
    },
    /// Agent: your personal auto-reply as now stored, after `auto_reply`.
    AutoReply {
        /// The words; absent when cleared.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Shopper: the agents they follow, after `follow` or `unfollow`.
    Following {
        /// Followed agents, favourite first.
        agents: Vec<AgentId>,
    },
    /// Agent: a conversation needs attention (e.g. the shopper waits too long for a reply).
    Alert {
        /// Conversation.
        conv: ConvId,
        /// What is wrong.
        kind: AlertKind,
        /// Seconds the shopper has waited for a reply.
        waited_s: u32,
    },
    /// Shopper: persona groups' live availability changed.
    Groups {
        /// All groups of the shop.
        groups: Vec<GroupLive>,
    },
    /// Agents only: a private note on a conversation.
    Note {
        /// Conversation.
        conv: ConvId,
        /// The note.
        text: String,
        /// Who wrote it.
        from: Party,
        /// When, ms since the epoch.
        ts: Millis,
    },
    /// A request failed; `ref` names the frame type or `cid` it answers.
    Error {
        /// Machine-readable reason.
        code: crate::ErrorCode,
        /// Human-readable reason.
        message: String,
        /// The `cid` or frame type the error answers.
        #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
}

impl ServerFrame {
    /// An `error` frame for `err`, answering `reference`.
    pub fn error(err: &ProtoError, reference: Option<String>) -> Self {
        Self::Error {
            code: err.code,
            message: err.message.clone(),
            reference,
        }
    }

    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail: no maps with non-string keys, no foreign types.
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"type":"error","code":"internal","message":"encode: {e}"}}"#)
        })
    }
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
