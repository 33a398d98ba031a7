//! The file store's operations as plain functions over one redb transaction, step by step
//! like the memory store's methods and the Redis scripts. The caller commits.

use super::schema::{
    AGENT_STATUSES, CIDS, CONVERSATIONS, DbResult, GROUPS_LIVE, MESSAGES, OPEN_BY_AGENT,
    OPEN_BY_SHOP, OPEN_BY_SHOPPER,
};
use crate::codec::{decode_json, decode_message, encode_json, encode_message};
use crate::{Appended, Conversation, NewMessage, Result, StoreError};
use qin_proto::{AgentId, AgentStatus, ConvId, GroupLive, Message, Millis};
use redb::{MultimapValue, ReadTransaction, ReadableTable, WriteTransaction};
use std::collections::HashMap;

/// Saves `conv` and moves it in the open indexes; refuses to reopen a closed one.
pub(super) fn save_conversation(txn: &WriteTransaction, conv: &Conversation) -> Result<()> {
    let mut records = txn.open_table(CONVERSATIONS).db()?;
    let old: Option<Conversation> = match records.get(conv.id.as_str()).db()? {
        Some(raw) => Some(decode_json("conversation", raw.value())?),
        None => None,
    };
    if let Some(old) = &old {
        if !old.is_open() {
            if conv.is_open() {
                return Err(StoreError::Closed(conv.id.clone()));
            }
        } else {
            set_indexed(txn, old, false)?;
        }
    }
    records
        .insert(
            conv.id.as_str(),
            encode_json("conversation", conv)?.as_bytes(),
        )
        .db()?;
    if conv.is_open() {
        set_indexed(txn, conv, true)?;
    }
    Ok(())
}

/// Adds `conv` to (or removes it from) the open index of its shop, shopper and agent. redb
/// drops a multimap key whose last value is removed, so emptied indexes leave nothing behind.
fn set_indexed(txn: &WriteTransaction, conv: &Conversation, present: bool) -> Result<()> {
    let entry: (Millis, &str) = (conv.opened_at, conv.id.as_str());
    let shop = conv.shop.as_str();
    let mut by_shop = txn.open_multimap_table(OPEN_BY_SHOP).db()?;
    let mut by_shopper = txn.open_multimap_table(OPEN_BY_SHOPPER).db()?;
    let mut by_agent = txn.open_multimap_table(OPEN_BY_AGENT).db()?;
    let shopper = (shop, conv.visitor());
    let agent = conv.agent.as_ref().map(|a| (shop, a.as_str()));
    if present {
        by_shop.insert(shop, entry).db()?;
        by_shopper.insert(shopper, entry).db()?;
        if let Some(agent) = agent {
            by_agent.insert(agent, entry).db()?;
        }
    } else {
        by_shop.remove(shop, entry).db()?;
        by_shopper.remove(shopper, entry).db()?;
        if let Some(agent) = agent {
            by_agent.remove(agent, entry).db()?;
        }
    }
    Ok(())
}

/// A conversation by id.
pub(super) fn conversation(txn: &ReadTransaction, id: &ConvId) -> Result<Option<Conversation>> {
    let records = txn.open_table(CONVERSATIONS).db()?;
    let raw = records.get(id.as_str()).db()?;
    raw.map(|raw| decode_json("conversation", raw.value()))
        .transpose()
}

/// Which open index to read.
pub(super) enum OpenIndex<'a> {
    Shop(&'a str),
    Shopper(&'a str, &'a str),
    Agent(&'a str, &'a str),
}

/// The records an open index lists that are open and pass `keep`, oldest first (as Redis and
/// the memory store do, to tolerate an index that lags its records).
pub(super) fn open_listed(
    txn: &ReadTransaction,
    index: OpenIndex<'_>,
    keep: impl Fn(&Conversation) -> bool,
) -> Result<Vec<Conversation>> {
    let ids = match index {
        OpenIndex::Shop(shop) => ids(txn.open_multimap_table(OPEN_BY_SHOP).db()?.get(shop))?,
        OpenIndex::Shopper(shop, visitor) => ids(txn
            .open_multimap_table(OPEN_BY_SHOPPER)
            .db()?
            .get((shop, visitor)))?,
        OpenIndex::Agent(shop, agent) => ids(txn
            .open_multimap_table(OPEN_BY_AGENT)
            .db()?
            .get((shop, agent)))?,
    };
    let records = txn.open_table(CONVERSATIONS).db()?;
    let mut convs = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(raw) = records.get(id.as_str()).db()? {
            let conv: Conversation = decode_json("conversation", raw.value())?;
            if conv.is_open() && keep(&conv) {
                convs.push(conv);
            }
        }
    }
    Ok(convs)
}

/// The conversation ids of one index key, in the index's order.
fn ids(
    values: std::result::Result<MultimapValue<'_, (Millis, &'static str)>, redb::StorageError>,
) -> Result<Vec<String>> {
    values
        .db()?
        .map(|entry| entry.db().map(|entry| entry.value().1.to_owned()))
        .collect()
}

/// Appends with the next gap-free seq, or returns the original for a known `(from.id, cid)`
/// (then nothing was written and the caller need not commit).
pub(super) fn append(txn: &WriteTransaction, conv: &ConvId, msg: NewMessage) -> Result<Appended> {
    let record: Conversation = match txn
        .open_table(CONVERSATIONS)
        .db()?
        .get(conv.as_str())
        .db()?
    {
        Some(raw) => decode_json("conversation", raw.value())?,
        None => return Err(StoreError::NotFound(conv.clone())),
    };
    let mut log = txn.open_table(MESSAGES).db()?;
    let mut cids = txn.open_table(CIDS).db()?;
    let cid_key = (conv.as_str(), msg.from.id.as_str(), msg.cid.as_str());
    let first_seq = cids.get(cid_key).db()?.map(|seq| seq.value());
    if let Some(seq) = first_seq {
        let original = log.get((conv.as_str(), seq)).db()?.ok_or_else(|| {
            StoreError::Corrupt(format!("{conv}: cid of seq {seq} has no message"))
        })?;
        return Ok(Appended {
            message: decode_message(conv, seq, original.value())?,
            duplicate: true,
        });
    }
    if !record.is_open() {
        return Err(StoreError::Closed(conv.clone()));
    }
    let seq = last_seq_of(&log, conv)? + 1;
    let stored = encode_message(&msg)?;
    let message = msg.into_message(conv, seq);
    // The last guard for gap-free seq, like Redis refusing a stream ID that does not grow.
    if log
        .insert((conv.as_str(), seq), stored.as_bytes())
        .db()?
        .is_some()
    {
        return Err(StoreError::Corrupt(format!(
            "{conv}: seq {seq} already taken"
        )));
    }
    cids.insert(
        (
            conv.as_str(),
            message.from.id.as_str(),
            message.cid.as_str(),
        ),
        seq,
    )
    .db()?;
    Ok(Appended {
        message,
        duplicate: false,
    })
}

/// Up to `limit` messages from seq `first` on, ascending.
pub(super) fn messages_from(
    txn: &ReadTransaction,
    conv: &ConvId,
    first: u64,
    limit: usize,
) -> Result<Vec<Message>> {
    let log = txn.open_table(MESSAGES).db()?;
    let range = log
        .range((conv.as_str(), first)..=(conv.as_str(), u64::MAX))
        .db()?;
    range
        .take(limit)
        .map(|entry| {
            let (key, json) = entry.db()?;
            decode_message(conv, key.value().1, json.value())
        })
        .collect()
}

/// The highest seq of a conversation's log (0 when empty or unknown).
pub(super) fn last_seq(txn: &ReadTransaction, conv: &ConvId) -> Result<u64> {
    last_seq_of(&txn.open_table(MESSAGES).db()?, conv)
}

fn last_seq_of(
    log: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    conv: &ConvId,
) -> Result<u64> {
    let last = log
        .range((conv.as_str(), 0)..=(conv.as_str(), u64::MAX))
        .db()?
        .next_back()
        .transpose()
        .db()?;
    Ok(last.map_or(0, |(key, _)| key.value().1))
}

/// Records an agent's status under its wire name.
pub(super) fn set_agent_status(
    txn: &WriteTransaction,
    shop: &str,
    agent: &AgentId,
    status: AgentStatus,
) -> Result<()> {
    let name = match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => name,
        other => return Err(StoreError::Corrupt(format!("agent status as {other:?}"))),
    };
    let mut statuses = txn.open_table(AGENT_STATUSES).db()?;
    statuses
        .insert((shop, agent.as_str()), name.as_str())
        .db()?;
    Ok(())
}

/// Every recorded agent status of a shop.
pub(super) fn agent_statuses(
    txn: &ReadTransaction,
    shop: &str,
) -> Result<HashMap<AgentId, AgentStatus>> {
    let statuses = txn.open_table(AGENT_STATUSES).db()?;
    let mut found = HashMap::new();
    // Keys sort by shop first, so the shop's agents are one run starting at `(shop, "")`.
    for entry in statuses.range((shop, "")..).db()? {
        let (key, status) = entry.db()?;
        let (key_shop, agent) = key.value();
        if key_shop != shop {
            break;
        }
        let id = AgentId::parse(agent)
            .ok_or_else(|| StoreError::Corrupt(format!("agent id {agent:?}")))?;
        let status = serde_json::from_value(serde_json::Value::String(status.value().into()))
            .map_err(|e| StoreError::Corrupt(format!("status of {agent}: {e}")))?;
        found.insert(id, status);
    }
    Ok(found)
}

/// Replaces the shop's live group availability.
pub(super) fn set_groups_live(
    txn: &WriteTransaction,
    shop: &str,
    groups: &[GroupLive],
) -> Result<()> {
    let mut table = txn.open_table(GROUPS_LIVE).db()?;
    table
        .insert(shop, encode_json("groups", groups)?.as_bytes())
        .db()?;
    Ok(())
}

/// The shop's live group availability as last written (empty if never).
pub(super) fn groups_live(txn: &ReadTransaction, shop: &str) -> Result<Vec<GroupLive>> {
    let table = txn.open_table(GROUPS_LIVE).db()?;
    let raw = table.get(shop).db()?;
    raw.map_or_else(|| Ok(Vec::new()), |raw| decode_json("groups", raw.value()))
}
