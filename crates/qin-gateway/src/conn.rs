//! One websocket connection's plumbing, shared by shopper and agent sessions: its outbox,
//! the topics it follows, and the frames to write back after handling a client frame.

use crate::hub::{ConnId, Member, Outbox, TopicKind};
use crate::state::GatewayState;
use axum::extract::ws::Utf8Bytes;
use qin_bus::BusError;
use qin_proto::{ConvId, ErrorCode, ProtoError, ServerFrame, topic};
use qin_store::StoreError;
use std::net::IpAddr;
use std::sync::Arc;

/// A connection as sessions see it.
pub(crate) struct Conn {
    pub id: ConnId,
    pub state: GatewayState,
    /// What the hub hands this socket, and its verdict when the socket cannot keep up.
    pub outbox: Arc<Outbox>,
    /// May see staff-only frames.
    pub staff: bool,
    /// The client's address, as flood control counts it.
    pub client: IpAddr,
    /// Topics followed: a handful (the shop's groups, a shopper's few chats, an agent's own
    /// topic and chats), so a list beats a hash set in memory and is as fast.
    topics: Vec<String>,
    /// Frames to write to this socket, in order, once the current frame is handled.
    pub replies: Vec<Utf8Bytes>,
}

impl Conn {
    pub fn new(state: GatewayState, outbox: Arc<Outbox>, client: IpAddr) -> Self {
        Self {
            id: state.hub.next_conn_id(),
            state,
            outbox,
            staff: false,
            client,
            topics: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// Queues `frame` for this socket.
    pub fn reply(&mut self, frame: &ServerFrame) {
        self.replies.push(frame.to_json().into());
    }

    /// Queues an `error` frame answering `reference`.
    pub fn error(&mut self, err: &ProtoError, reference: Option<String>) {
        self.reply(&ServerFrame::error(err, reference));
    }

    /// Follows `topic` (idempotent).
    pub async fn follow(&mut self, topic: String, kind: TopicKind) -> Result<(), ProtoError> {
        if self.topics.contains(&topic) {
            return Ok(());
        }
        let member = Member {
            outbox: self.outbox.clone(),
            staff: self.staff,
        };
        self.state
            .hub
            .join(&topic, kind, self.id, member)
            .await
            .map_err(bus_error)?;
        self.topics.push(topic);
        Ok(())
    }

    /// Follows a conversation's topic (idempotent).
    pub async fn follow_conversation(&mut self, conv: &ConvId) -> Result<(), ProtoError> {
        let kind = TopicKind::Conversation(conv.clone());
        self.follow(topic::conversation(conv), kind).await
    }

    /// Leaves every topic; called when the socket ends.
    pub fn unfollow_all(&mut self) {
        for topic in self.topics.drain(..) {
            self.state.hub.leave(&topic, self.id);
        }
    }
}

/// How a store failure is told to a client; internals stay in the log.
pub(crate) fn store_error(e: StoreError) -> ProtoError {
    match e {
        StoreError::Unavailable(detail) => {
            tracing::warn!(%detail, "store unavailable");
            ProtoError::new(
                ErrorCode::Unavailable,
                "storage is unavailable; retry shortly",
            )
        }
        StoreError::Closed(conv) => ProtoError::new(
            ErrorCode::Conflict,
            format!("conversation {conv} is closed"),
        ),
        StoreError::NotFound(conv) => {
            ProtoError::new(ErrorCode::NotFound, format!("no conversation {conv}"))
        }
        StoreError::Corrupt(detail) => {
            tracing::error!(%detail, "corrupt stored data");
            ProtoError::new(ErrorCode::Internal, "internal error")
        }
    }
}

/// How a bus failure is told to a client.
pub(crate) fn bus_error(e: BusError) -> ProtoError {
    tracing::warn!(error = %e, "bus unavailable");
    ProtoError::new(
        ErrorCode::Unavailable,
        "live delivery is unavailable; retry shortly",
    )
}
