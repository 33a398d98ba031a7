//! Staff's private notes on a conversation, kept beside its log: for staff only, never in a
//! shopper's log, `sync` or history. Each note says after which message it was written, so
//! an agent's `sync` can replay it in its place among the messages.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{ConvId, Millis, Party};
use serde::{Deserialize, Serialize};

/// Most notes one conversation keeps; a note beyond it is refused (nothing is dropped).
pub const MAX_NOTES: usize = 200;

/// A private note as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The conversation's last `seq` when the note was written: it comes after that message.
    pub after_seq: u64,
    /// What the agent wrote.
    pub text: String,
    /// Who wrote it.
    pub from: Party,
    /// When, in ms since the epoch.
    pub ts: Millis,
}

/// Conversations' private notes.
#[async_trait]
pub trait Notes: Send + Sync {
    /// Keeps `note` on `conv`, after the notes already there. `false`, and nothing kept, when
    /// `conv` already holds [`MAX_NOTES`].
    async fn add_note(&self, conv: &ConvId, note: &Note) -> Result<bool>;

    /// The notes on `conv`, oldest first.
    async fn notes(&self, conv: &ConvId) -> Result<Vec<Note>>;
}
