//! Quick phrases and personal auto-replies in memory: one ordered map per owner (the shop, or
//! one agent of it), mirroring the Redis hashes, and one text per (shop, agent).

use super::{MemoryStore, locked};
use crate::phrases::saved_as;
use crate::{PhraseSaved, Phrases, Result};
use async_trait::async_trait;
use qin_proto::{AgentId, Phrase, ShopId};
use std::collections::{BTreeMap, HashMap};

/// Whose phrases: `None` is the shop's own, shared by all its agents.
type Owner = (ShopId, Option<AgentId>);

/// Every owner's phrase book (shortcut → text) and every agent's auto-reply.
#[derive(Debug, Default)]
pub(super) struct Texts {
    books: HashMap<Owner, BTreeMap<String, String>>,
    auto_replies: HashMap<(ShopId, AgentId), String>,
}

#[async_trait]
impl Phrases for MemoryStore {
    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>> {
        Ok(locked(&self.phrases)
            .books
            .get(&(shop.clone(), owner.cloned()))
            .map(|book| {
                book.iter()
                    .map(|(shortcut, text)| Phrase {
                        shortcut: shortcut.clone(),
                        text: text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn set_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        phrase: &Phrase,
    ) -> Result<PhraseSaved> {
        let mut texts = locked(&self.phrases);
        let book = texts
            .books
            .entry((shop.clone(), owner.cloned()))
            .or_default();
        let saved = saved_as(book.contains_key(&phrase.shortcut), book.len());
        if saved != PhraseSaved::Full {
            book.insert(phrase.shortcut.clone(), phrase.text.clone());
        }
        Ok(saved)
    }

    async fn delete_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        shortcut: &str,
    ) -> Result<bool> {
        let mut texts = locked(&self.phrases);
        let key = (shop.clone(), owner.cloned());
        let Some(book) = texts.books.get_mut(&key) else {
            return Ok(false);
        };
        let found = book.remove(shortcut).is_some();
        if book.is_empty() {
            texts.books.remove(&key);
        }
        Ok(found)
    }

    async fn set_agent_auto_reply(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        text: Option<&str>,
    ) -> Result<()> {
        let mut texts = locked(&self.phrases);
        let key = (shop.clone(), agent.clone());
        match text {
            Some(t) => texts.auto_replies.insert(key, t.to_owned()),
            None => texts.auto_replies.remove(&key),
        };
        Ok(())
    }

    async fn agent_auto_reply(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<String>> {
        Ok(locked(&self.phrases)
            .auto_replies
            .get(&(shop.clone(), agent.clone()))
            .cloned())
    }
}

#[cfg(test)]
crate::conformance::phrases::suite!(super::tests::backend);
