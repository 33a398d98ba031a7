//! Applying one core decision: write the store, then tell the parties and the other services.
//!
//! The store is written before anything is published, so whoever hears the news can read it
//! back. Publishing is best effort (the bus is at-most-once; clients recover from the store).

use super::ATTEMPTS;
use super::Worker;
use crate::core::{Decision, RouterEvent};
use bytes::Bytes;
use qin_proto::{
    AgentEvent, AgentId, Audience, ConvId, ConvState, ConversationView, Delivery, GroupId,
    GroupLive, Party, Role, RouteOutcome, ServerFrame, ShopEvent, topic,
};
use qin_retry::retry;
use qin_store::{Conversation, StoreError};

/// Where a queued chat stands, as its parties are told.
struct QueueSpot {
    position: u32,
    eta_s: Option<u32>,
    /// Online agents of the group, for a new queue entry's `routed` event; `None` for a move.
    online: Option<u32>,
}

impl Worker {
    /// Applies one decision; returns `ChatClosed` when its chat turned out to be closed (or
    /// gone), which the core must hear so it frees the slot or queue place.
    pub(super) async fn apply_one(&mut self, decision: Decision) -> Option<RouterEvent> {
        match decision {
            Decision::Assign {
                conv,
                group,
                agent,
                rule,
                candidates,
            } => {
                tracing::info!(
                    %conv, %agent, %group, %rule, %candidates,
                    "chat assigned"
                );
                self.assign(conv, group, agent).await
            }
            Decision::Queue {
                conv,
                group,
                position,
                eta_s,
                online,
                rule,
                candidates,
            } => {
                tracing::info!(
                    %conv, %group, position, eta_s, online, %rule, %candidates,
                    "chat queued"
                );
                let spot = QueueSpot {
                    position,
                    eta_s,
                    online: Some(online),
                };
                self.queued(conv, group, spot).await
            }
            Decision::Position {
                conv,
                group,
                position,
                eta_s,
            } => {
                tracing::debug!(%conv, %group, position, eta_s, "queue position changed");
                let spot = QueueSpot {
                    position,
                    eta_s,
                    online: None,
                };
                self.queued(conv, group, spot).await
            }
            Decision::Released { conv, group, agent } => {
                let agent = agent.as_ref().map(AgentId::as_str);
                tracing::debug!(%conv, %group, agent, "closed chat released");
                None
            }
            Decision::GroupsChanged { groups } => {
                self.groups_changed(groups).await;
                None
            }
        }
    }

    async fn assign(&self, conv: ConvId, group: GroupId, agent: AgentId) -> Option<RouterEvent> {
        let mut record = match self.open_record(&conv).await {
            Ok(record) => record,
            Err(gone) => return gone,
        };
        record.state = ConvState::Assigned;
        record.agent = Some(agent.clone());
        record.group = group.clone();
        if let Err(gone) = self.save(&record).await {
            return gone;
        }
        let view = self.view(&record, Some(self.agent_party(&agent))).await;
        self.publish_frame(&conv, ServerFrame::Conversation(view.clone()))
            .await;
        let event = AgentEvent::Assigned {
            conversation: view,
            handover: None,
        };
        self.publish_json(&topic::agent(&self.shop.id, &agent), &event)
            .await;
        let outcome = RouteOutcome::Assigned { agent };
        self.publish_routed(conv, group, outcome).await;
        None
    }

    /// Tells a queued chat's parties where it stands; for a new entry, also the other services.
    async fn queued(&self, conv: ConvId, group: GroupId, spot: QueueSpot) -> Option<RouterEvent> {
        let mut record = match self.open_record(&conv).await {
            Ok(record) => record,
            Err(gone) => return gone,
        };
        // Normally the store already says queued in this group; it does not when the restore
        // re-queued a chat (its agent left the config, or its group did).
        if record.state != ConvState::Queued || record.agent.is_some() || record.group != group {
            record.state = ConvState::Queued;
            record.agent = None;
            record.group = group.clone();
            if let Err(gone) = self.save(&record).await {
                return gone;
            }
        }
        let mut view = self.view(&record, None).await;
        view.position = Some(spot.position);
        view.eta_s = spot.eta_s;
        self.publish_frame(&conv, ServerFrame::Conversation(view))
            .await;
        if let Some(online) = spot.online {
            let outcome = RouteOutcome::Queued {
                position: spot.position,
                online,
            };
            self.publish_routed(conv, group, outcome).await;
        }
        None
    }

    /// Stores the latest availability at once (so a shopper saying `hello` reads it exact),
    /// and hands it to the coalescer for the frame to every connected shopper: sent now if
    /// the last one went out long enough ago, else by the worker loop when the period ends.
    async fn groups_changed(&mut self, groups: Vec<GroupLive>) {
        tracing::debug!(shop = %self.shop.id, groups = groups.len(), "availability changed");
        let saved = retry("save groups availability", ATTEMPTS, || {
            self.store.set_groups_live(&self.shop.id, &groups)
        })
        .await;
        if let Err(error) = saved {
            tracing::error!(shop = %self.shop.id, %error, "cannot save groups availability");
        }
        if let Some(groups) = self.groups.offer(groups, tokio::time::Instant::now()) {
            self.publish_groups(groups).await;
        }
    }

    /// Publishes the availability kept back by the coalescer, if any.
    pub(super) async fn flush_groups(&mut self) {
        if let Some(groups) = self.groups.take(tokio::time::Instant::now()) {
            self.publish_groups(groups).await;
        }
    }

    /// Tells every connected shopper of the shop the (already stored) availability.
    async fn publish_groups(&self, groups: Vec<GroupLive>) {
        let frame = ServerFrame::Groups { groups };
        let payload = Delivery::frame(Audience::All, &frame);
        self.publish(&topic::groups(&self.shop.id), payload.into())
            .await;
    }

    /// The stored record of an open chat. `Err(Some(ChatClosed))` when it is closed or gone;
    /// `Err(None)` when the store cannot say (logged: the core and the store then disagree
    /// about this chat until the router restarts).
    async fn open_record(&self, conv: &ConvId) -> Result<Conversation, Option<RouterEvent>> {
        match retry("load conversation", ATTEMPTS, || {
            self.store.conversation(conv)
        })
        .await
        {
            Ok(Some(record)) if record.is_open() => Ok(record),
            Ok(_) => {
                tracing::info!(%conv, "chat closed or gone before routing took effect");
                Err(Some(closed(conv)))
            }
            Err(error) => {
                tracing::error!(%conv, %error, "cannot load conversation; routing not applied");
                Err(None)
            }
        }
    }

    /// Saves a routed chat, with the same meaning of `Err` as [`Self::open_record`].
    async fn save(&self, record: &Conversation) -> Result<(), Option<RouterEvent>> {
        match retry("save conversation", ATTEMPTS, || {
            self.store.save_conversation(record)
        })
        .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::Closed(_) | StoreError::NotFound(_)) => {
                tracing::info!(conv = %record.id, "chat closed while being routed");
                Err(Some(closed(&record.id)))
            }
            Err(error) => {
                tracing::error!(conv = %record.id, %error, "cannot save routing; not applied");
                Err(None)
            }
        }
    }

    /// The chat as its parties see it, with the log's end (0 if the store cannot say now:
    /// clients then simply sync from what they have).
    async fn view(&self, record: &Conversation, agent: Option<Party>) -> ConversationView {
        let last_seq = match retry("read last seq", ATTEMPTS, || {
            self.store.last_seq(&record.id)
        })
        .await
        {
            Ok(seq) => seq,
            Err(error) => {
                tracing::warn!(conv = %record.id, %error, "cannot read last seq");
                0
            }
        };
        record.view(agent, last_seq)
    }

    fn agent_party(&self, agent: &AgentId) -> Party {
        let name = self
            .shop
            .agent(agent)
            .map_or_else(|| agent.to_string(), |a| a.name.clone());
        Party {
            role: Role::Agent,
            id: agent.to_string(),
            name,
        }
    }

    async fn publish_routed(&self, conv: ConvId, group: GroupId, outcome: RouteOutcome) {
        let event = ShopEvent::Routed {
            conv,
            group,
            outcome,
            unavailable: None,
        };
        self.publish_json(&topic::shop(&self.shop.id), &event).await;
    }

    async fn publish_frame(&self, conv: &ConvId, frame: ServerFrame) {
        let payload = Delivery::frame(Audience::All, &frame);
        self.publish(&topic::conversation(conv), payload.into())
            .await;
    }

    async fn publish_json<T: serde::Serialize>(&self, topic: &str, event: &T) {
        match serde_json::to_vec(event) {
            Ok(json) => self.publish(topic, json.into()).await,
            Err(error) => tracing::error!(topic, %error, "cannot encode event"),
        }
    }

    async fn publish(&self, topic: &str, payload: Bytes) {
        let sent = retry("publish", ATTEMPTS, || {
            self.bus.publish(topic, payload.clone())
        })
        .await;
        if let Err(error) = sent {
            tracing::warn!(topic, %error, "publish failed; parties recover from the store");
        }
    }
}

fn closed(conv: &ConvId) -> RouterEvent {
    RouterEvent::ChatClosed { conv: conv.clone() }
}
