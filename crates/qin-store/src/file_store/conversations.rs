//! Conversations and their logs in the file store: the `conversations`, `messages`, `cids` and
//! `open_by_*` tables. Each operation is a plain function over one redb transaction, step by
//! step like the memory store's methods and the Redis scripts; the methods run it on the
//! blocking pool and commit.

use super::schema::{
    CIDS, CONVERSATIONS, DbResult, MESSAGES, OPEN_BY_AGENT, OPEN_BY_SHOP, OPEN_BY_SHOPPER,
};
use super::{FileStore, begin_write};
use crate::codec::{decode_json, decode_message, encode_json, encode_message};
use crate::{Appended, Conversation, Conversations, NewMessage, Result, StoreError};
use async_trait::async_trait;
use qin_proto::{AgentId, ConvId, Message, Millis, ShopId, VisitorId};
use redb::{MultimapValue, ReadTransaction, ReadableTable, WriteTransaction};

#[async_trait]
impl Conversations for FileStore {
    async fn save_conversation(&self, conv: &Conversation) -> Result<()> {
        let conv = conv.clone();
        self.write(move |txn| save_conversation(txn, &conv)).await
    }

    async fn conversation(&self, id: &ConvId) -> Result<Option<Conversation>> {
        let id = id.clone();
        self.read(move |txn| conversation(txn, &id)).await
    }

    async fn open_conversations(&self, shop: &ShopId) -> Result<Vec<Conversation>> {
        let shop = shop.clone();
        self.read(move |txn| open_listed(txn, OpenIndex::Shop(shop.as_str()), |c| c.shop == shop))
            .await
    }

    async fn open_conversations_of_shopper(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Vec<Conversation>> {
        let (shop, visitor) = (shop.clone(), visitor.clone());
        self.read(move |txn| {
            let index = OpenIndex::Shopper(shop.as_str(), visitor.as_str());
            open_listed(txn, index, |c| {
                c.shop == shop && c.visitor() == visitor.as_str()
            })
        })
        .await
    }

    async fn open_conversations_of_agent(
        &self,
        shop: &ShopId,
        agent: &AgentId,
    ) -> Result<Vec<Conversation>> {
        let (shop, agent) = (shop.clone(), agent.clone());
        self.read(move |txn| {
            let index = OpenIndex::Agent(shop.as_str(), agent.as_str());
            open_listed(txn, index, |c| {
                c.shop == shop && c.agent.as_ref() == Some(&agent)
            })
        })
        .await
    }

    async fn append(&self, conv: &ConvId, msg: NewMessage) -> Result<Appended> {
        let conv = conv.clone();
        self.blocking(move |db| {
            let txn = begin_write(db)?;
            let appended = append(&txn, &conv, msg)?;
            if appended.duplicate {
                // Nothing was written: skip the fsyncs of a commit.
                txn.abort().db()?;
            } else {
                txn.commit().db()?;
            }
            Ok(appended)
        })
        .await
    }

    async fn messages_after(
        &self,
        conv: &ConvId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Message>> {
        // Asking for nothing (or for seqs past the largest possible) needs no transaction.
        let Some(first) = after.checked_add(1).filter(|_| limit > 0) else {
            return Ok(Vec::new());
        };
        let conv = conv.clone();
        self.read(move |txn| messages_from(txn, &conv, first, limit))
            .await
    }

    async fn last_seq(&self, conv: &ConvId) -> Result<u64> {
        let conv = conv.clone();
        self.read(move |txn| last_seq(txn, &conv)).await
    }
}

/// Saves `conv` and moves it in the open indexes; refuses to reopen a closed one.
fn save_conversation(txn: &WriteTransaction, conv: &Conversation) -> Result<()> {
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
fn conversation(txn: &ReadTransaction, id: &ConvId) -> Result<Option<Conversation>> {
    let records = txn.open_table(CONVERSATIONS).db()?;
    let raw = records.get(id.as_str()).db()?;
    raw.map(|raw| decode_json("conversation", raw.value()))
        .transpose()
}

/// Which open index to read.
enum OpenIndex<'a> {
    Shop(&'a str),
    Shopper(&'a str, &'a str),
    Agent(&'a str, &'a str),
}

/// The records an open index lists that are open and pass `keep`, oldest first (as Redis and
/// the memory store do, to tolerate an index that lags its records).
fn open_listed(
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
fn append(txn: &WriteTransaction, conv: &ConvId, msg: NewMessage) -> Result<Appended> {
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
fn messages_from(
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
fn last_seq(txn: &ReadTransaction, conv: &ConvId) -> Result<u64> {
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

#[cfg(test)]
crate::conformance::conversations::suite!(super::tests::backend);
