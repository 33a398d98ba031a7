//! A shopper's socket session: identity, persona groups, opening chats, talking in them.

use crate::access::Asker;
use crate::auth::{Claims, TokenKind};
use crate::conn::{Conn, store_error};
use crate::conversation::{self, Participant, view};
use crate::groups::groups_live;
use crate::hub::TopicKind;
use crate::routing;
use crate::state::{GatewayState, now_ms, random_id};
use crate::{send, sync};
use qin_config::{BuyerRefusal, ShopConfig};
use qin_proto::{
    AgentId, Buyer, ClientFrame, ConvId, ConvState, ErrorCode, GroupId, Party, ProtoError, Role,
    RouterRequest, ServerFrame, ShopEvent, ShopId, VisitorId, Welcome, topic,
};
use qin_store::Conversation;
use std::sync::Arc;

/// How many of a shopper's conversations a session remembers as theirs.
const REMEMBERED: usize = 8;

/// A shopper who has said `hello`.
pub(crate) struct ShopperSession {
    shop: Arc<ShopConfig>,
    visitor: VisitorId,
    party: Party,
    /// Conversations known to be this shopper's (a conversation never changes hands), so a
    /// `send` to one needs no read of its record: the store's append refuses it once closed.
    mine: Vec<ConvId>,
}

impl ShopperSession {
    /// Handles `hello`: keeps the identity of a genuine token, else mints a new one.
    pub async fn hello(
        conn: &mut Conn,
        shop_id: ShopId,
        token: Option<String>,
        buyer: Option<Buyer>,
    ) -> Result<Self, ProtoError> {
        let state = conn.state.clone();
        let shop = state
            .shop(&shop_id)
            .ok_or_else(|| ProtoError::new(ErrorCode::NotFound, format!("no shop {shop_id}")))?;
        let now = now_ms();
        let known = token
            .and_then(|t| state.tokens.verify(&t, now))
            .filter(|c| c.kind == TokenKind::Shopper && c.shop == shop_id)
            .and_then(|c| VisitorId::parse(c.sub));
        // A buyer the shop signed is the same shopper everywhere (her token, if any, is
        // replaced); anyone else keeps the identity of her token, or gets a new one.
        let signed = match &buyer {
            Some(b) => Some(shop.buyer_visitor(&b.id, &b.sig).map_err(|why| match why {
                BuyerRefusal::NotSigned => ProtoError::new(
                    ErrorCode::Forbidden,
                    format!("shop {shop_id} does not sign buyers (no identity_secret)"),
                ),
                BuyerRefusal::BadSignature => ProtoError::new(
                    ErrorCode::Unauthorized,
                    "buyer.sig is not this shop's signature of buyer.id",
                ),
            })?),
            None => None,
        };
        let visitor = match signed.or(known) {
            Some(v) => v,
            None => {
                state
                    .flood
                    .new_visitor(conn.client, std::time::Instant::now())?;
                VisitorId::parse(random_id('v'))
                    .ok_or_else(|| ProtoError::new(ErrorCode::Internal, "id generation failed"))?
            }
        };
        // Re-issued on every visit, so a returning shopper's identity does not expire.
        let token = state.tokens.sign(&Claims {
            kind: TokenKind::Shopper,
            shop: shop_id.clone(),
            sub: visitor.to_string(),
            exp: now + state.config.server.shopper_token_ttl_s as i64 * 1000,
            iat: now,
        });
        let party = Party {
            role: Role::Shopper,
            id: visitor.to_string(),
            name: format!("亲{}", &visitor.as_str()[1..5.min(visitor.as_str().len())]),
        };
        let mut session = Self {
            shop,
            visitor,
            party,
            mine: Vec::new(),
        };
        conn.follow(topic::groups(&shop_id), TopicKind::Frames)
            .await?;
        let open = state
            .store
            .open_conversations_of_shopper(&shop_id, &session.visitor)
            .await
            .map_err(store_error)?;
        let mut conversations = Vec::with_capacity(open.len());
        for conv in &open {
            session.remember(&conv.id);
            conn.follow_conversation(&conv.id).await?;
            conversations.push(view(&state, &session.shop, conv).await?);
        }
        let groups = groups_live(&state, &session.shop).await?;
        // Who the shopper follows is a nicety: a store that cannot say must not keep them
        // from chatting.
        let following = match session.following(&state).await {
            Ok(agents) => agents,
            Err(e) => {
                tracing::warn!(visitor = %session.visitor, error = %e.message, "welcome without following");
                Vec::new()
            }
        };
        conn.reply(&ServerFrame::Welcome(Welcome {
            auto_reply: None,
            dispositions: Vec::new(),
            disposition_required: false,
            following,
            supervisor: false,
            role: Role::Shopper,
            shop: shop_id,
            shop_name: session.shop.name.clone(),
            visitor_id: Some(session.visitor.clone()),
            token: Some(token),
            agent: None,
            group: None,
            group_name: None,
            status: None,
            max_chats: None,
            groups,
            conversations,
        }));
        // Counted only once nothing can fail any more, so every count has its uncount.
        let who = (session.shop.id.clone(), session.visitor.clone());
        if state.shoppers.connected(who) == 1 {
            session.tell_presence(&state, true).await;
        }
        Ok(session)
    }

    /// Called when the socket ends: with no widget of hers left on this gateway, the router
    /// hears she left (her waiting chats are abandoned if she stays away).
    pub async fn on_close(&mut self, conn: &mut Conn) {
        let state = conn.state.clone();
        let who = (self.shop.id.clone(), self.visitor.clone());
        if state.shoppers.disconnected(&who) == 0 {
            self.tell_presence(&state, false).await;
        }
    }

    /// Tells the router this gateway has the shopper of her chats again (`back`) or no
    /// longer. Nothing for a shopper without chats, which is most of them.
    async fn tell_presence(&self, state: &GatewayState, back: bool) {
        for conv in &self.mine {
            let conv = conv.clone();
            let event = if back {
                ShopEvent::ShopperBack { conv }
            } else {
                ShopEvent::ShopperAway { conv }
            };
            conversation::tell_services(state, &self.shop.id, &event).await;
        }
    }

    /// Handles a frame after `hello`.
    pub async fn on_frame(
        &mut self,
        conn: &mut Conn,
        frame: ClientFrame,
    ) -> Result<(), ProtoError> {
        match frame {
            ClientFrame::Open { group, agent } => self.open(conn, group, agent).await,
            ClientFrame::Send {
                conv,
                cid,
                kind,
                body,
            } => {
                send::check_body(&self.shop, kind, &body)?;
                if !self.mine.contains(&conv) {
                    self.own(conn, &conv).await?;
                    self.remember(&conv);
                }
                let id = conv.clone();
                let told = body.clone();
                let event = move |seq| ShopEvent::ShopperMessage {
                    conv,
                    seq,
                    kind,
                    body: told,
                };
                let message = self.message(cid, kind, body);
                send::send(conn, &id, &self.shop.id, message, event).await?;
                Ok(())
            }
            ClientFrame::Typing { conv, on } => conversation::typing(conn, self, &conv, on).await,
            ClientFrame::Read { conv, seq } => conversation::read(conn, self, &conv, seq).await,
            ClientFrame::Sync { conv, after, epoch } => {
                sync::sync(conn, self, &conv, after, epoch).await
            }
            ClientFrame::Close { conv, .. } => {
                let c = self.own(conn, &conv).await?;
                conversation::close(&conn.state, &self.shop, c, Role::Shopper, Vec::new()).await
            }
            ClientFrame::Rate {
                conv,
                score,
                comment: _,
            } => {
                let mut c = self.own(conn, &conv).await?;
                if c.is_open() {
                    // Only a closed conversation is safe to rewrite: an open one may be
                    // (re)assigned by the router at this very moment.
                    return Err(ProtoError::new(
                        ErrorCode::Conflict,
                        "rate a chat once it is closed",
                    ));
                }
                c.rating = Some(score);
                conn.state
                    .store
                    .save_conversation(&c)
                    .await
                    .map_err(store_error)
            }
            ClientFrame::Follow { agent } => self.set_follow(conn, &agent, true).await,
            ClientFrame::Unfollow { agent } => self.set_follow(conn, &agent, false).await,
            ClientFrame::Choose { conv, choice } => {
                let c = self.own(conn, &conv).await?;
                if !c.is_open() {
                    return Err(ProtoError::new(
                        ErrorCode::Conflict,
                        format!("conversation {conv} is closed"),
                    ));
                }
                let request = RouterRequest::Choose { conv, choice };
                routing::ask_router(&conn.state, &self.shop.id, &request).await
            }
            ClientFrame::Hello { .. } => Err(ProtoError::bad_frame("already said hello")),
            ClientFrame::Status { .. }
            | ClientFrame::Transfer { .. }
            | ClientFrame::Note { .. }
            | ClientFrame::AutoReply { .. } => Err(ProtoError::new(
                ErrorCode::Forbidden,
                format!("{} is for agents", frame.type_name()),
            )),
        }
    }

    /// Follows or unfollows an agent who takes chats, then tells the socket whom the shopper
    /// follows now.
    async fn set_follow(
        &self,
        conn: &mut Conn,
        agent: &AgentId,
        follow: bool,
    ) -> Result<(), ProtoError> {
        let agent = &routing::followable(&self.shop, agent)?.id;
        let store = &conn.state.store;
        let done = if follow {
            store.follow(&self.shop.id, &self.visitor, agent).await
        } else {
            store.unfollow(&self.shop.id, &self.visitor, agent).await
        };
        done.map_err(store_error)?;
        let agents = self.following(&conn.state).await?;
        conn.reply(&ServerFrame::Following { agents });
        Ok(())
    }

    /// The agents this shopper follows (those who can still be followed).
    async fn following(&self, state: &GatewayState) -> Result<Vec<AgentId>, ProtoError> {
        let stored = state
            .store
            .following(&self.shop.id, &self.visitor)
            .await
            .map_err(store_error)?;
        Ok(routing::shown_following(&self.shop, stored))
    }

    /// Notes that `conv` is this shopper's, forgetting the oldest beyond [`REMEMBERED`].
    fn remember(&mut self, conv: &ConvId) {
        if !self.mine.contains(conv) {
            if self.mine.len() == REMEMBERED {
                self.mine.remove(0);
            }
            self.mine.push(conv.clone());
        }
    }

    async fn open(
        &mut self,
        conn: &mut Conn,
        group: Option<GroupId>,
        agent: Option<AgentId>,
    ) -> Result<(), ProtoError> {
        let group_chosen = group.is_some();
        let group = group.unwrap_or_else(|| self.shop.default_group.clone());
        if self.shop.group(&group).is_none() {
            return Err(ProtoError::new(
                ErrorCode::NotFound,
                format!("no persona group {group}"),
            ));
        }
        // The shopper names the agent by her handle; the router and the store by her id.
        let agent = match agent {
            Some(handle) => match self.shop.agent_by_handle(&handle) {
                Some(a) => Some(a.id.clone()),
                None => {
                    return Err(ProtoError::new(
                        ErrorCode::NotFound,
                        format!("no agent {handle}"),
                    ));
                }
            },
            None => None,
        };
        let state = conn.state.clone();
        let open = state
            .store
            .open_conversations_of_shopper(&self.shop.id, &self.visitor)
            .await
            .map_err(store_error)?;
        let limit = state.config.limits.open_chats_per_shopper;
        if open.len() >= limit {
            return Err(ProtoError::new(
                ErrorCode::Conflict,
                format!("at most {limit} open chats at once; close one first"),
            ));
        }
        state
            .flood
            .open_chat(&self.shop.id, conn.client, std::time::Instant::now())?;
        let id = ConvId::parse(random_id('c'))
            .ok_or_else(|| ProtoError::new(ErrorCode::Internal, "id generation failed"))?;
        let conv = Conversation {
            id: id.clone(),
            shop: self.shop.id.clone(),
            shopper: self.party.clone(),
            group: group.clone(),
            requested_agent: agent.clone(),
            group_chosen,
            state: ConvState::Queued,
            agent: None,
            opened_at: now_ms(),
            closed_at: None,
            tags: Vec::new(),
            rating: None,
            disposition: None,
        };
        // Noted first: the customer's list may name a chat not saved (skipped when read),
        // never miss one that was.
        state
            .store
            .note_chat(&self.shop.id, &self.visitor, &id, conv.opened_at)
            .await
            .map_err(store_error)?;
        state
            .store
            .save_conversation(&conv)
            .await
            .map_err(store_error)?;
        self.remember(&id);
        // Follow before telling the router, so its decision reaches this socket.
        conn.follow_conversation(&id).await?;
        conn.reply(&ServerFrame::Conversation(conv.view(None, 0)));
        let event = ShopEvent::ChatOpened {
            conv: id,
            shopper: self.party.clone(),
            group,
            requested_agent: agent,
            group_chosen,
        };
        conversation::tell_services(&state, &self.shop.id, &event).await;
        Ok(())
    }
}

impl Participant for ShopperSession {
    fn party(&self) -> &Party {
        &self.party
    }

    fn asker(&self) -> Asker<'_> {
        Asker::Shopper {
            shop: &self.shop.id,
            visitor: self.visitor.as_str(),
        }
    }
}
