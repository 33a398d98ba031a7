//! Telling what routing did: the parties of a chat (its `conversation` frames), agents (on
//! their own topic), shoppers choosing a group (availability), and the shop's services
//! (`routed`). Best effort: the bus is at-most-once, and everyone recovers from the store.

use super::{Routed, Spot};
use crate::worker::ATTEMPTS;
use crate::worker::owner::Worker;
use bytes::Bytes;
use qin_proto::{
    AgentEvent, AgentId, Audience, ConvId, Delivery, GroupId, GroupLive, Party, ServerFrame,
    ShopEvent, Unavailable, topic,
};
use qin_retry::retry;
use qin_store::Conversation;

impl Worker {
    /// Tells again where the chats an agent holds stand, as the store has them, after taking
    /// the shop over: a router that died between storing an assignment and publishing it
    /// left its shopper and agent unaware. Parties take the news again as they took it the
    /// first time (a shopper's `conversation` frame, the agent's `assigned`, both idempotent).
    pub(in crate::worker) async fn reannounce(&self, open: &[Conversation]) {
        let held: Vec<(&Conversation, AgentId)> = open
            .iter()
            .filter_map(|c| match self.state.placement(&c.id) {
                Some(crate::core::Placed::Assigned { agent, .. })
                    if c.agent.as_ref() == Some(&agent) =>
                {
                    Some((c, agent))
                }
                _ => None,
            })
            .collect();
        for wave in held.chunks(64) {
            let tell = wave.iter().map(|(record, agent)| async move {
                let view = self.view(record, Some(self.agent_party(agent))).await;
                let event = AgentEvent::Assigned {
                    conversation: view.clone(),
                    handover: None,
                };
                let agent_topic = topic::agent(&self.shop.id, agent);
                tokio::join!(
                    self.publish_frame(&record.id, ServerFrame::Conversation(view)),
                    self.publish_json(&agent_topic, &event),
                );
            });
            futures_util::future::join_all(tell).await;
        }
    }

    /// Tells the agent who held a chat that it moved on.
    pub(super) async fn unassigned(&self, conv: &ConvId, from: &AgentId) {
        let event = AgentEvent::Unassigned {
            conv: conv.clone(),
            reason: "transferred".into(),
        };
        self.publish_json(&topic::agent(&self.shop.id, from), &event)
            .await;
    }

    pub(super) async fn tell_spot(&self, record: &Conversation, spot: Spot) {
        let awaited = spot.agent.as_ref().map(|a| self.agent_party(a));
        let mut view = self.view(record, awaited).await;
        view.position = Some(spot.position);
        view.eta_s = spot.eta_s;
        self.publish_frame(&record.id, ServerFrame::Conversation(view))
            .await;
    }

    /// Stores the latest availability (a shopper saying `hello` reads it) and tells every
    /// connected shopper of the shop; ticks make this at most one frame per tick.
    pub(super) async fn groups_changed(&self, groups: Vec<GroupLive>) {
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

    pub(super) fn agent_party(&self, agent: &AgentId) -> Party {
        self.shop.agent_party(agent)
    }

    /// Agents of `group` online now (0 for a group the shop lacks).
    pub(super) fn online(&self, group: &GroupId) -> u32 {
        self.state
            .groups_live()
            .into_iter()
            .find(|g| &g.id == group)
            .map_or(0, |g| g.online)
    }

    /// Tells the shop's services (the auto-reply's busy, away and back messages) where a
    /// chat went.
    pub(super) async fn publish_routed(&self, routed: Routed) {
        let event = ShopEvent::Routed {
            conv: routed.conv,
            group: routed.group,
            outcome: routed.outcome,
            unavailable: routed
                .unavailable
                .map(|(agent, status)| Unavailable { agent, status }),
            eta_s: routed.eta_s,
        };
        self.publish_json(&topic::shop(&self.shop.id), &event).await;
    }

    pub(super) async fn publish_frame(&self, conv: &ConvId, frame: ServerFrame) {
        let payload = Delivery::frame(Audience::All, &frame);
        self.publish(&topic::conversation(conv), payload.into())
            .await;
    }

    pub(super) async fn publish_json<T: serde::Serialize>(&self, topic: &str, event: &T) {
        match serde_json::to_vec(event) {
            Ok(json) => self.publish(topic, json.into()).await,
            Err(error) => tracing::error!(topic, %error, "cannot encode event"),
        }
    }

    pub(super) async fn publish(&self, topic: &str, payload: Bytes) {
        let sent = retry("publish", ATTEMPTS, || {
            self.bus.publish(topic, payload.clone())
        })
        .await;
        if let Err(error) = sent {
            tracing::warn!(topic, %error, "publish failed; parties recover from the store");
        }
    }
}
