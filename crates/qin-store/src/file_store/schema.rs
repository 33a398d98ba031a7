//! The file store's tables, its schema version, and how values and redb failures are mapped.

use crate::{Result, StoreError};
use qin_proto::Millis;
use redb::{
    DatabaseError, MultimapTableDefinition, ReadableTable, TableDefinition, WriteTransaction,
};
use std::path::Path;

/// The layout version written in [`META`]; bumped (with a migration) whenever a table changes.
pub(super) const SCHEMA_VERSION: u64 = 1;
const SCHEMA_KEY: &str = "schema";

/// `"schema"` → [`SCHEMA_VERSION`] of the layout the file holds.
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Conversation id → the [`Conversation`](crate::Conversation) as JSON.
pub(super) const CONVERSATIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("conversations");
/// `(conversation, seq)` → the message as JSON of `{cid, from, kind, body, ts}`.
pub(super) const MESSAGES: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("messages");
/// `(conversation, from.id, cid)` → seq of the message first stored with that cid.
pub(super) const CIDS: TableDefinition<(&str, &str, &str), u64> = TableDefinition::new("cids");
/// Shop → `(opened_at, conversation)` of each open conversation, kept sorted by redb.
pub(super) const OPEN_BY_SHOP: MultimapTableDefinition<&str, (Millis, &str)> =
    MultimapTableDefinition::new("open_by_shop");
/// `(shop, visitor)` → `(opened_at, conversation)` of the shopper's open conversations.
pub(super) const OPEN_BY_SHOPPER: MultimapTableDefinition<(&str, &str), (Millis, &str)> =
    MultimapTableDefinition::new("open_by_shopper");
/// `(shop, agent)` → `(opened_at, conversation)` of the agent's open conversations.
pub(super) const OPEN_BY_AGENT: MultimapTableDefinition<(&str, &str), (Millis, &str)> =
    MultimapTableDefinition::new("open_by_agent");
/// `(shop, agent)` → status name (`online`, `busy`, `away`, `offline`).
pub(super) const AGENT_STATUSES: TableDefinition<(&str, &str), &str> =
    TableDefinition::new("agent_statuses");
/// Shop → its [`GroupLive`](qin_proto::GroupLive) list as JSON.
pub(super) const GROUPS_LIVE: TableDefinition<&str, &[u8]> = TableDefinition::new("groups_live");
/// The routing desk's small values as JSON (see `desk.rs`). Added within schema 1: a file
/// without it simply gets it created empty.
pub(super) const DESK: TableDefinition<&str, &[u8]> = TableDefinition::new("desk");
/// `(shop, agent or "" for the shop's own, shortcut)` → a quick phrase's text (see
/// `phrases.rs`). Added within schema 1, like `desk`.
pub(super) const PHRASES: TableDefinition<(&str, &str, &str), &str> =
    TableDefinition::new("phrases");

/// Creates every table (so readers never meet a missing one) and checks or records the schema
/// version. A file written by another layout is refused rather than misread.
pub(super) fn prepare(txn: &WriteTransaction) -> Result<()> {
    txn.open_table(CONVERSATIONS).db()?;
    txn.open_table(MESSAGES).db()?;
    txn.open_table(CIDS).db()?;
    txn.open_multimap_table(OPEN_BY_SHOP).db()?;
    txn.open_multimap_table(OPEN_BY_SHOPPER).db()?;
    txn.open_multimap_table(OPEN_BY_AGENT).db()?;
    txn.open_table(AGENT_STATUSES).db()?;
    txn.open_table(GROUPS_LIVE).db()?;
    txn.open_table(DESK).db()?;
    txn.open_table(PHRASES).db()?;
    let mut meta = txn.open_table(META).db()?;
    let found = meta.get(SCHEMA_KEY).db()?.map(|v| v.value());
    match found {
        None => {
            meta.insert(SCHEMA_KEY, SCHEMA_VERSION).db()?;
            Ok(())
        }
        Some(SCHEMA_VERSION) => Ok(()),
        Some(other) => Err(StoreError::Corrupt(format!(
            "data file has schema {other}; this Qin reads schema {SCHEMA_VERSION}"
        ))),
    }
}

/// A redb failure as a [`StoreError`]: a file that is not what this code wrote is `Corrupt`;
/// everything else (I/O errors, a closed or busy database) is `Unavailable`.
pub(super) fn store_error(e: impl Into<redb::Error>) -> StoreError {
    use redb::Error as E;
    let e = e.into();
    match e {
        // What redb reports for a file that is not a redb database at all.
        E::Io(ref io) if io.kind() == std::io::ErrorKind::InvalidData => {
            StoreError::Corrupt(e.to_string())
        }
        E::Corrupted(_)
        | E::UpgradeRequired(_)
        | E::ValueTooLarge(_)
        | E::TableTypeMismatch { .. }
        | E::TypeDefinitionChanged { .. }
        | E::TableIsMultimap(_)
        | E::TableIsNotMultimap(_)
        | E::TableDoesNotExist(_) => StoreError::Corrupt(e.to_string()),
        _ => StoreError::Unavailable(e.to_string()),
    }
}

/// `.db()?` on any redb result.
pub(super) trait DbResult<T> {
    /// The result with its error mapped by [`store_error`].
    fn db(self) -> Result<T>;
}

impl<T, E: Into<redb::Error>> DbResult<T> for std::result::Result<T, E> {
    fn db(self) -> Result<T> {
        self.map_err(store_error)
    }
}

/// Why `path` could not be opened, naming it.
pub(super) fn open_error(path: &Path, e: DatabaseError) -> StoreError {
    let shown = path.display();
    if let DatabaseError::DatabaseAlreadyOpen = e {
        return StoreError::Unavailable(format!(
            "{shown} is already in use (another qin process on this data directory?)"
        ));
    }
    match store_error(e) {
        StoreError::Corrupt(why) => StoreError::Corrupt(format!("{shown}: {why}")),
        StoreError::Unavailable(why) => StoreError::Unavailable(format!("opening {shown}: {why}")),
        other => other,
    }
}
