//! Private notes in the file store: the list under `notes/<conv>` in the `desk` table.

use super::{FileStore, desk};
use crate::capped::push_unless_full;
use crate::notes::{MAX_NOTES, Note};
use crate::{Notes, Result};
use async_trait::async_trait;
use qin_proto::ConvId;

#[async_trait]
impl Notes for FileStore {
    async fn add_note(&self, conv: &ConvId, note: &Note) -> Result<bool> {
        let key = format!("notes/{conv}");
        let note = note.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |notes: &mut Vec<Note>| {
                push_unless_full(notes, note, MAX_NOTES)
            })
        })
        .await
    }

    async fn notes(&self, conv: &ConvId) -> Result<Vec<Note>> {
        let key = format!("notes/{conv}");
        self.read(move |txn| Ok(desk::get::<Vec<Note>>(txn, &key)?.unwrap_or_default()))
            .await
    }
}

#[cfg(test)]
crate::conformance::notes::suite!(super::tests::backend);
