//! The in-memory store of embedded mode and tests; mirrors [`RedisStore`](crate::RedisStore).
//!
//! Every method takes one `std::sync::Mutex` for a few map operations and never across an
//! `.await` (the methods do not await at all), so one process's appends are serialised just as
//! Redis serialises scripts. Each method follows the Redis one step by step; where the two
//! differ it is said here:
//! - a `(conversation, sender, cid)` stays deduplicated for the life of the process, not only
//!   [`CID_TTL_SECS`](crate::CID_TTL_SECS): the log itself is kept forever, so the dedupe
//!   entries do not change how memory grows, and a later retry is better caught than stored.

use crate::desk::{Desk, Leases};
use crate::phrases::{PhraseBook, PhraseSaved};
use crate::{Appended, Conversation, NewMessage, Result, Store, StoreError};
use async_trait::async_trait;
use qin_proto::{
    AgentId, AgentStatus, ConvId, GroupLive, Message, Millis, Phrase, ShopId, VisitorId,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Open conversations ordered like a Redis sorted set scored by `opened_at`: ties by id.
type OpenIndex = BTreeSet<(Millis, ConvId)>;

/// Qin's state held in this process only; lost when it exits.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    desk: Mutex<Desk>,
    leases: Leases,
    phrases: PhraseBook,
}

#[derive(Debug, Default)]
struct Inner {
    convs: HashMap<ConvId, Conversation>,
    logs: HashMap<ConvId, Log>,
    open_by_shop: HashMap<ShopId, OpenIndex>,
    open_by_shopper: HashMap<(ShopId, String), OpenIndex>,
    open_by_agent: HashMap<(ShopId, AgentId), OpenIndex>,
    agent_statuses: HashMap<ShopId, HashMap<AgentId, AgentStatus>>,
    groups_live: HashMap<ShopId, Vec<GroupLive>>,
}

/// One conversation's messages; `messages[i].seq == i + 1`.
#[derive(Debug, Default)]
struct Log {
    messages: Vec<Message>,
    /// `(from.id, cid)` → seq of the message first stored with it.
    cids: HashMap<(String, String), u64>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves maps that are each still valid, so
        // carry on rather than poisoning every later call.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn desk(&self) -> MutexGuard<'_, Desk> {
        self.desk.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn unindex(&mut self, conv: &Conversation) {
        let entry = (conv.opened_at, conv.id.clone());
        remove_from(&mut self.open_by_shop, &conv.shop, &entry);
        let shopper = (conv.shop.clone(), conv.shopper.id.clone());
        remove_from(&mut self.open_by_shopper, &shopper, &entry);
        if let Some(agent) = &conv.agent {
            remove_from(
                &mut self.open_by_agent,
                &(conv.shop.clone(), agent.clone()),
                &entry,
            );
        }
    }

    fn index(&mut self, conv: &Conversation) {
        let entry = (conv.opened_at, conv.id.clone());
        let shop = self.open_by_shop.entry(conv.shop.clone()).or_default();
        shop.insert(entry.clone());
        let shopper = (conv.shop.clone(), conv.shopper.id.clone());
        self.open_by_shopper
            .entry(shopper)
            .or_default()
            .insert(entry.clone());
        if let Some(agent) = &conv.agent {
            let key = (conv.shop.clone(), agent.clone());
            self.open_by_agent.entry(key).or_default().insert(entry);
        }
    }

    /// The records an index lists that are open and still match `keep` (as Redis does, to
    /// tolerate an index that lags its records).
    fn open_listed(
        &self,
        index: Option<&OpenIndex>,
        keep: impl Fn(&Conversation) -> bool,
    ) -> Vec<Conversation> {
        index
            .into_iter()
            .flatten()
            .filter_map(|(_, id)| self.convs.get(id))
            .filter(|c| c.is_open() && keep(c))
            .cloned()
            .collect()
    }
}

/// Removes `entry` from the index under `key`, dropping the index when it empties (Redis
/// deletes an empty sorted set).
fn remove_from<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, OpenIndex>,
    key: &K,
    entry: &(Millis, ConvId),
) {
    if let Some(set) = map.get_mut(key) {
        set.remove(entry);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn save_conversation(&self, conv: &Conversation) -> Result<()> {
        let mut inner = self.lock();
        if let Some(old) = inner.convs.get(&conv.id).cloned() {
            if !old.is_open() {
                if conv.is_open() {
                    return Err(StoreError::Closed(conv.id.clone()));
                }
            } else {
                inner.unindex(&old);
            }
        }
        inner.convs.insert(conv.id.clone(), conv.clone());
        if conv.is_open() {
            inner.index(conv);
        }
        Ok(())
    }

    async fn conversation(&self, id: &ConvId) -> Result<Option<Conversation>> {
        Ok(self.lock().convs.get(id).cloned())
    }

    async fn open_conversations(&self, shop: &ShopId) -> Result<Vec<Conversation>> {
        let inner = self.lock();
        let index = inner.open_by_shop.get(shop);
        Ok(inner.open_listed(index, |c| c.shop == *shop))
    }

    async fn open_conversations_of_shopper(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>> {
        let inner = self.lock();
        let key = (shop.clone(), visitor.as_str().to_owned());
        let index = inner.open_by_shopper.get(&key);
        Ok(inner.open_listed(index, |c| {
            c.shop == *shop && c.visitor() == visitor.as_str()
        }))
    }

    async fn open_conversations_of_agent(
        &self,
        shop: &ShopId,
        agent: &AgentId,
    ) -> Result<Vec<Conversation>> {
        let inner = self.lock();
        let index = inner.open_by_agent.get(&(shop.clone(), agent.clone()));
        Ok(inner.open_listed(index, |c| {
            c.shop == *shop && c.agent.as_ref() == Some(agent)
        }))
    }

    async fn append(&self, conv: &ConvId, msg: NewMessage) -> Result<Appended> {
        let mut inner = self.lock();
        let open = match inner.convs.get(conv) {
            Some(c) => c.is_open(),
            None => return Err(StoreError::NotFound(conv.clone())),
        };
        let log = inner.logs.entry(conv.clone()).or_default();
        let cid_key = (msg.from.id.clone(), msg.cid.clone());
        if let Some(&seq) = log.cids.get(&cid_key) {
            let original = usize::try_from(seq - 1)
                .ok()
                .and_then(|i| log.messages.get(i))
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("{conv}: cid of seq {seq} has no message"))
                })?;
            return Ok(Appended {
                message: original.clone(),
                duplicate: true,
            });
        }
        if !open {
            return Err(StoreError::Closed(conv.clone()));
        }
        let seq = log.messages.len() as u64 + 1;
        let message = msg.into_message(conv, seq);
        log.messages.push(message.clone());
        log.cids.insert(cid_key, seq);
        Ok(Appended {
            message,
            duplicate: false,
        })
    }

    async fn messages_after(
        &self,
        conv: &ConvId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Message>> {
        let inner = self.lock();
        let Some(log) = inner.logs.get(conv) else {
            return Ok(Vec::new());
        };
        // seq n sits at index n - 1, so the first seq above `after` is at index `after`.
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        Ok(log
            .messages
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn last_seq(&self, conv: &ConvId) -> Result<u64> {
        Ok(self
            .lock()
            .logs
            .get(conv)
            .map_or(0, |log| log.messages.len() as u64))
    }

    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()> {
        self.lock()
            .agent_statuses
            .entry(shop.clone())
            .or_default()
            .insert(agent.clone(), status);
        Ok(())
    }

    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>> {
        Ok(self
            .lock()
            .agent_statuses
            .get(shop)
            .cloned()
            .unwrap_or_default())
    }

    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()> {
        self.lock()
            .groups_live
            .insert(shop.clone(), groups.to_vec());
        Ok(())
    }

    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>> {
        Ok(self
            .lock()
            .groups_live
            .get(shop)
            .cloned()
            .unwrap_or_default())
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        self.desk().follow(shop, visitor, agent);
        Ok(())
    }

    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        self.desk().unfollow(shop, visitor, agent);
        Ok(())
    }

    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>> {
        Ok(self.desk().following(shop, visitor))
    }

    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()> {
        self.desk().set_last_agent(shop, visitor, agent, at);
        Ok(())
    }

    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>> {
        Ok(self.desk().last_agent(shop, visitor))
    }

    async fn append_routing(&self, conv: &ConvId, record: &str) -> Result<()> {
        self.desk().append_routing(conv, record);
        Ok(())
    }

    async fn routing(&self, conv: &ConvId) -> Result<Vec<String>> {
        Ok(self.desk().routing(conv))
    }

    async fn push_request(&self, shop: &ShopId, request: &str) -> Result<()> {
        self.desk().push_request(shop, request);
        Ok(())
    }

    async fn requests(&self, shop: &ShopId, max: usize) -> Result<Vec<String>> {
        Ok(self.desk().requests(shop, max))
    }

    async fn ack_requests(&self, shop: &ShopId, n: usize) -> Result<()> {
        self.desk().ack_requests(shop, n);
        Ok(())
    }

    async fn set_profile(&self, shop: &ShopId, profile: Option<&str>) -> Result<()> {
        self.desk().set_profile(shop, profile);
        Ok(())
    }

    async fn profile(&self, shop: &ShopId) -> Result<Option<String>> {
        Ok(self.desk().profile(shop))
    }

    async fn try_lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool> {
        Ok(self.leases.try_take(name, holder, ttl_ms))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.leases.release(name, holder);
        Ok(())
    }

    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>> {
        Ok(self.phrases.list(shop, owner))
    }

    async fn set_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        phrase: &Phrase,
    ) -> Result<PhraseSaved> {
        Ok(self.phrases.set(shop, owner, phrase))
    }

    async fn delete_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        shortcut: &str,
    ) -> Result<bool> {
        Ok(self.phrases.delete(shop, owner, shortcut))
    }

    async fn set_agent_auto_reply(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        text: Option<&str>,
    ) -> Result<()> {
        self.desk().set_auto_reply(shop, agent, text);
        Ok(())
    }

    async fn agent_auto_reply(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<String>> {
        Ok(self.desk().auto_reply(shop, agent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use std::sync::Arc;
    use std::time::Duration;

    /// The whole suite, bounded so a deadlock fails instead of hanging.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn memory_store_passes_the_conformance_suite() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        tokio::time::timeout(Duration::from_secs(30), conformance::run_all(&store))
            .await
            .expect("conformance suite timed out");
    }

    /// The readers skip stale index entries, so look at the indexes themselves.
    #[tokio::test]
    async fn indexes_keep_no_stale_entries() {
        let store = MemoryStore::new();
        let mut conv = Conversation {
            id: ConvId::parse("c1").expect("valid id"),
            shop: ShopId::parse("afu").expect("valid id"),
            shopper: qin_proto::Party {
                role: qin_proto::Role::Shopper,
                id: "v1".into(),
                name: "亲".into(),
            },
            group: qin_proto::GroupId::parse("lady").expect("valid id"),
            requested_agent: None,
            state: qin_proto::ConvState::Assigned,
            agent: AgentId::parse("anhong"),
            opened_at: 1,
            closed_at: None,
            tags: Vec::new(),
            rating: None,
        };
        store.save_conversation(&conv).await.expect("assign");
        conv.agent = AgentId::parse("xiaoxi");
        store.save_conversation(&conv).await.expect("transfer");
        {
            let inner = store.lock();
            let agents: Vec<_> = inner.open_by_agent.keys().map(|(_, a)| a.clone()).collect();
            assert_eq!(agents, vec![AgentId::parse("xiaoxi").expect("valid id")]);
        }
        conv.state = qin_proto::ConvState::Closed;
        store.save_conversation(&conv).await.expect("close");
        let inner = store.lock();
        assert!(inner.open_by_shop.is_empty());
        assert!(inner.open_by_shopper.is_empty());
        assert!(inner.open_by_agent.is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_handles_append_gap_free() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let run = conformance::append_concurrent_across_stores(&store, &store);
        tokio::time::timeout(Duration::from_secs(30), run)
            .await
            .expect("timed out");
    }
}
