//! Quick phrases (快捷短语) in the store: what a save reports, and the memory store's copy,
//! one ordered map per owner (the shop, or one agent of it), mirroring the Redis hashes.

use qin_proto::{AgentId, MAX_PHRASES, Phrase, ShopId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What [`Store::set_phrase`](crate::Store::set_phrase) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhraseSaved {
    /// A new shortcut was stored.
    Added,
    /// The shortcut existed; its text was replaced.
    Replaced,
    /// The owner already has [`MAX_PHRASES`] and the shortcut is new: nothing was stored.
    Full,
}

/// Whose phrases: `None` is the shop's own, shared by all its agents.
pub(crate) type Owner = (ShopId, Option<AgentId>);

/// The memory store's phrases; one lock, never held across an `.await`.
#[derive(Debug, Default)]
pub(crate) struct PhraseBook(Mutex<HashMap<Owner, BTreeMap<String, String>>>);

impl PhraseBook {
    fn lock(&self) -> MutexGuard<'_, HashMap<Owner, BTreeMap<String, String>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn list(&self, shop: &ShopId, owner: Option<&AgentId>) -> Vec<Phrase> {
        self.lock()
            .get(&(shop.clone(), owner.cloned()))
            .map(|book| listed(book.iter()))
            .unwrap_or_default()
    }

    pub fn set(&self, shop: &ShopId, owner: Option<&AgentId>, phrase: &Phrase) -> PhraseSaved {
        let mut books = self.lock();
        let book = books.entry((shop.clone(), owner.cloned())).or_default();
        let saved = saved_as(book.contains_key(&phrase.shortcut), book.len());
        if saved != PhraseSaved::Full {
            book.insert(phrase.shortcut.clone(), phrase.text.clone());
        }
        saved
    }

    pub fn delete(&self, shop: &ShopId, owner: Option<&AgentId>, shortcut: &str) -> bool {
        let mut books = self.lock();
        let key = (shop.clone(), owner.cloned());
        let Some(book) = books.get_mut(&key) else {
            return false;
        };
        let found = book.remove(shortcut).is_some();
        if book.is_empty() {
            books.remove(&key);
        }
        found
    }
}

/// What saving a phrase does to a book of `len` phrases that has (`exists`) its shortcut.
pub(crate) fn saved_as(exists: bool, len: usize) -> PhraseSaved {
    if exists {
        PhraseSaved::Replaced
    } else if len >= MAX_PHRASES {
        PhraseSaved::Full
    } else {
        PhraseSaved::Added
    }
}

/// Phrases from `(shortcut, text)` pairs already in shortcut order.
pub(crate) fn listed<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> Vec<Phrase> {
    pairs
        .map(|(shortcut, text)| Phrase {
            shortcut: shortcut.clone(),
            text: text.clone(),
        })
        .collect()
}
