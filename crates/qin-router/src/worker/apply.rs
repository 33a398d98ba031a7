//! Applying one core decision: record why, write the store, then tell the parties and the
//! other services.
//!
//! The store is written before anything is published, so whoever hears the news can read it
//! back. Publishing is best effort (the bus is at-most-once; clients recover from the store).

use super::owner::Worker;
use super::{ATTEMPTS, now_ms, record};
use crate::core::{Decision, RouterEvent, Rule};
use bytes::Bytes;
use qin_proto::{
    AgentEvent, AgentId, AgentStatus, Audience, ConvId, ConvState, ConversationView, Delivery,
    GroupId, GroupLive, Handover, Party, Role, RouteOutcome, ServerFrame, ShopEvent, Unavailable,
    VisitorId, topic,
};
use qin_retry::retry;
use qin_store::{Conversation, StoreError};

/// Where a waiting chat stands, as its parties are told.
struct Spot {
    position: u32,
    eta_s: Option<u32>,
    /// The awaited agent, for a chat waiting in one agent's queue.
    agent: Option<AgentId>,
}

impl Worker {
    /// Applies one decision; returns `ChatClosed` when its chat turned out to be closed (or
    /// gone), which the core must hear so it frees the slot or queue place.
    /// The decision's routing record is written alongside (not before) applying it.
    pub(super) async fn apply_one(&self, decision: Decision) -> Option<RouterEvent> {
        let record = record::of(&decision, now_ms(), self.state.profile());
        let store = self.store.clone();
        let write_record = async move {
            if let Some((conv, json)) = record
                && let Err(error) = store.append_routing(&conv, &json).await
            {
                tracing::warn!(%conv, %error, "cannot record the routing decision");
            }
        };
        let ((), gone) = tokio::join!(write_record, self.apply_decision(decision));
        gone
    }

    async fn apply_decision(&self, decision: Decision) -> Option<RouterEvent> {
        match decision {
            Decision::Assign {
                conv,
                group,
                agent,
                from,
                rule,
                candidates,
                note,
                unavailable,
            } => {
                tracing::info!(%conv, %agent, %group, from = from.as_ref().map(AgentId::as_str), %rule, %candidates, "chat assigned");
                // A chat that moved (from an agent, or out of a queue by a supervisor or
                // with a note) comes with its handover, so a queued chat's note is not lost.
                let moved = from.is_some() || note.is_some() || rule == Rule::Reassign;
                let handover = moved.then(|| Handover {
                    from: from.clone(),
                    reason: rule.as_str().to_owned(),
                    note,
                });
                let gone = self.assign(&conv, group.clone(), &agent, handover).await;
                if gone.is_none() {
                    if let Some(from) = &from {
                        self.unassigned(&conv, from).await;
                    }
                    let outcome = RouteOutcome::Assigned { agent };
                    self.publish_routed(conv, group, outcome, unavailable, None)
                        .await;
                }
                gone
            }
            Decision::Queue {
                conv,
                group,
                position,
                eta_s,
                online,
                from,
                rule,
                candidates,
                unavailable,
            } => {
                tracing::info!(%conv, %group, position, eta_s, online, %rule, %candidates, "chat queued");
                let spot = Spot {
                    position,
                    eta_s,
                    agent: None,
                };
                let gone = self
                    .waiting(&conv, group.clone(), ConvState::Queued, spot)
                    .await;
                if gone.is_none() {
                    if let Some(from) = &from {
                        self.unassigned(&conv, from).await;
                    }
                    let outcome = RouteOutcome::Queued { position, online };
                    self.publish_routed(conv, group, outcome, unavailable, eta_s)
                        .await;
                }
                gone
            }
            Decision::WaitAgent {
                conv,
                group,
                agent,
                position,
                eta_s,
                rule,
                candidates,
            } => {
                tracing::info!(%conv, %group, %agent, position, eta_s, %rule, %candidates, "chat waits for its agent");
                let spot = Spot {
                    position,
                    eta_s,
                    agent: Some(agent.clone()),
                };
                let gone = self
                    .waiting(&conv, group.clone(), ConvState::WaitingAgent, spot)
                    .await;
                if gone.is_none() {
                    let outcome = RouteOutcome::WaitingAgent { agent, position };
                    self.publish_routed(conv, group, outcome, None, eta_s).await;
                }
                gone
            }
            Decision::Position {
                conv,
                group,
                agent,
                position,
                eta_s,
            } => {
                tracing::debug!(%conv, position, eta_s, "place in queue changed");
                let outcome = match &agent {
                    Some(agent) => RouteOutcome::WaitingAgent {
                        agent: agent.clone(),
                        position,
                    },
                    None => RouteOutcome::Queued {
                        position,
                        online: self.online(&group),
                    },
                };
                let spot = Spot {
                    position,
                    eta_s,
                    agent,
                };
                let gone = self.position(&conv, spot).await;
                if gone.is_none() {
                    // The core tells only meaningful changes: the auto-reply service's busy
                    // message follows them without filtering again.
                    self.publish_routed(conv, group, outcome, None, eta_s).await;
                }
                gone
            }
            Decision::Released { conv, group, agent } => {
                let agent = agent.as_ref().map(AgentId::as_str);
                tracing::debug!(%conv, %group, agent, "closed chat released");
                None
            }
            Decision::Alert {
                conv,
                agent,
                waited_s,
            } => {
                tracing::info!(%conv, %agent, waited_s, "slow reply: agent alerted");
                let event = AgentEvent::Alert {
                    conv,
                    kind: qin_proto::AlertKind::SlowReply,
                    waited_s,
                };
                self.publish_json(&topic::agent(&self.shop.id, &agent), &event)
                    .await;
                None
            }
            Decision::Refused {
                conv,
                requester,
                reason,
            } => {
                tracing::info!(conv = conv.as_ref().map(ConvId::as_str), requester = requester.as_ref().map(AgentId::as_str), %reason, "request refused");
                if let (Some(conv), Some(agent)) = (conv, requester) {
                    let event = AgentEvent::Refused {
                        conv,
                        request: "transfer".into(),
                        reason,
                    };
                    self.publish_json(&topic::agent(&self.shop.id, &agent), &event)
                        .await;
                }
                None
            }
            Decision::ProfileChanged { profile } => {
                tracing::info!(shop = %self.shop.id, profile, "peak-day profile in force");
                None
            }
            Decision::GroupsChanged { groups } => {
                self.groups_changed(groups).await;
                None
            }
        }
    }

    async fn assign(
        &self,
        conv: &ConvId,
        group: GroupId,
        agent: &AgentId,
        handover: Option<Handover>,
    ) -> Option<RouterEvent> {
        let mut record = match self.open_record(conv).await {
            Ok(record) => record,
            Err(gone) => return gone,
        };
        record.state = ConvState::Assigned;
        record.agent = Some(agent.clone());
        record.group = group;
        if let Err(gone) = self.save(&record).await {
            return gone;
        }
        let remember = async {
            let Some(visitor) = VisitorId::parse(record.visitor()) else {
                return;
            };
            let saved = self
                .store
                .set_last_agent(&self.shop.id, &visitor, agent, now_ms())
                .await;
            if let Err(error) = saved {
                tracing::warn!(%conv, %error, "cannot remember the shopper's agent");
            }
        };
        let tell = async {
            let view = self.view(&record, Some(self.agent_party(agent))).await;
            let mut staff_view = view.clone();
            staff_view.handover = handover.clone();
            let event = AgentEvent::Assigned {
                conversation: staff_view,
                handover,
            };
            let agent_topic = topic::agent(&self.shop.id, agent);
            tokio::join!(
                self.publish_frame(conv, ServerFrame::Conversation(view)),
                self.publish_json(&agent_topic, &event),
            );
        };
        tokio::join!(remember, tell);
        None
    }

    /// Tells the agent who held a chat that it moved on.
    async fn unassigned(&self, conv: &ConvId, from: &AgentId) {
        let event = AgentEvent::Unassigned {
            conv: conv.clone(),
            reason: "transferred".into(),
        };
        self.publish_json(&topic::agent(&self.shop.id, from), &event)
            .await;
    }

    /// Stores that a chat waits (in its group's queue or for one agent) and tells its parties.
    async fn waiting(
        &self,
        conv: &ConvId,
        group: GroupId,
        state: ConvState,
        spot: Spot,
    ) -> Option<RouterEvent> {
        let mut record = match self.open_record(conv).await {
            Ok(record) => record,
            Err(gone) => return gone,
        };
        let awaited = spot.agent.clone();
        let stale = record.state != state
            || record.agent.is_some()
            || record.group != group
            || (state == ConvState::WaitingAgent && record.requested_agent != awaited);
        if stale {
            record.state = state;
            record.agent = None;
            record.group = group;
            if state == ConvState::WaitingAgent {
                // The awaited agent is kept here so a router taking over restores the wait.
                record.requested_agent = awaited;
            }
            if let Err(gone) = self.save(&record).await {
                return gone;
            }
        }
        self.tell_spot(&record, spot).await;
        None
    }

    /// A waiting chat's new place, told to its parties.
    async fn position(&self, conv: &ConvId, spot: Spot) -> Option<RouterEvent> {
        match self.open_record(conv).await {
            Ok(record) => {
                self.tell_spot(&record, spot).await;
                None
            }
            Err(gone) => gone,
        }
    }

    async fn tell_spot(&self, record: &Conversation, spot: Spot) {
        let awaited = spot.agent.as_ref().map(|a| self.agent_party(a));
        let mut view = self.view(record, awaited).await;
        view.position = Some(spot.position);
        view.eta_s = spot.eta_s;
        self.publish_frame(&record.id, ServerFrame::Conversation(view))
            .await;
    }

    /// Stores the latest availability (a shopper saying `hello` reads it) and tells every
    /// connected shopper of the shop; ticks make this at most one frame per tick.
    async fn groups_changed(&self, groups: Vec<GroupLive>) {
        tracing::debug!(shop = %self.shop.id, groups = groups.len(), "availability changed");
        let saved = retry("save groups availability", ATTEMPTS, || {
            self.store.set_groups_live(&self.shop.id, &groups)
        })
        .await;
        if let Err(error) = saved {
            tracing::error!(shop = %self.shop.id, %error, "cannot save groups availability");
        }
        let frame = ServerFrame::Groups { groups };
        let payload = Delivery::frame(Audience::All, &frame);
        self.publish(&topic::groups(&self.shop.id), payload.into())
            .await;
    }

    /// The stored record of an open chat. `Err(Some(ChatClosed))` when it is closed or gone;
    /// `Err(None)` when the store cannot say (logged: the core and the store then disagree
    /// about this chat until the next reconcile).
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

    /// Agents of `group` online now (0 for a group the shop lacks).
    fn online(&self, group: &GroupId) -> u32 {
        self.state
            .groups_live()
            .into_iter()
            .find(|g| &g.id == group)
            .map_or(0, |g| g.online)
    }

    async fn publish_routed(
        &self,
        conv: ConvId,
        group: GroupId,
        outcome: RouteOutcome,
        unavailable: Option<(AgentId, AgentStatus)>,
        eta_s: Option<u32>,
    ) {
        let event = ShopEvent::Routed {
            conv,
            group,
            outcome,
            unavailable: unavailable.map(|(agent, status)| Unavailable { agent, status }),
            eta_s,
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
