//! Quick phrases in the file store: the `phrases` table, keyed `(shop, owner, shortcut)` with
//! the text as value, where the owner is an agent id or `""` for the shop's own (ids are never
//! empty). Keys sort field by field, so one owner's phrases are one run in shortcut order.

use super::schema::{DbResult, PHRASES};
use crate::Result;
use crate::phrases::{PhraseSaved, saved_as};
use qin_proto::{AgentId, Phrase};
use redb::{ReadTransaction, ReadableTable, Table, WriteTransaction};

/// The owner field of a key.
fn owner_key(owner: Option<&AgentId>) -> &str {
    owner.map_or("", AgentId::as_str)
}

/// The owner's phrases in shortcut order.
pub(super) fn list(
    txn: &ReadTransaction,
    shop: &str,
    owner: Option<&AgentId>,
) -> Result<Vec<Phrase>> {
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
pub(super) fn set(
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
pub(super) fn delete(
    txn: &WriteTransaction,
    shop: &str,
    owner: Option<&AgentId>,
    shortcut: &str,
) -> Result<bool> {
    let mut table = txn.open_table(PHRASES).db()?;
    let removed = table.remove((shop, owner_key(owner), shortcut)).db()?;
    Ok(removed.is_some())
}
