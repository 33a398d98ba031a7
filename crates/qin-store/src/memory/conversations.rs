//! Conversations and their logs in memory: the records, an ordered set per open index
//! (mirroring Redis's sorted sets), and each conversation's messages with its dedupe map.

use super::{MemoryStore, locked};
use crate::{Appended, Conversation, Conversations, NewMessage, Result, StoreError};
use async_trait::async_trait;
use qin_proto::{AgentId, ConvId, Message, Millis, ShopId, VisitorId};
use std::collections::{BTreeSet, HashMap};

/// Open conversations ordered like a Redis sorted set scored by `opened_at`: ties by id.
type OpenIndex = BTreeSet<(Millis, ConvId)>;

/// The records, their open indexes and the logs; one lock, so an append sees the record's
/// state and the log together.
#[derive(Debug, Default)]
pub(super) struct Chats {
    convs: HashMap<ConvId, Conversation>,
    logs: HashMap<ConvId, Log>,
    pub(super) open_by_shop: HashMap<ShopId, OpenIndex>,
    pub(super) open_by_shopper: HashMap<(ShopId, String), OpenIndex>,
    pub(super) open_by_agent: HashMap<(ShopId, AgentId), OpenIndex>,
}

/// One conversation's messages; `messages[i].seq == i + 1`.
#[derive(Debug, Default)]
struct Log {
    messages: Vec<Message>,
    /// `(from.id, cid)` → seq of the message first stored with it.
    cids: HashMap<(String, String), u64>,
}

impl Chats {
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
impl Conversations for MemoryStore {
    async fn save_conversation(&self, conv: &Conversation) -> Result<()> {
        let mut chats = locked(&self.conversations);
        if let Some(old) = chats.convs.get(&conv.id).cloned() {
            if !old.is_open() {
                if conv.is_open() {
                    return Err(StoreError::Closed(conv.id.clone()));
                }
            } else {
                chats.unindex(&old);
            }
        }
        chats.convs.insert(conv.id.clone(), conv.clone());
        if conv.is_open() {
            chats.index(conv);
        }
        Ok(())
    }

    async fn conversation(&self, id: &ConvId) -> Result<Option<Conversation>> {
        Ok(locked(&self.conversations).convs.get(id).cloned())
    }

    async fn open_conversations(&self, shop: &ShopId) -> Result<Vec<Conversation>> {
        let chats = locked(&self.conversations);
        let index = chats.open_by_shop.get(shop);
        Ok(chats.open_listed(index, |c| c.shop == *shop))
    }

    async fn open_conversations_of_shopper(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>> {
        let chats = locked(&self.conversations);
        let key = (shop.clone(), visitor.as_str().to_owned());
        let index = chats.open_by_shopper.get(&key);
        Ok(chats.open_listed(index, |c| {
            c.shop == *shop && c.visitor() == visitor.as_str()
        }))
    }

    async fn open_conversations_of_agent(
        &self,
        shop: &ShopId,
        agent: &AgentId,
    ) -> Result<Vec<Conversation>> {
        let chats = locked(&self.conversations);
        let index = chats.open_by_agent.get(&(shop.clone(), agent.clone()));
        Ok(chats.open_listed(index, |c| {
            c.shop == *shop && c.agent.as_ref() == Some(agent)
        }))
    }

    async fn append(&self, conv: &ConvId, msg: NewMessage) -> Result<Appended> {
        let mut chats = locked(&self.conversations);
        let open = match chats.convs.get(conv) {
            Some(c) => c.is_open(),
            None => return Err(StoreError::NotFound(conv.clone())),
        };
        let log = chats.logs.entry(conv.clone()).or_default();
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
        let chats = locked(&self.conversations);
        let Some(log) = chats.logs.get(conv) else {
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
        Ok(locked(&self.conversations)
            .logs
            .get(conv)
            .map_or(0, |log| log.messages.len() as u64))
    }
}

#[cfg(test)]
crate::conformance::conversations::suite!(super::tests::backend);
