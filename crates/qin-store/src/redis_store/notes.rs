//! Private notes in Redis: a list of JSON notes per conversation, in the conversation's slot,
//! kept up to [`MAX_NOTES`] (`lists.rs`).

use super::RedisStore;
use crate::notes::{MAX_NOTES, Note};
use crate::{Notes, Result};
use async_trait::async_trait;
use qin_proto::ConvId;

#[async_trait]
impl Notes for RedisStore {
    async fn add_note(&self, conv: &ConvId, note: &Note) -> Result<bool> {
        self.push_unless_full(&self.keys.notes(conv), "note", note, MAX_NOTES)
            .await
    }

    async fn notes(&self, conv: &ConvId) -> Result<Vec<Note>> {
        self.json_list(&self.keys.notes(conv), "note").await
    }
}

#[cfg(test)]
crate::conformance::notes::suite!(super::tests::backend);
