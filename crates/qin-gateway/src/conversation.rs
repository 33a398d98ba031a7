//! Conversation actions shared by shoppers and agents once a session has checked the
//! conversation is theirs (typing, read, close; sending and sync have files of their own),
//! and publishing to its parties.

use crate::access::{self, Asker};
use crate::conn::{Conn, bus_error, store_error};
use crate::state::{GatewayState, now_ms};
use qin_config::ShopConfig;
use qin_proto::{
    AgentEvent, Audience, ConvId, ConvState, ConversationView, Delivery, MessageKind, Party,
    ProtoError, Role, ServerFrame, ShopEvent, ShopId, topic,
};
use qin_store::{Conversation, NewMessage};

/// The assigned agent of `conv` as a party (name and handle, see `ShopConfig::agent_party`).
pub(crate) fn agent_party(shop: &ShopConfig, conv: &Conversation) -> Option<Party> {
    Some(shop.agent_party(conv.agent.as_ref()?))
}

/// The conversation as its parties see it, with its log's end.
pub(crate) async fn view(
    state: &GatewayState,
    shop: &ShopConfig,
    conv: &Conversation,
) -> Result<ConversationView, ProtoError> {
    let last_seq = state.store.last_seq(&conv.id).await.map_err(store_error)?;
    Ok(conv.view(agent_party(shop, conv), last_seq))
}

/// Publishes `frame` to everyone following `conv` (or staff only).
pub(crate) async fn publish(
    state: &GatewayState,
    conv: &ConvId,
    audience: Audience,
    frame: &ServerFrame,
) -> Result<(), ProtoError> {
    state
        .bus
        .publish(
            &topic::conversation(conv),
            Delivery::frame(audience, frame).into(),
        )
        .await
        .map_err(bus_error)
}

/// Tells the router and the auto-reply service about `event`.
pub(crate) async fn publish_shop_event(
    state: &GatewayState,
    shop: &ShopId,
    event: &ShopEvent,
) -> Result<(), ProtoError> {
    let payload = serde_json::to_vec(event).unwrap_or_default();
    state
        .bus
        .publish(&topic::shop(shop), payload.into())
        .await
        .map_err(bus_error)
}

/// Tells the router and auto-reply about something already stored and acknowledged: a
/// failure is logged, not reported to the client, whose action succeeded (the router
/// reconciles with the store).
pub(crate) async fn tell_services(state: &GatewayState, shop: &ShopId, event: &ShopEvent) {
    if let Err(e) = publish_shop_event(state, shop, event).await {
        tracing::warn!(%shop, error = %e.message, "services not told of a stored event");
    }
}

/// A session that acts in the conversations it is a party to.
pub(crate) trait Participant: Sync {
    /// Who the session is, as the other parties see them.
    fn party(&self) -> &Party;

    /// Who asks, for the access rule.
    fn asker(&self) -> Asker<'_>;

    /// The conversation, if this session is a party to it (`forbidden` or `not_found` if not).
    fn own(
        &self,
        conn: &Conn,
        conv: &ConvId,
    ) -> impl Future<Output = Result<Conversation, ProtoError>> + Send {
        access::conversation_of(&conn.state, conv, self.asker())
    }

    /// A message from this session, stamped now.
    fn message(&self, cid: String, kind: MessageKind, body: String) -> NewMessage {
        NewMessage {
            cid,
            from: self.party().clone(),
            kind,
            body,
            ts: now_ms(),
        }
    }
}

/// The conversation if it is still open, else `conflict`.
fn open(conv: Conversation) -> Result<Conversation, ProtoError> {
    if conv.is_open() {
        Ok(conv)
    } else {
        Err(store_error(qin_store::StoreError::Closed(conv.id)))
    }
}

/// Relays a typing indicator.
pub(crate) async fn typing(
    conn: &Conn,
    who: &impl Participant,
    conv: &ConvId,
    on: bool,
) -> Result<(), ProtoError> {
    open(who.own(conn, conv).await?)?;
    let frame = ServerFrame::Typing {
        conv: conv.clone(),
        on,
        from: who.party().clone(),
    };
    publish(&conn.state, conv, Audience::All, &frame).await
}

/// Relays a read receipt.
pub(crate) async fn read(
    conn: &Conn,
    who: &impl Participant,
    conv: &ConvId,
    seq: u64,
) -> Result<(), ProtoError> {
    open(who.own(conn, conv).await?)?;
    let frame = ServerFrame::Read {
        conv: conv.clone(),
        seq,
        from: who.party().clone(),
    };
    publish(&conn.state, conv, Audience::All, &frame).await
}

/// Closes a conversation: stores it, tells its parties, frees the agent's slot.
pub(crate) async fn close(
    state: &GatewayState,
    shop: &ShopConfig,
    mut conv: Conversation,
    by: Role,
    tags: Vec<String>,
) -> Result<(), ProtoError> {
    if !conv.is_open() {
        return Err(store_error(qin_store::StoreError::Closed(conv.id.clone())));
    }
    conv.state = ConvState::Closed;
    conv.closed_at = Some(now_ms());
    conv.tags = tags;
    state
        .store
        .save_conversation(&conv)
        .await
        .map_err(store_error)?;
    // Stored: from here on the close has happened. Parties who miss the news learn it on
    // their next `hello` (closed chats are no longer listed), the router by reconciling.
    let view = conv.view(
        agent_party(shop, &conv),
        state.store.last_seq(&conv.id).await.unwrap_or(0),
    );
    let told = publish(
        state,
        &conv.id,
        Audience::All,
        &ServerFrame::Conversation(view),
    )
    .await;
    if let Err(e) = told {
        tracing::warn!(conv = %conv.id, error = %e.message, "close not delivered live");
    }
    let event = ShopEvent::ChatClosed {
        conv: conv.id.clone(),
        by,
    };
    tell_services(state, &shop.id, &event).await;
    if let Some(agent) = &conv.agent {
        let event = AgentEvent::Unassigned {
            conv: conv.id.clone(),
            reason: "closed".into(),
        };
        let payload = serde_json::to_vec(&event).unwrap_or_default();
        if let Err(e) = state
            .bus
            .publish(&topic::agent(&shop.id, agent), payload.into())
            .await
        {
            tracing::warn!(conv = %conv.id, %agent, error = %e, "unassignment not delivered live");
        }
    }
    Ok(())
}
