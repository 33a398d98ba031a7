//! The chat's stored record as routing changes it: assigned, waiting (in a group's queue or
//! for one agent), or told a new place; read back to check it is still open. The store is
//! written before anything is published, so whoever hears the news can read it back.

use super::Spot;
use crate::core::RouterEvent;
use crate::worker::owner::Worker;
use crate::worker::{ATTEMPTS, now_ms};
use qin_proto::{
    AgentEvent, AgentId, ConvId, ConvState, ConversationView, GroupId, Handover, Party, Role,
    ServerFrame, ShopEvent, VisitorId, topic,
};
use qin_retry::retry;
use qin_store::{Conversation, StoreError};

impl Worker {
    pub(super) async fn assign(
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

    /// Stores that a chat waits (in its group's queue or for one agent) and tells its parties.
    pub(super) async fn waiting(
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
    pub(super) async fn position(&self, conv: &ConvId, spot: Spot) -> Option<RouterEvent> {
        match self.open_record(conv).await {
            Ok(record) => {
                self.tell_spot(&record, spot).await;
                None
            }
            Err(gone) => gone,
        }
    }

    /// The stored record of an open chat. `Err(Some(ChatClosed))` when it is closed or gone;
    /// `Err(None)` when the store cannot say (logged: the core and the store then disagree
    /// about this chat until the next reconcile).
    pub(super) async fn open_record(
        &self,
        conv: &ConvId,
    ) -> Result<Conversation, Option<RouterEvent>> {
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

    /// Closes a waiting chat whose shopper left, tagged `abandoned`, and tells its parties and
    /// the services (the core has already let it go; its `ChatClosed` coming back is ignored).
    pub(super) async fn abandon(&self, conv: &ConvId) -> Option<RouterEvent> {
        let mut record = match self.open_record(conv).await {
            Ok(record) => record,
            Err(gone) => return gone,
        };
        if record.state == ConvState::Assigned {
            return None; // taken meanwhile by another router's decision: the agent has it
        }
        record.state = ConvState::Closed;
        record.closed_at = Some(now_ms());
        record.tags = vec!["abandoned".into()];
        if let Err(gone) = self.save(&record).await {
            return gone;
        }
        let view = self.view(&record, None).await;
        let event = ShopEvent::ChatClosed {
            conv: conv.clone(),
            by: Role::System,
        };
        let shop_topic = topic::shop(&self.shop.id);
        tokio::join!(
            self.publish_frame(conv, ServerFrame::Conversation(view)),
            self.publish_json(&shop_topic, &event),
        );
        None
    }

    /// Saves a routed chat, with the same meaning of `Err` as [`Self::open_record`].
    pub(super) async fn save(&self, record: &Conversation) -> Result<(), Option<RouterEvent>> {
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
    pub(super) async fn view(
        &self,
        record: &Conversation,
        agent: Option<Party>,
    ) -> ConversationView {
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
}

fn closed(conv: &ConvId) -> RouterEvent {
    RouterEvent::ChatClosed { conv: conv.clone() }
}
