//! Private notes in Redis: a list of JSON notes per conversation, in the conversation's slot.
//! `RPUSH` and `LTRIM` to [`MAX_NOTES`] run as one transaction: a note the trim removes again
//! was over the limit, and the caller hears `false`.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::codec::{decode_json, encode_json};
use crate::notes::{MAX_NOTES, Note};
use crate::{Notes, Result};
use async_trait::async_trait;
use qin_proto::ConvId;

#[async_trait]
impl Notes for RedisStore {
    async fn add_note(&self, conv: &ConvId, note: &Note) -> Result<bool> {
        let key = self.keys.notes(conv);
        let (len,): (usize,) = redis::pipe()
            .atomic()
            .cmd("RPUSH")
            .arg(&key)
            .arg(encode_json("note", note)?)
            .cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(MAX_NOTES - 1)
            .ignore()
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(len <= MAX_NOTES)
    }

    async fn notes(&self, conv: &ConvId) -> Result<Vec<Note>> {
        let raw: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(self.keys.notes(conv))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.iter().map(|r| decode_json("note", r)).collect()
    }
}

#[cfg(test)]
crate::conformance::notes::suite!(super::tests::backend);
