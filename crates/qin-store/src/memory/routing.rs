//! The router's desk in memory: capped routing records per conversation, a FIFO request inbox
//! and the profile choice per shop, mirroring the Redis lists and string.

use super::{MemoryStore, locked};
use crate::{MAX_ROUTING_RECORDS, Result, RoutingDesk};
use async_trait::async_trait;
use qin_proto::{ConvId, ShopId};
use std::collections::{HashMap, VecDeque};

/// Routing records, request inboxes and profile choices.
#[derive(Debug, Default)]
pub(super) struct Desk {
    routing: HashMap<ConvId, VecDeque<String>>,
    requests: HashMap<ShopId, VecDeque<String>>,
    profiles: HashMap<ShopId, String>,
}

#[async_trait]
impl RoutingDesk for MemoryStore {
    async fn append_routing(&self, conv: &ConvId, record: &str) -> Result<()> {
        let mut desk = locked(&self.routing);
        let list = desk.routing.entry(conv.clone()).or_default();
        list.push_back(record.to_owned());
        while list.len() > MAX_ROUTING_RECORDS {
            list.pop_front();
        }
        Ok(())
    }

    async fn routing(&self, conv: &ConvId) -> Result<Vec<String>> {
        Ok(locked(&self.routing)
            .routing
            .get(conv)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn push_request(&self, shop: &ShopId, request: &str) -> Result<()> {
        locked(&self.routing)
            .requests
            .entry(shop.clone())
            .or_default()
            .push_back(request.to_owned());
        Ok(())
    }

    async fn requests(&self, shop: &ShopId, max: usize) -> Result<Vec<String>> {
        Ok(locked(&self.routing)
            .requests
            .get(shop)
            .map(|q| q.iter().take(max).cloned().collect())
            .unwrap_or_default())
    }

    async fn ack_requests(&self, shop: &ShopId, n: usize) -> Result<()> {
        if let Some(q) = locked(&self.routing).requests.get_mut(shop) {
            q.drain(..n.min(q.len()));
        }
        Ok(())
    }

    async fn set_profile(&self, shop: &ShopId, profile: Option<&str>) -> Result<()> {
        let mut desk = locked(&self.routing);
        match profile {
            Some(p) => desk.profiles.insert(shop.clone(), p.to_owned()),
            None => desk.profiles.remove(shop),
        };
        Ok(())
    }

    async fn profile(&self, shop: &ShopId) -> Result<Option<String>> {
        Ok(locked(&self.routing).profiles.get(shop).cloned())
    }
}

#[cfg(test)]
crate::conformance::routing::suite!(super::tests::backend);
