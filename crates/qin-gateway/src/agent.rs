//! An agent's socket session: login token, status, assigned chats, replies, notes, closing.

use crate::access::Asker;
use crate::auth::TokenKind;
use crate::conn::{Conn, store_error};
use crate::conversation::{self, Participant, view};
use crate::hub::TopicKind;
use crate::routing;
use crate::state::now_ms;
use crate::{send, sign_out, sync};
use bytes::Bytes;
use qin_config::{AgentConfig, ShopConfig};
use qin_proto::{
    AgentEvent, AgentId, AgentStatus, Audience, ClientFrame, ConvId, ErrorCode, GroupId, Millis,
    Party, ProtoError, Role, RouterRequest, ServerFrame, ShopEvent, ShopId, Welcome, topic,
};
use qin_store::{MAX_NOTES, Note};
use std::sync::Arc;

/// The agent was signed out: her socket closes (code 4003).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedOut;

/// An agent who has said `hello` with a valid login token.
pub(crate) struct AgentSession {
    shop: Arc<ShopConfig>,
    agent: AgentConfig,
    /// Her party in chat frames: name and handle (`ShopConfig::agent_party`).
    party: Party,
    /// When her token was issued: a sign-out before it is not for this console.
    logged_in_at: Millis,
}

impl AgentSession {
    /// Handles `hello`: the token from `POST /api/login` is required.
    pub async fn hello(
        conn: &mut Conn,
        shop_id: ShopId,
        token: Option<String>,
    ) -> Result<Self, ProtoError> {
        let state = conn.state.clone();
        let unauthorized = || {
            ProtoError::new(
                ErrorCode::Unauthorized,
                "log in first: POST /api/login gives the token",
            )
        };
        let claims = token
            .and_then(|t| state.tokens.verify(&t, now_ms()))
            .filter(|c| c.kind == TokenKind::Agent && c.shop == shop_id)
            .ok_or_else(unauthorized)?;
        let shop = state.shop(&shop_id).ok_or_else(unauthorized)?;
        let agent = sign_out::standing(&state, &shop, &claims)
            .await
            .map_err(store_error)?
            .ok_or_else(unauthorized)?;
        let party = shop.agent_party(&agent.id);
        conn.staff = true;
        conn.follow(topic::agent(&shop_id, &agent.id), TopicKind::Events)
            .await?;
        let session = Self {
            shop,
            agent,
            party,
            logged_in_at: claims.iat,
        };
        let statuses = state
            .store
            .agent_statuses(&shop_id)
            .await
            .map_err(store_error)?;
        let status = statuses.get(&session.agent.id).copied().unwrap_or_default();
        let auto_reply = state
            .store
            .agent_auto_reply(&shop_id, &session.agent.id)
            .await
            .map_err(store_error)?;
        let assigned = state
            .store
            .open_conversations_of_agent(&shop_id, &session.agent.id)
            .await
            .map_err(store_error)?;
        let profile = routing::profile_in_force(&state, &session.shop).await?;
        let max_chats = session.agent.cap(profile);
        let mut conversations = Vec::with_capacity(assigned.len());
        for conv in &assigned {
            conn.follow_conversation(&conv.id).await?;
            conversations.push(view(&state, &session.shop, conv).await?);
        }
        conn.reply(&ServerFrame::Welcome(Welcome {
            following: Vec::new(),
            supervisor: session.agent.supervisor,
            auto_reply,
            dispositions: session.shop.dispositions.clone(),
            disposition_required: session.shop.disposition_required,
            role: Role::Agent,
            shop: shop_id,
            shop_name: session.shop.name.clone(),
            visitor_id: None,
            token: None,
            agent: Some(session.party.clone()),
            group: Some(session.agent.group.clone()),
            group_name: session
                .shop
                .group(&session.agent.group)
                .map(|g| g.name.clone()),
            status: Some(status),
            max_chats: Some(max_chats),
            groups: Vec::new(),
            conversations,
        }));
        // Counted only once nothing can fail any more, so every count has its uncount.
        let who = (session.shop.id.clone(), session.agent.id.clone());
        state.agents.connected(who);
        Ok(session)
    }

    /// Handles a frame after `hello`.
    pub async fn on_frame(
        &mut self,
        conn: &mut Conn,
        frame: ClientFrame,
    ) -> Result<(), ProtoError> {
        match frame {
            ClientFrame::Status { state } => self.set_status(conn, state).await,
            ClientFrame::Send {
                conv,
                cid,
                kind,
                body,
            } => {
                send::check_body(&self.shop, kind, &body)?;
                let c = self.own(conn, &conv).await?;
                let event = |seq| ShopEvent::AgentMessage {
                    conv,
                    seq,
                    agent: self.agent.id.clone(),
                };
                let message = self.message(cid, kind, body);
                send::send(conn, &c.id, &c.shop, message, event).await?;
                Ok(())
            }
            ClientFrame::Typing { conv, on } => conversation::typing(conn, self, &conv, on).await,
            ClientFrame::Read { conv, seq } => conversation::read(conn, self, &conv, seq).await,
            ClientFrame::Sync { conv, after, epoch } => {
                sync::sync(conn, self, &conv, after, epoch).await
            }
            ClientFrame::Close {
                conv,
                tags,
                disposition,
            } => {
                let mut c = self.own(conn, &conv).await?;
                c.disposition = routing::disposition(&self.shop, disposition)?;
                let tags = tags.unwrap_or_default();
                conversation::close(&conn.state, &self.shop, c, Role::Agent, tags).await
            }
            ClientFrame::Note { conv, text } => {
                let c = self.own(conn, &conv).await?;
                let store = &conn.state.store;
                // Kept first, after the last message, so the next agent's `sync` replays it.
                let note = Note {
                    after_seq: store.last_seq(&c.id).await.map_err(store_error)?,
                    text,
                    from: self.party.clone(),
                    ts: now_ms(),
                };
                if !store.add_note(&c.id, &note).await.map_err(store_error)? {
                    return Err(ProtoError::new(
                        ErrorCode::Conflict,
                        format!("conversation {} holds {MAX_NOTES} notes already", c.id),
                    ));
                }
                let frame = ServerFrame::Note {
                    conv: c.id.clone(),
                    text: note.text,
                    from: note.from,
                    ts: note.ts,
                };
                conversation::publish(&conn.state, &c.id, Audience::Staff, &frame).await
            }
            ClientFrame::Transfer {
                conv,
                to_agent,
                to_group,
                note,
            } => self.transfer(conn, conv, to_agent, to_group, note).await,
            ClientFrame::AutoReply { text } => {
                // The agent's personal auto-reply, sent by the auto-reply service while the
                // agent is busy or away; the socket gets what is stored now.
                let store = &conn.state.store;
                store
                    .set_agent_auto_reply(&self.shop.id, &self.agent.id, text.as_deref())
                    .await
                    .map_err(store_error)?;
                conn.reply(&ServerFrame::AutoReply { text });
                Ok(())
            }
            ClientFrame::Hello { .. } => Err(ProtoError::bad_frame("already said hello")),
            ClientFrame::Open { .. }
            | ClientFrame::Rate { .. }
            | ClientFrame::Follow { .. }
            | ClientFrame::Unfollow { .. }
            | ClientFrame::Choose { .. } => Err(ProtoError::new(
                ErrorCode::Forbidden,
                format!("{} is for shoppers", frame.type_name()),
            )),
        }
    }

    /// Acts on an event from the agent's topic; [`SignedOut`] when the socket must close.
    pub async fn on_event(&mut self, conn: &mut Conn, payload: Bytes) -> Option<SignedOut> {
        let event: AgentEvent = match serde_json::from_slice(&payload) {
            Ok(e) => e,
            Err(error) => {
                tracing::warn!(agent = %self.agent.id, %error, "malformed agent event skipped");
                return None;
            }
        };
        match event {
            AgentEvent::Assigned {
                mut conversation,
                handover,
            } => {
                if handover.is_some() {
                    conversation.handover = handover;
                }
                let follow = conn.follow_conversation(&conversation.conv).await;
                if let Err(e) = follow {
                    conn.error(&e, Some(conversation.conv.to_string()));
                }
                conn.reply(&ServerFrame::Assigned(conversation));
            }
            AgentEvent::Alert {
                conv,
                kind,
                waited_s,
            } => conn.reply(&ServerFrame::Alert {
                conv,
                kind,
                waited_s,
            }),
            AgentEvent::Refused {
                conv,
                request,
                reason,
            } => conn.reply(&ServerFrame::Error {
                code: ErrorCode::Conflict,
                message: format!("{request} of {conv} refused: {reason}"),
                reference: Some(request),
            }),
            AgentEvent::Unassigned { conv, reason } => {
                // Still followed: the conversation's own `closed` frame may be on its way.
                conn.reply(&ServerFrame::Unassigned { conv, reason });
            }
            AgentEvent::Status { status } => conn.reply(&ServerFrame::Status { state: status }),
            AgentEvent::SignedOut { at, .. } if at < self.logged_in_at => {}
            AgentEvent::SignedOut { reason, .. } => {
                let message = format!("signed out: {reason}; log in again");
                conn.error(&ProtoError::new(ErrorCode::Unauthorized, message), None);
                return Some(SignedOut);
            }
        }
        None
    }

    /// Called when the socket ends: an agent with no console left on this gateway goes offline.
    pub async fn on_close(&mut self, conn: &mut Conn) {
        let state = conn.state.clone();
        let who = (self.shop.id.clone(), self.agent.id.clone());
        if state.agents.disconnected(&who) > 0 {
            return;
        }
        if state.shutdown.is_cancelled() {
            // A gateway restart is not the agent leaving: their console reconnects elsewhere.
            return;
        }
        if let Err(e) = self.set_status(conn, AgentStatus::Offline).await {
            tracing::warn!(agent = %self.agent.id, error = %e, "could not mark disconnected agent offline");
        }
    }

    /// Hands a chat the agent holds to another agent or group: checked here, decided by
    /// the router, which answers with `unassigned {reason: "transferred"}` or a refusal.
    async fn transfer(
        &self,
        conn: &Conn,
        conv: ConvId,
        to_agent: Option<AgentId>,
        to_group: Option<GroupId>,
        note: Option<String>,
    ) -> Result<(), ProtoError> {
        routing::transfer_target(
            &self.shop,
            Some(&self.agent.id),
            to_agent.as_ref(),
            to_group.as_ref(),
        )?;
        let c = self.own(conn, &conv).await?;
        if !c.is_open() {
            return Err(ProtoError::new(
                ErrorCode::Conflict,
                format!("conversation {conv} is closed"),
            ));
        }
        // Staff and the router know her by her login name (the handle is for shoppers).
        let by = Party {
            role: Role::Agent,
            id: self.agent.id.to_string(),
            name: self.agent.name.clone(),
        };
        let request = RouterRequest::Transfer {
            conv,
            by,
            to_agent,
            to_group,
            note,
        };
        routing::ask_router(&conn.state, &self.shop.id, &request).await
    }

    async fn set_status(&self, conn: &mut Conn, status: AgentStatus) -> Result<(), ProtoError> {
        let state = &conn.state;
        state
            .store
            .set_agent_status(&self.shop.id, &self.agent.id, status)
            .await
            .map_err(store_error)?;
        let event = ShopEvent::AgentStatusChanged {
            agent: self.agent.id.clone(),
            status,
        };
        conversation::publish_shop_event(state, &self.shop.id, &event).await?;
        let payload = serde_json::to_vec(&AgentEvent::Status { status }).unwrap_or_default();
        state
            .bus
            .publish(&topic::agent(&self.shop.id, &self.agent.id), payload.into())
            .await
            .map_err(crate::conn::bus_error)
    }
}

impl Participant for AgentSession {
    fn party(&self) -> &Party {
        &self.party
    }

    fn asker(&self) -> Asker<'_> {
        Asker::agent(&self.shop.id, &self.agent.id)
    }
}
