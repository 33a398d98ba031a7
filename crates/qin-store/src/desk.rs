//! The routing desk's small state kept in process memory (memory store), mirroring the Redis
//! keys one for one: shoppers' followed agents and last agent, per-conversation routing
//! records, the router's request inbox, the supervisor's profile choice, and leases.

use crate::{MAX_FOLLOWS, MAX_ROUTING_RECORDS};
use qin_proto::{AgentId, ConvId, Millis, ShopId, VisitorId};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Everything but leases; one lock, never held across an `.await`.
#[derive(Debug, Default)]
pub(crate) struct Desk {
    follows: HashMap<(ShopId, VisitorId), Vec<AgentId>>,
    last_agent: HashMap<(ShopId, VisitorId), (AgentId, Millis)>,
    routing: HashMap<ConvId, VecDeque<String>>,
    requests: HashMap<ShopId, VecDeque<String>>,
    profiles: HashMap<ShopId, String>,
    auto_replies: HashMap<(ShopId, AgentId), String>,
}

impl Desk {
    pub fn follow(&mut self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) {
        let list = self
            .follows
            .entry((shop.clone(), visitor.clone()))
            .or_default();
        follow_in(list, agent);
    }

    pub fn unfollow(&mut self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) {
        let key = (shop.clone(), visitor.clone());
        if let Some(list) = self.follows.get_mut(&key) {
            list.retain(|a| a != agent);
            if list.is_empty() {
                self.follows.remove(&key);
            }
        }
    }

    pub fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Vec<AgentId> {
        self.follows
            .get(&(shop.clone(), visitor.clone()))
            .cloned()
            .unwrap_or_default()
    }

    pub fn set_last_agent(
        &mut self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) {
        self.last_agent
            .insert((shop.clone(), visitor.clone()), (agent.clone(), at));
    }

    pub fn last_agent(&self, shop: &ShopId, visitor: &VisitorId) -> Option<(AgentId, Millis)> {
        self.last_agent
            .get(&(shop.clone(), visitor.clone()))
            .cloned()
    }

    pub fn append_routing(&mut self, conv: &ConvId, record: &str) {
        let list = self.routing.entry(conv.clone()).or_default();
        list.push_back(record.to_owned());
        while list.len() > MAX_ROUTING_RECORDS {
            list.pop_front();
        }
    }

    pub fn routing(&self, conv: &ConvId) -> Vec<String> {
        self.routing
            .get(conv)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn push_request(&mut self, shop: &ShopId, request: &str) {
        self.requests
            .entry(shop.clone())
            .or_default()
            .push_back(request.to_owned());
    }

    pub fn requests(&self, shop: &ShopId, max: usize) -> Vec<String> {
        self.requests
            .get(shop)
            .map(|q| q.iter().take(max).cloned().collect())
            .unwrap_or_default()
    }

    pub fn ack_requests(&mut self, shop: &ShopId, n: usize) {
        if let Some(q) = self.requests.get_mut(shop) {
            q.drain(..n.min(q.len()));
        }
    }

    pub fn set_profile(&mut self, shop: &ShopId, profile: Option<&str>) {
        match profile {
            Some(p) => self.profiles.insert(shop.clone(), p.to_owned()),
            None => self.profiles.remove(shop),
        };
    }

    pub fn profile(&self, shop: &ShopId) -> Option<String> {
        self.profiles.get(shop).cloned()
    }

    pub fn set_auto_reply(&mut self, shop: &ShopId, agent: &AgentId, text: Option<&str>) {
        let key = (shop.clone(), agent.clone());
        match text {
            Some(t) => self.auto_replies.insert(key, t.to_owned()),
            None => self.auto_replies.remove(&key),
        };
    }

    pub fn auto_reply(&self, shop: &ShopId, agent: &AgentId) -> Option<String> {
        self.auto_replies
            .get(&(shop.clone(), agent.clone()))
            .cloned()
    }
}

/// Adds `agent` to a followed list: a repeat keeps its place; past [`MAX_FOLLOWS`] the
/// oldest is dropped.
pub(crate) fn follow_in(list: &mut Vec<AgentId>, agent: &AgentId) {
    if list.contains(agent) {
        return;
    }
    list.push(agent.clone());
    if list.len() > MAX_FOLLOWS {
        list.drain(..list.len() - MAX_FOLLOWS);
    }
}

/// Longest lease term any store grants (about a century): longer asks are capped, so the
/// expiry never overflows an `Instant` nor Redis's `PX` range.
pub(crate) const MAX_LEASE_TTL_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// Leases held in this process: name → (holder, expiry).
#[derive(Debug, Default)]
pub(crate) struct Leases(Mutex<HashMap<String, (String, Instant)>>);

impl Leases {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn try_take(&self, name: &str, holder: &str, ttl_ms: u64) -> bool {
        let now = Instant::now();
        let mut leases = self.lock();
        let free = leases
            .get(name)
            .is_none_or(|(h, until)| h == holder || *until <= now);
        if free {
            leases.insert(
                name.to_owned(),
                (holder.to_owned(), now + lease_term(ttl_ms)),
            );
        }
        free
    }

    pub fn release(&self, name: &str, holder: &str) {
        let mut leases = self.lock();
        if leases.get(name).is_some_and(|(h, _)| h == holder) {
            leases.remove(name);
        }
    }
}

/// A requested lease term, capped at [`MAX_LEASE_TTL_MS`].
fn lease_term(ttl_ms: u64) -> Duration {
    Duration::from_millis(ttl_ms.min(MAX_LEASE_TTL_MS))
}
