//! The file store of embedded mode: Qin's state in one [redb](https://www.redb.org) database
//! file in a local data directory, so restarting `qin serve` without Redis loses nothing.
//! Mirrors [`MemoryStore`](crate::MemoryStore) and [`RedisStore`](crate::RedisStore).
//!
//! redb is a pure-Rust, ACID, copy-on-write B-tree store. Every write here is one write
//! transaction committed with redb's default `Durability::Immediate`, in two phases (quick
//! repair, see `begin_write`): `commit` returns only after the new pages and then the switch
//! to them are each synced to disk, so once `append` returns (and the gateway acks) the
//! message survives a crash or power cut. A torn commit is never visible: the file keeps the
//! previous commit, and reopening after an unclean shutdown is near instant (logged).
//! Reads are never fsynced; a duplicate cid returns without committing anything.
//!
//! redb runs one write transaction at a time and locks the file against every other open
//! (another process, or a second [`FileStore::open`] in this one), so the read-check-write of
//! `append` and `save_conversation` is serialised just as Redis serialises scripts: seq stays
//! gap-free and a cid is stored once. Its calls block, so each runs on tokio's blocking pool;
//! nothing holds a lock across an `.await`. Reads use snapshots and never wait for writes.
//!
//! # Table layout (schema 1)
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | `"schema"` | `1`, the layout version; another value is refused as `Corrupt` |
//! | `conversations` | conv id | the [`Conversation`] as JSON |
//! | `messages` | `(conv, seq)` | JSON of `{cid, from, kind, body, ts}` (as in Redis) |
//! | `cids` | `(conv, from.id, cid)` | seq of the message first sent with that cid |
//! | `open_by_shop` (multimap) | shop | `(opened_at, conv)` per open conversation |
//! | `open_by_shopper` (multimap) | `(shop, visitor)` | the same, of one shopper |
//! | `open_by_agent` (multimap) | `(shop, agent)` | the same, assigned to one agent |
//! | `agent_statuses` | `(shop, agent)` | status name (`online`, `busy`, `away`, `offline`) |
//! | `groups_live` | shop | the shop's [`GroupLive`] list as JSON |
//! | `desk` | `follows/<shop>/<visitor>`, `last/…`, `routing/<conv>`, `requests/<shop>`, `profile/<shop>`, `autoreply/<shop>/<agent>` | JSON (see `file_store/desk.rs`) |
//! | `phrases` | `(shop, agent or "", shortcut)` | a quick phrase's text (`""`: the shop's own; see `file_store/phrases.rs`) |
//!
//! Tuple keys compare field by field, so a conversation's log is one key range in seq order,
//! and multimap values are kept sorted, so each open index reads oldest first, ties by id.
//!
//! Where it differs from Redis: a `(conversation, sender, cid)` stays deduplicated for as long
//! as the log itself is kept (forever), not only [`CID_TTL_SECS`](crate::CID_TTL_SECS), like
//! the memory store: one small entry per message, and a late retry is caught, not stored.
//! Routing leases live in this process's memory: the file is open in one process only, so
//! only routers of this process can compete for them.

mod desk;
mod ops;
mod phrases;
mod schema;
#[cfg(test)]
mod tests;

use crate::desk::{Leases, follow_in};
use crate::{
    Appended, Conversation, MAX_ROUTING_RECORDS, NewMessage, PhraseSaved, Result, Store, StoreError,
};
use async_trait::async_trait;
use ops::OpenIndex;
use qin_proto::{
    AgentId, AgentStatus, ConvId, GroupLive, Message, Millis, Phrase, ShopId, VisitorId,
};
use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};
use schema::DbResult;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Most memory the database keeps as a page cache (redb's default is 1 GiB). Chats mostly
/// read recent messages, which a modest cache keeps, and embedded mode runs on small machines.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Qin's state in a redb file. Cheap to clone: clones share one open database.
#[derive(Clone)]
pub struct FileStore {
    db: Arc<Database>,
    path: Arc<PathBuf>,
    leases: Arc<Leases>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileStore {
    /// The database file's name inside the data directory.
    pub const FILE_NAME: &str = "qin.redb";

    /// Opens the store in `dir` (creating the directory and its [`Self::FILE_NAME`] if needed).
    /// Blocks while it opens, which after an unclean shutdown includes a repair, so call it
    /// from `spawn_blocking` in async code. Fails with [`StoreError::Unavailable`] if the file
    /// cannot be created or is already open (by another process, or another `FileStore` in
    /// this one), and with [`StoreError::Corrupt`] if it is not a Qin database of this schema.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(Self::FILE_NAME);
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .set_repair_callback(move |session| {
                tracing::warn!(
                    file = %shown,
                    progress = session.progress(),
                    "repairing the data file after an unclean shutdown"
                );
            })
            .create(&path)
            .map_err(|e| schema::open_error(&path, e))?;
        let txn = begin_write(&db)?;
        schema::prepare(&txn)?;
        txn.commit().db()?;
        Ok(Self {
            db: Arc::new(db),
            path: Arc::new(path),
            leases: Arc::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `op` with the database on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || op(&db))
            .await
            .map_err(|e| StoreError::Unavailable(format!("file store task failed: {e}")))?
    }

    /// Runs `op` in a read transaction (a snapshot of the last commit).
    async fn read<T: Send + 'static>(
        &self,
        op: impl FnOnce(&ReadTransaction) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.blocking(move |db| op(&db.begin_read().db()?)).await
    }

    /// Runs `op` in a write transaction and commits it durably if `op` succeeds (an error
    /// drops the transaction, which rolls it back).
    async fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(&WriteTransaction) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.blocking(move |db| {
            let txn = begin_write(db)?;
            let done = op(&txn)?;
            txn.commit().db()?;
            Ok(done)
        })
        .await
    }
}

/// A write transaction as every write here runs it: durable on commit (redb's default
/// `Durability::Immediate`) and with quick repair, which commits in two phases (each its own
/// fsync) and records the free-space state with the commit. That costs a little per commit
/// and buys two things: reopening after a crash is near instant however large the file has
/// grown (no walk of every page), and a crash mid-commit can never surface a torn commit,
/// even one crafted through the message bodies clients choose (which the single-fsync,
/// checksum-verified default cannot rule out; see redb's design notes).
fn begin_write(db: &Database) -> Result<WriteTransaction> {
    let mut txn = db.begin_write().db()?;
    txn.set_quick_repair(true);
    Ok(txn)
}

#[async_trait]
impl Store for FileStore {
    async fn save_conversation(&self, conv: &Conversation) -> Result<()> {
        let conv = conv.clone();
        self.write(move |txn| ops::save_conversation(txn, &conv))
            .await
    }

    async fn conversation(&self, id: &ConvId) -> Result<Option<Conversation>> {
        let id = id.clone();
        self.read(move |txn| ops::conversation(txn, &id)).await
    }

    async fn open_conversations(&self, shop: &ShopId) -> Result<Vec<Conversation>> {
        let shop = shop.clone();
        self.read(move |txn| {
            ops::open_listed(txn, OpenIndex::Shop(shop.as_str()), |c| c.shop == shop)
        })
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
            ops::open_listed(txn, index, |c| {
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
            ops::open_listed(txn, index, |c| {
                c.shop == shop && c.agent.as_ref() == Some(&agent)
            })
        })
        .await
    }

    async fn append(&self, conv: &ConvId, msg: NewMessage) -> Result<Appended> {
        let conv = conv.clone();
        self.blocking(move |db| {
            let txn = begin_write(db)?;
            let appended = ops::append(&txn, &conv, msg)?;
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
        self.read(move |txn| ops::messages_from(txn, &conv, first, limit))
            .await
    }

    async fn last_seq(&self, conv: &ConvId) -> Result<u64> {
        let conv = conv.clone();
        self.read(move |txn| ops::last_seq(txn, &conv)).await
    }

    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()> {
        let (shop, agent) = (shop.clone(), agent.clone());
        self.write(move |txn| ops::set_agent_status(txn, shop.as_str(), &agent, status))
            .await
    }

    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>> {
        let shop = shop.clone();
        self.read(move |txn| ops::agent_statuses(txn, shop.as_str()))
            .await
    }

    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()> {
        let (shop, groups) = (shop.clone(), groups.to_vec());
        self.write(move |txn| ops::set_groups_live(txn, shop.as_str(), &groups))
            .await
    }

    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>> {
        let shop = shop.clone();
        self.read(move |txn| ops::groups_live(txn, shop.as_str()))
            .await
    }

    async fn ping(&self) -> Result<()> {
        // Starting a write (then abandoning it, which writes nothing) proves the file is open
        // and has not failed: after an I/O error redb refuses every write transaction.
        self.blocking(|db| db.begin_write().db()?.abort().db())
            .await
    }

    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let key = format!("follows/{shop}/{visitor}");
        let agent = agent.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<AgentId>| follow_in(list, &agent))
        })
        .await
    }

    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let key = format!("follows/{shop}/{visitor}");
        let agent = agent.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<AgentId>| {
                list.retain(|a| *a != agent)
            })
        })
        .await
    }

    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>> {
        let key = format!("follows/{shop}/{visitor}");
        self.read(move |txn| Ok(desk::get(txn, &key)?.unwrap_or_default()))
            .await
    }

    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()> {
        let key = format!("last/{shop}/{visitor}");
        let value = Some((agent.clone(), at));
        self.write(move |txn| {
            desk::update(txn, &key, |v: &mut Option<(AgentId, Millis)>| *v = value)
        })
        .await
    }

    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>> {
        let key = format!("last/{shop}/{visitor}");
        self.read(move |txn| desk::get(txn, &key)).await
    }

    async fn append_routing(&self, conv: &ConvId, record: &str) -> Result<()> {
        let key = format!("routing/{conv}");
        let record = record.to_owned();
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<String>| {
                list.push(record);
                let over = list.len().saturating_sub(MAX_ROUTING_RECORDS);
                list.drain(..over);
            })
        })
        .await
    }

    async fn routing(&self, conv: &ConvId) -> Result<Vec<String>> {
        let key = format!("routing/{conv}");
        self.read(move |txn| Ok(desk::get(txn, &key)?.unwrap_or_default()))
            .await
    }

    async fn push_request(&self, shop: &ShopId, request: &str) -> Result<()> {
        let key = format!("requests/{shop}");
        let request = request.to_owned();
        self.write(move |txn| desk::update(txn, &key, |list: &mut Vec<String>| list.push(request)))
            .await
    }

    async fn requests(&self, shop: &ShopId, max: usize) -> Result<Vec<String>> {
        let key = format!("requests/{shop}");
        self.read(move |txn| {
            let list: Vec<String> = desk::get(txn, &key)?.unwrap_or_default();
            Ok(list.into_iter().take(max).collect())
        })
        .await
    }

    async fn ack_requests(&self, shop: &ShopId, n: usize) -> Result<()> {
        let key = format!("requests/{shop}");
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<String>| {
                list.drain(..n.min(list.len()));
            })
        })
        .await
    }

    async fn set_profile(&self, shop: &ShopId, profile: Option<&str>) -> Result<()> {
        let key = format!("profile/{shop}");
        let profile = profile.map(str::to_owned);
        self.write(move |txn| desk::update(txn, &key, |v: &mut Option<String>| *v = profile))
            .await
    }

    async fn profile(&self, shop: &ShopId) -> Result<Option<String>> {
        let key = format!("profile/{shop}");
        self.read(move |txn| Ok(desk::get::<Option<String>>(txn, &key)?.flatten()))
            .await
    }

    async fn try_lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool> {
        Ok(self.leases.try_take(name, holder, ttl_ms))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.leases.release(name, holder);
        Ok(())
    }

    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>> {
        let (shop, owner) = (shop.clone(), owner.cloned());
        self.read(move |txn| phrases::list(txn, shop.as_str(), owner.as_ref()))
            .await
    }

    async fn set_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        phrase: &Phrase,
    ) -> Result<PhraseSaved> {
        let (shop, owner, phrase) = (shop.clone(), owner.cloned(), phrase.clone());
        self.write(move |txn| phrases::set(txn, shop.as_str(), owner.as_ref(), &phrase))
            .await
    }

    async fn delete_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        shortcut: &str,
    ) -> Result<bool> {
        let (shop, owner, shortcut) = (shop.clone(), owner.cloned(), shortcut.to_owned());
        self.write(move |txn| phrases::delete(txn, shop.as_str(), owner.as_ref(), &shortcut))
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
