//! JSON lists kept up to a limit (see `crate::capped`): `RPUSH` and `LTRIM` to the limit in one
//! transaction; an item the trim removes again was over the limit, and the caller hears `false`.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::Result;
use crate::codec::{decode_json, encode_json};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl RedisStore {
    /// Appends `item` (as JSON) to the list `key` unless it holds `max` already.
    pub(super) async fn push_unless_full<T: Serialize>(
        &self,
        key: &str,
        what: &str,
        item: &T,
        max: usize,
    ) -> Result<bool> {
        let (len,): (usize,) = redis::pipe()
            .atomic()
            .cmd("RPUSH")
            .arg(key)
            .arg(encode_json(what, item)?)
            .cmd("LTRIM")
            .arg(key)
            .arg(0)
            .arg(max.saturating_sub(1))
            .ignore()
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(len <= max)
    }

    /// The JSON list `key`, oldest first.
    pub(super) async fn json_list<T: DeserializeOwned>(
        &self,
        key: &str,
        what: &str,
    ) -> Result<Vec<T>> {
        let raw: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.iter().map(|r| decode_json(what, r)).collect()
    }
}
