//! Private notes in memory: one list per conversation.

use super::{MemoryStore, locked};
use crate::capped::push_unless_full;
use crate::notes::{MAX_NOTES, Note};
use crate::{Notes, Result};
use async_trait::async_trait;
use qin_proto::ConvId;

#[async_trait]
impl Notes for MemoryStore {
    async fn add_note(&self, conv: &ConvId, note: &Note) -> Result<bool> {
        let mut notes = locked(&self.notes);
        let kept = notes.entry(conv.clone()).or_default();
        Ok(push_unless_full(kept, note.clone(), MAX_NOTES))
    }

    async fn notes(&self, conv: &ConvId) -> Result<Vec<Note>> {
        Ok(locked(&self.notes).get(conv).cloned().unwrap_or_default())
    }
}

#[cfg(test)]
crate::conformance::notes::suite!(super::tests::backend);
