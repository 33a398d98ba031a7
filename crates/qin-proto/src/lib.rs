//! Qin's wire protocol: ids, websocket frames, bus events and their validation (no I/O).
//!
//! Field names here are the contract with widgets, consoles and other gateways:
//! extend, never rename. See `docs/protocol.md`.

pub mod error;
pub mod event;
pub mod frame;
pub mod ids;
pub mod image_url;
pub mod limits;
pub mod phrase;
pub mod topic;
pub mod unsequenced;

pub use error::{ErrorCode, ProtoError};
pub use event::{
    AgentEvent, Audience, Delivery, Handover, RouteOutcome, RouterRequest, ShopEvent, Unavailable,
};
pub use frame::{
    AgentStatus, AlertKind, Buyer, Choice, ClientFrame, ConvState, ConversationView, GroupLive,
    Message, MessageKind, Party, Role, ServerFrame, Welcome,
};
pub use ids::{AgentId, ConvId, GroupId, ShopId, VisitorId};
pub use limits::Limits;
pub use phrase::{MAX_PHRASES, MAX_SHORTCUT_CHARS, Phrase};

/// Milliseconds since the Unix epoch, the unit of every `ts` on the wire.
pub type Millis = i64;
