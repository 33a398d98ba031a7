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
//! Each part of the [`Store`] is implemented in its own file (`conversations.rs`,
//! `presence.rs`, `fans.rs`, `routing.rs`, `leases.rs`, `phrases.rs`, `sign_outs.rs`, `notes.rs`, `customers.rs`, `complaints.rs`); `schema.rs` holds the
//! tables and `desk.rs` the small JSON values that fans, routing and auto-replies share.
//!
//! # Table layout (schema 1)
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | `"schema"` | `1`, the layout version; another value is refused as `Corrupt` |
//! | `conversations` | conv id | the [`Conversation`](crate::Conversation) as JSON |
//! | `messages` | `(conv, seq)` | JSON of `{cid, from, kind, body, ts}` (as in Redis) |
//! | `cids` | `(conv, from.id, cid)` | seq of the message first sent with that cid |
//! | `open_by_shop` (multimap) | shop | `(opened_at, conv)` per open conversation |
//! | `open_by_shopper` (multimap) | `(shop, visitor)` | the same, of one shopper |
//! | `open_by_agent` (multimap) | `(shop, agent)` | the same, assigned to one agent |
//! | `agent_statuses` | `(shop, agent)` | status name (`online`, `busy`, `away`, `offline`) |
//! | `groups_live` | shop | the shop's [`GroupLive`](qin_proto::GroupLive) list as JSON |
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

mod complaints;
mod conversations;
mod customers;
mod desk;
mod fans;
mod leases;
mod notes;
mod phrases;
mod presence;
mod routing;
mod schema;
mod sign_outs;
#[cfg(test)]
mod tests;

use crate::memory::LeaseTable;
use crate::{Result, Store, StoreError};
use async_trait::async_trait;
use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};
use schema::DbResult;
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
    leases: Arc<LeaseTable>,
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
    async fn ping(&self) -> Result<()> {
        // Starting a write (then abandoning it, which writes nothing) proves the file is open
        // and has not failed: after an I/O error redb refuses every write transaction.
        self.blocking(|db| db.begin_write().db()?.abort().db())
            .await
    }
}

#[cfg(test)]
crate::conformance::store::suite!(tests::backend);
