//! How a stored conversation is shown to its parties.

use crate::Conversation;
use qin_proto::{ConversationView, Party};

impl Conversation {
    /// The conversation as its parties see it; `agent` is the assigned agent as a party
    /// (the store keeps only the id; names live in the config), `last_seq` the log's end.
    pub fn view(&self, agent: Option<Party>, last_seq: u64) -> ConversationView {
        ConversationView {
            conv: self.id.clone(),
            state: self.state,
            group: self.group.clone(),
            agent,
            shopper: Some(self.shopper.clone()),
            position: None,
            eta_s: None,
            last_seq,
            handover: None,
        }
    }
}
