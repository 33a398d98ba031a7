//! Applying one core decision: record why, write the chat's record, then tell the parties
//! and the other services. Writing lives in `record`, telling in `tell`.
//!
//! The store is written before anything is published, so whoever hears the news can read it
//! back. Publishing is best effort (the bus is at-most-once; clients recover from the store).

mod record;
mod tell;

use super::owner::Worker;
use super::{now_ms, record as routing_record};
use crate::core::{Decision, RouterEvent, Rule};
use qin_proto::{
    AgentEvent, AgentId, AgentStatus, ConvId, ConvState, GroupId, Handover, RouteOutcome, topic,
};

/// Where a waiting chat stands, as its parties are told.
struct Spot {
    position: u32,
    eta_s: Option<u32>,
    /// The awaited agent, for a chat waiting in one agent's queue.
    agent: Option<AgentId>,
}

/// What the shop's services hear once a routing decision took effect.
struct Routed {
    conv: ConvId,
    group: GroupId,
    outcome: RouteOutcome,
    /// A wanted agent who could not take the chat, and why.
    unavailable: Option<(AgentId, AgentStatus)>,
    eta_s: Option<u32>,
    /// The agent who held the chat before, told it moved on.
    from: Option<AgentId>,
}

/// The handover a chat comes with: when it moved from an agent, or out of a queue by a
/// supervisor or with a note (so a queued chat's note is not lost).
fn handover(from: Option<&AgentId>, rule: Rule, note: Option<String>) -> Option<Handover> {
    let moved = from.is_some() || note.is_some() || rule == Rule::Reassign;
    moved.then(|| Handover {
        from: from.cloned(),
        reason: rule.as_str().to_owned(),
        note,
    })
}

impl Worker {
    /// Applies one decision; returns `ChatClosed` when its chat turned out to be closed (or
    /// gone), which the core must hear so it frees the slot or queue place.
    /// The decision's routing record is written alongside (not before) applying it.
    pub(super) async fn apply_one(&self, decision: Decision) -> Option<RouterEvent> {
        let record = routing_record::of(&decision, now_ms(), self.state.profile());
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
            Decision::Assign { .. } => self.assigned(decision).await,
            Decision::Queue { .. } | Decision::WaitAgent { .. } => self.waits(decision).await,
            Decision::Position { .. } => self.moved_up(decision).await,
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
                let kind = qin_proto::AlertKind::SlowReply;
                let event = AgentEvent::Alert {
                    conv,
                    kind,
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
                    let request = "transfer".into();
                    let event = AgentEvent::Refused {
                        conv,
                        request,
                        reason,
                    };
                    self.publish_json(&topic::agent(&self.shop.id, &agent), &event)
                        .await;
                }
                None
            }
            Decision::Abandoned {
                conv,
                group,
                agent,
                away_s,
            } => {
                let agent = agent.as_ref().map(AgentId::as_str);
                tracing::info!(%conv, %group, agent, away_s, "waiting chat abandoned by its shopper");
                self.abandon(&conv).await
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

    /// [`Decision::Assign`]: the chat is the agent's, with its handover.
    async fn assigned(&self, decision: Decision) -> Option<RouterEvent> {
        let Decision::Assign {
            conv,
            group,
            agent,
            from,
            rule,
            candidates,
            note,
            unavailable,
        } = decision
        else {
            return None;
        };
        tracing::info!(%conv, %agent, %group, from = from.as_ref().map(AgentId::as_str), %rule, %candidates, "chat assigned");
        let handover = handover(from.as_ref(), rule, note);
        let gone = self.assign(&conv, group.clone(), &agent, handover).await;
        let outcome = RouteOutcome::Assigned { agent };
        let eta_s = None;
        let routed = Routed {
            conv,
            group,
            outcome,
            unavailable,
            eta_s,
            from,
        };
        self.announce_unless(gone, routed).await
    }

    /// [`Decision::Queue`] and [`Decision::WaitAgent`]: the chat waits in its group's queue
    /// or in one agent's own.
    async fn waits(&self, decision: Decision) -> Option<RouterEvent> {
        let (conv, group, state, spot, outcome, unavailable, from) = match decision {
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
                let outcome = RouteOutcome::Queued { position, online };
                (
                    conv,
                    group,
                    ConvState::Queued,
                    spot,
                    outcome,
                    unavailable,
                    from,
                )
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
                let outcome = RouteOutcome::WaitingAgent { agent, position };
                (
                    conv,
                    group,
                    ConvState::WaitingAgent,
                    spot,
                    outcome,
                    None,
                    None,
                )
            }
            _ => return None,
        };
        let eta_s = spot.eta_s;
        let gone = self.waiting(&conv, group.clone(), state, spot).await;
        let routed = Routed {
            conv,
            group,
            outcome,
            unavailable,
            eta_s,
            from,
        };
        self.announce_unless(gone, routed).await
    }

    /// [`Decision::Position`]: a waiting chat's place changed meaningfully (the core tells
    /// only those, so the auto-reply's busy message follows them without filtering again).
    async fn moved_up(&self, decision: Decision) -> Option<RouterEvent> {
        let Decision::Position {
            conv,
            group,
            agent,
            position,
            eta_s,
        } = decision
        else {
            return None;
        };
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
        let gone = self
            .position(
                &conv,
                Spot {
                    position,
                    eta_s,
                    agent,
                },
            )
            .await;
        let (unavailable, from) = (None, None);
        let routed = Routed {
            conv,
            group,
            outcome,
            unavailable,
            eta_s,
            from,
        };
        self.announce_unless(gone, routed).await
    }

    /// Tells the services (and the agent who held the chat) what routing did, unless the
    /// chat turned out `gone`; passes `gone` on.
    async fn announce_unless(
        &self,
        gone: Option<RouterEvent>,
        routed: Routed,
    ) -> Option<RouterEvent> {
        if gone.is_none() {
            if let Some(from) = &routed.from {
                self.unassigned(&routed.conv, from).await;
            }
            self.publish_routed(routed).await;
        }
        gone
    }
}
