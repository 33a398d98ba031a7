//! Routing one shop while this process holds its lease: restore from the store, then feed the
//! core events, requests and ticks until shutdown or the lease is lost.

use super::lease::Lease;
use super::{
    APPLY_AT_ONCE, ATTEMPTS, EVENT_BACKLOG, EVENTS_AT_ONCE, OPEN_GRACE_MS, RECONCILE_EVERY,
    TICK_EVERY, now_ms,
};
use crate::RouterError;
use crate::core::{Decision, Prefs, RestoredConv, RouterEvent, RouterState, Snapshot};
use bytes::Bytes;
use futures_util::future::join_all;
use qin_bus::{Bus, BusError};
use qin_config::ShopConfig;
use qin_proto::{AgentId, AgentStatus, ShopEvent, topic};
use qin_retry::retry;
use qin_store::{Conversation, Store};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

/// The running router of one shop: the core's state and the handles to apply its decisions.
pub(super) struct Worker {
    pub shop: Arc<ShopConfig>,
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub state: RouterState,
    /// The shop's lease: no decision is applied once it may be someone else's.
    pub lease: Lease,
}

/// Routes `shop` until `shutdown` (Ok) or until the lease is lost (Ok, the caller stands by);
/// an error if the bus is gone for good.
pub(super) async fn route(
    shop: &Arc<ShopConfig>,
    store: &Arc<dyn Store>,
    bus: &Arc<dyn Bus>,
    lease: &Lease,
    shutdown: &CancellationToken,
) -> Result<(), RouterError> {
    let shop_topic = topic::shop(&shop.id);
    let mut events = tokio::select! {
        () = shutdown.cancelled() => return Ok(()),
        sub = retry("subscribe", ATTEMPTS, || bus.subscribe(&shop_topic)) => sub?.with_backlog(EVENT_BACKLOG),
    };
    let stored = tokio::select! {
        () = shutdown.cancelled() => return Ok(()),
        stored = read_stored(shop, store.as_ref()) => stored?,
    };
    let (state, decisions) = RouterState::restored(shop, &stored.snapshot(), now_ms());
    tracing::info!(shop = %shop.id, open = stored.open.len(), "router restored from the store");
    let mut worker = Worker {
        shop: shop.clone(),
        store: store.clone(),
        bus: bus.clone(),
        state,
        lease: lease.clone(),
    };
    worker.apply(decisions).await;
    worker.reannounce(&stored.open).await;
    worker.drain_inbox().await;

    let mut reconcile = interval(RECONCILE_EVERY);
    reconcile.set_missed_tick_behavior(MissedTickBehavior::Delay);
    reconcile.reset();
    let mut reconcile_due = false;
    let mut tick = interval(TICK_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        if !lease.safe() {
            return Ok(());
        }
        if reconcile_due && events.is_empty() {
            reconcile_due = false;
            worker.reconcile().await;
        }
        // Time first, so a steady stream of events cannot hold ticks back.
        let burst = tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ok(()),
            _ = tick.tick() => {
                worker.feed([RouterEvent::Tick]).await;
                continue;
            }
            _ = reconcile.tick() => {
                reconcile_due = true;
                continue;
            }
            // The core decides on the whole burst waiting, then its decisions are applied
            // together: one event at a time, each waiting for its store writes, falls far
            // behind a spike.
            burst = events.next_burst(EVENTS_AT_ONCE) => burst,
        };
        match burst {
            Some(burst) => {
                worker.on_payloads(&burst.payloads).await;
                if burst.gap {
                    worker.reconcile().await; // the store knows what happened
                }
            }
            None => {
                tracing::error!(shop = %shop.id, "shop topic ended: the bus is gone");
                return Err(BusError::Closed.into());
            }
        }
    }
}

/// What the router rebuilds its state from, as the store has it.
struct Stored {
    /// The shop's open conversations.
    open: Vec<Conversation>,
    /// Recorded agent statuses.
    statuses: HashMap<AgentId, AgentStatus>,
    /// The supervisor's profile choice.
    profile: Option<String>,
}

/// Reads the shop's open conversations, agent statuses and profile choice.
async fn read_stored(shop: &ShopConfig, store: &dyn Store) -> Result<Stored, RouterError> {
    let open = retry("read open conversations", ATTEMPTS, || {
        store.open_conversations(&shop.id)
    })
    .await?;
    let statuses = retry("read agent statuses", ATTEMPTS, || {
        store.agent_statuses(&shop.id)
    })
    .await?;
    let profile = retry("read profile", ATTEMPTS, || store.profile(&shop.id)).await?;
    Ok(Stored {
        open,
        statuses,
        profile,
    })
}

impl Stored {
    /// The core's view of it.
    fn snapshot(&self) -> Snapshot {
        let conversations = self
            .open
            .iter()
            .map(|c| RestoredConv {
                conv: c.id.clone(),
                group: c.group.clone(),
                state: c.state,
                // A chat waiting for one agent keeps that agent in `requested_agent`.
                agent: match c.state {
                    qin_proto::ConvState::WaitingAgent => c.requested_agent.clone(),
                    _ => c.agent.clone(),
                },
                opened_at: c.opened_at,
            })
            .collect();
        Snapshot {
            conversations,
            statuses: self.statuses.clone(),
            profile: self.profile.clone(),
        }
    }
}

impl Worker {
    /// A burst of shop events from the bus: the core hears them in order, then their
    /// decisions are applied together. The preferences of the chats opened in the burst are
    /// read at once.
    async fn on_payloads(&mut self, payloads: &[Bytes]) {
        let mut shop_events = Vec::with_capacity(payloads.len());
        for payload in payloads {
            match serde_json::from_slice::<ShopEvent>(payload) {
                Ok(event) => shop_events.push(event),
                Err(error) => {
                    tracing::warn!(shop = %self.shop.id, %error, bytes = payload.len(), "malformed shop event skipped");
                }
            }
        }
        let wanted = shop_events.iter().filter_map(|e| match e {
            ShopEvent::ChatOpened {
                shopper,
                requested_agent,
                ..
            } => Some(self.prefs(&shopper.id, requested_agent.clone())),
            _ => None,
        });
        let mut prefs = join_all(wanted).await.into_iter();
        let mut inbox = false;
        let mut events = Vec::with_capacity(shop_events.len());
        for event in shop_events {
            let event = match event {
                ShopEvent::ChatOpened {
                    conv,
                    group,
                    group_chosen,
                    ..
                } => RouterEvent::ChatOpened {
                    conv,
                    group: group_chosen.then_some(group),
                    prefs: prefs.next().unwrap_or_default(),
                },
                ShopEvent::ChatClosed { conv, .. } => RouterEvent::ChatClosed { conv },
                ShopEvent::AgentStatusChanged { agent, status } => {
                    events.push(RouterEvent::AgentStatusChanged { agent, status });
                    // A status change moves availability at once (shoppers deciding see it
                    // now); the many opens and closes wait for the next tick.
                    RouterEvent::Tick
                }
                ShopEvent::ShopperMessage { conv, .. } => RouterEvent::ShopperMessage { conv },
                ShopEvent::AgentMessage { conv, .. } => RouterEvent::AgentMessage { conv },
                ShopEvent::RequestPending => {
                    inbox = true;
                    continue;
                }
                ShopEvent::ShopperAway { conv } => RouterEvent::ShopperAway { conv },
                ShopEvent::ShopperBack { conv } => RouterEvent::ShopperBack { conv },
                ShopEvent::Routed { .. } => continue, // our own news coming back
            };
            events.push(event);
        }
        self.feed(events).await;
        if inbox {
            self.drain_inbox().await;
        }
    }

    /// The agents a shopper would like: asked for, followed, last talked to. A store that
    /// cannot say just means no preference (the chat still gets routed).
    async fn prefs(&self, visitor: &str, requested: Option<AgentId>) -> Prefs {
        let mut prefs = Prefs {
            requested,
            ..Prefs::default()
        };
        let Some(visitor) = qin_proto::VisitorId::parse(visitor) else {
            return prefs;
        };
        let (followed, recent) = tokio::join!(
            self.store.following(&self.shop.id, &visitor),
            self.store.last_agent(&self.shop.id, &visitor),
        );
        match followed {
            Ok(followed) => prefs.followed = followed,
            Err(error) => tracing::warn!(%visitor, %error, "cannot read followed agents"),
        }
        match recent {
            Ok(recent) => prefs.recent = recent,
            Err(error) => tracing::warn!(%visitor, %error, "cannot read the last agent"),
        }
        prefs
    }

    /// Hands events to the core in order, then applies what it decided, together.
    pub async fn feed(&mut self, events: impl IntoIterator<Item = RouterEvent>) {
        let now = now_ms();
        let decisions: Vec<Decision> = events
            .into_iter()
            .flat_map(|event| self.state.handle(event, now))
            .collect();
        self.apply(decisions).await;
    }

    /// Feeds the core whatever the store shows that the core missed: chats opened or closed
    /// and status changes whose events the bus lost, and requests still in the inbox.
    /// Events arriving later for the same changes are ignored by the core as already seen, so
    /// a missed chat is routed like one heard of live, with its shopper's preferences.
    async fn reconcile(&mut self) {
        let read_at = now_ms();
        let stored = match read_stored(&self.shop, self.store.as_ref()).await {
            Ok(stored) => stored,
            Err(error) => {
                tracing::warn!(shop = %self.shop.id, %error, "cannot reconcile with the store");
                return;
            }
        };
        let open: HashSet<_> = stored.open.iter().map(|c| &c.id).collect();
        let mut missed: Vec<RouterEvent> = self
            .state
            .conversations()
            .filter(|conv| !open.contains(conv))
            .map(|conv| RouterEvent::ChatClosed { conv: conv.clone() })
            .collect();
        for (agent, &status) in &stored.statuses {
            if self
                .state
                .status(agent)
                .is_some_and(|known| known != status)
            {
                missed.push(RouterEvent::AgentStatusChanged {
                    agent: agent.clone(),
                    status,
                });
            }
        }
        let opened: Vec<&Conversation> = stored
            .open
            .iter()
            .filter(|c| {
                self.state.placement(&c.id).is_none() && c.opened_at <= read_at - OPEN_GRACE_MS
            })
            .collect();
        let prefs = join_all(
            opened
                .iter()
                .map(|c| self.prefs(&c.shopper.id, c.requested_agent.clone())),
        )
        .await;
        for (c, prefs) in opened.into_iter().zip(prefs) {
            missed.push(RouterEvent::ChatOpened {
                conv: c.id.clone(),
                group: c.group_chosen.then(|| c.group.clone()),
                prefs,
            });
        }
        if !missed.is_empty() {
            tracing::info!(shop = %self.shop.id, events = missed.len(), "reconciled missed events from the store");
        }
        self.feed(missed).await;
        self.drain_inbox().await;
    }

    /// Applies decisions, each chat's in order. Decisions about different chats do not
    /// depend on each other, so they are applied in waves of up to [`APPLY_AT_ONCE`], one per
    /// chat: at a spike the store round trips of hundreds of assignments overlap instead of
    /// queueing one behind the other. Applying one may reveal that its chat is already
    /// closed; the core then hears so, and its follow-up decisions (a freed slot drains the
    /// queue) are applied after the ones already pending.
    pub async fn apply(&mut self, decisions: Vec<Decision>) {
        let mut pending = VecDeque::from(decisions);
        while !pending.is_empty() {
            if !self.lease.safe() {
                // Another router may hold the shop now: it rebuilds from the store.
                tracing::warn!(shop = %self.shop.id, dropped = pending.len(), "lease lost; decisions not applied");
                return;
            }
            let wave = next_wave(&mut pending);
            let this = &*self;
            let gone = join_all(wave.into_iter().map(|d| this.apply_one(d))).await;
            for event in gone.into_iter().flatten() {
                pending.extend(self.state.handle(event, now_ms()));
            }
        }
    }
}

/// Takes the next decisions to apply at once from the front of `pending`: up to
/// [`APPLY_AT_ONCE`], at most one per chat and one about no chat; the others stay, in order.
fn next_wave(pending: &mut VecDeque<Decision>) -> Vec<Decision> {
    let mut wave = Vec::new();
    let mut later = VecDeque::new();
    let mut chats = HashSet::new();
    let mut chatless = false;
    while wave.len() < APPLY_AT_ONCE
        && let Some(decision) = pending.pop_front()
    {
        // A chat seen once is taken for this wave, so its later decisions wait their turn.
        let first = match decision.conv() {
            Some(conv) => chats.insert(conv.clone()),
            None => !std::mem::replace(&mut chatless, true),
        };
        if first {
            wave.push(decision);
        } else {
            later.push_back(decision);
        }
    }
    later.append(pending);
    *pending = later;
    wave
}

#[cfg(test)]
mod wave_tests {
    use super::*;
    use qin_proto::{ConvId, GroupId};

    fn released(conv: &str) -> Decision {
        Decision::Released {
            conv: ConvId::parse(conv).expect("valid id"),
            group: GroupId::parse("lady").expect("valid id"),
            agent: None,
        }
    }

    fn chat(d: &Decision) -> String {
        d.conv().map_or_else(|| "-".into(), ToString::to_string)
    }

    #[test]
    fn a_wave_takes_each_chat_once_and_keeps_the_rest_in_order() {
        let groups = || Decision::GroupsChanged { groups: Vec::new() };
        let mut pending = VecDeque::from(vec![
            released("a"),
            released("b"),
            released("a"),
            groups(),
            released("c"),
            groups(),
            released("b"),
        ]);
        let wave: Vec<String> = next_wave(&mut pending).iter().map(chat).collect();
        assert_eq!(wave, ["a", "b", "-", "c"]);
        let rest: Vec<String> = pending.iter().map(chat).collect();
        assert_eq!(rest, ["a", "-", "b"]);
        let wave: Vec<String> = next_wave(&mut pending).iter().map(chat).collect();
        assert_eq!(wave, ["a", "-", "b"]);
        assert!(pending.is_empty());
    }

    #[test]
    fn a_wave_is_bounded() {
        let mut pending: VecDeque<Decision> = (0..APPLY_AT_ONCE + 3)
            .map(|i| released(&format!("c{i}")))
            .collect();
        assert_eq!(next_wave(&mut pending).len(), APPLY_AT_ONCE);
        let rest: Vec<String> = pending.iter().map(chat).collect();
        let expected: Vec<String> = (APPLY_AT_ONCE..APPLY_AT_ONCE + 3)
            .map(|i| format!("c{i}"))
            .collect();
        assert_eq!(rest, expected);
    }
}
