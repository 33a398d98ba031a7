//! The file store's small values: one `desk` table of JSON values keyed
//! `follows/<shop>/<visitor>`, `last/<shop>/<visitor>` (`fans.rs`), `routing/<conv>`,
//! `requests/<shop>`, `profile/<shop>` (`routing.rs`), `autoreply/<shop>/<agent>`
//! (`phrases.rs`), `signout/<shop>/<agent>` (`sign_outs.rs`), `notes/<conv>` (`notes.rs`) and
//! `customer/<shop>/<visitor>`, `customer-notes/<shop>/<visitor>` (`customers.rs`), `complaint/<conv>` (`complaints.rs`) — ids never hold `/` — each read and rewritten in one transaction.

use super::schema::{DESK, DbResult};
use crate::Result;
use crate::codec::{decode_json, encode_json};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The value under `key`, if any.
pub(super) fn get<T: DeserializeOwned>(txn: &ReadTransaction, key: &str) -> Result<Option<T>> {
    let table = txn.open_table(DESK).db()?;
    let raw = table.get(key).db()?;
    raw.map(|raw| decode_json("desk", raw.value())).transpose()
}

/// Rewrites the value under `key` with `f` (starting from the default when absent); a value
/// equal to the default is removed, like an emptied Redis key.
pub(super) fn update<T, R>(
    txn: &WriteTransaction,
    key: &str,
    f: impl FnOnce(&mut T) -> R,
) -> Result<R>
where
    T: DeserializeOwned + Serialize + Default + PartialEq,
{
    let mut table = txn.open_table(DESK).db()?;
    let mut value: T = match table.get(key).db()? {
        Some(raw) => decode_json("desk", raw.value())?,
        None => T::default(),
    };
    let out = f(&mut value);
    if value == T::default() {
        table.remove(key).db()?;
    } else {
        table
            .insert(key, encode_json("desk", &value)?.as_bytes())
            .db()?;
    }
    Ok(out)
}
