//! Quick phrases and auto-replies in the file store. Phrases: the `phrases` table, keyed
//! `(shop, owner, shortcut)` with the text as value, where the owner is an agent id or `""` for
//! the shop's own (ids are never empty). Keys sort field by field, so one owner's phrases are
//! one run in shortcut order. Auto-replies: `autoreply/<shop>/<agent>` in the `desk` table.

use super::schema::{DbResult, PHRASES};
use super::{FileStore, desk};
use crate::phrases::saved_as;
use crate::{PhraseSaved, Phrases, Result};
use async_trait::async_trait;
use qin_proto::{AgentId, Phrase, ShopId};
use redb::{ReadTransaction, ReadableTable, Table, WriteTransaction};

#[async_trait]
impl Phrases for FileStore {
    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>> {
        let (shop, owner) = (shop.clone(), owner.cloned());
        self.read(move |txn| list(txn, shop.as_str(), owner.as_ref()))
            .await
    }

    async fn set_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        phrase: &Phrase,
    ) -> Result<PhraseSaved> {
        let (shop, owner, phrase) = (shop.clone(), owner.cloned(), phrase.clone());
        self.write(move |txn| set(txn, shop.as_str(), owner.as_ref(), &phrase))
            .await
    }

    async fn delete_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        shortcut: &str,
    ) -> Result<bool> {
        let (shop, owner, shortcut) = (shop.clone(), owner.cloned(), shortcut.to_owned());
        self.write(move |txn| delete(txn, shop.as_str(), owner.as_ref(), &shortcut))
            .await
    }

    async fn set_agent_auto_reply(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        text: Option<&str>,
    ) -> Result<()> {
        let key = format!("autoreply/{shop}/{agent}");
        let text = text.map(str::to_owned);
        self.write(move |txn| desk::update(txn, &key, |v: &mut Option<String>| *v = text))
            .await
    }

    async fn agent_auto_reply(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<String>> {
        let key = format!("autoreply/{shop}/{agent}");
        self.read(move |txn| Ok(desk::get::<Option<String>>(txn, &key)?.flatten()))
            .await
    }
}

/// The owner field of a key.
fn owner_key(owner: Option<&AgentId>) -> &str {
    owner.map_or("", AgentId::as_str)
}

/// The owner's phrases in shortcut order.
fn list(txn: &ReadTransaction, shop: &str, owner: Option<&AgentId>) -> Result<Vec<Phrase>> {
    let table = txn.open_table(PHRASES).db()?;
    let owner = owner_key(owner);
    let mut found = Vec::new();
    for entry in table.range((shop, owner, "")..).db()? {
        let (key, text) = entry.db()?;
        let (key_shop, key_owner, shortcut) = key.value();
        if key_shop != shop || key_owner != owner {
            break;
        }
        found.push(Phrase {
            shortcut: shortcut.to_owned(),
            text: text.value().to_owned(),
        });
    }
    Ok(found)
}

/// How many phrases the owner has (at most a little past the cap is ever read).
fn count(table: &Table<'_, (&str, &str, &str), &str>, shop: &str, owner: &str) -> Result<usize> {
    let mut n = 0;
    for entry in table.range((shop, owner, "")..).db()? {
        let (key, _) = entry.db()?;
        let (key_shop, key_owner, _) = key.value();
        if key_shop != shop || key_owner != owner {
            break;
        }
        n += 1;
    }
    Ok(n)
}

/// Stores `phrase` for the owner unless that would pass the cap.
fn set(
    txn: &WriteTransaction,
    shop: &str,
    owner: Option<&AgentId>,
    phrase: &Phrase,
) -> Result<PhraseSaved> {
    let mut table = txn.open_table(PHRASES).db()?;
    let owner = owner_key(owner);
    let key = (shop, owner, phrase.shortcut.as_str());
    let exists = table.get(key).db()?.is_some();
    let len = if exists {
        0
    } else {
        count(&table, shop, owner)?
    };
    let saved = saved_as(exists, len);
    if saved != PhraseSaved::Full {
        table.insert(key, phrase.text.as_str()).db()?;
    }
    Ok(saved)
}

/// Removes the owner's phrase `shortcut`; true when there was one.
fn delete(
    txn: &WriteTransaction,
    shop: &str,
    owner: Option<&AgentId>,
    shortcut: &str,
) -> Result<bool> {
    let mut table = txn.open_table(PHRASES).db()?;
    let removed = table.remove((shop, owner_key(owner), shortcut)).db()?;
    Ok(removed.is_some())
}

#[cfg(test)]
crate::conformance::phrases::suite!(super::tests::backend);
