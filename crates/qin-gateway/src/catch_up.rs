//! Notices messages a conversation's live delivery missed (the bus is at-most-once) and
//! fetches them from the store, so sockets get them within seconds, without reconnecting.
//!
//! Three triggers: a `message` whose `seq` skips ahead, word from the bus that its upstream
//! subscription was re-established, and a quiet spell after recent activity (the last
//! message of a burst may be the lost one: nothing later would reveal the gap).
//!
//! What is missing and when to look is decided by [`Position`] (pure, unit-tested); the
//! [`Tracker`] here only reads the store.

mod position;

use position::{Arrival, Position};
use qin_proto::{ConvId, Message};
use qin_store::Store;
use std::sync::Arc;
use tokio::time::Instant;

/// Most messages fetched in one repair.
const REPAIR_LIMIT: usize = 1000;

/// What one gateway has delivered of one conversation, repaired from the store.
pub(crate) struct Tracker {
    conv: ConvId,
    store: Arc<dyn Store>,
    position: Position,
}

/// What to do with an arriving message.
pub(crate) enum Verdict {
    /// Deliver it (after `missed`, if any, in order).
    Deliver {
        /// Messages between the previous delivery and this one, from the store.
        missed: Vec<Message>,
    },
    /// Already delivered (e.g. by a repair): drop it.
    Duplicate,
}

impl Tracker {
    /// A tracker for a conversation whose log ended at `baseline` when this node subscribed.
    pub fn new(conv: ConvId, store: Arc<dyn Store>, baseline: Option<u64>) -> Self {
        Self {
            conv,
            store,
            position: Position::new(baseline),
        }
    }

    /// Judges an arriving message with `seq`.
    pub async fn on_message(&mut self, seq: u64) -> Verdict {
        let missed = match self.position.judge(seq) {
            Arrival::Repeat => return Verdict::Duplicate,
            Arrival::Next => Vec::new(),
            Arrival::AfterGap { after, missing } => {
                let want = usize::try_from(missing).unwrap_or(usize::MAX);
                let mut missed = self.fetch(after, want.min(REPAIR_LIMIT)).await;
                missed.retain(|m| m.seq < seq);
                tracing::info!(conv = %self.conv, from = after + 1, to = seq - 1, repaired = missed.len(), "live delivery gap repaired");
                missed
            }
        };
        self.position.delivered(seq, Instant::now());
        Verdict::Deliver { missed }
    }

    /// Everything after the last delivered message, when losses are possible.
    pub async fn catch_up(&mut self) -> Vec<Message> {
        let Some(delivered) = self.position.upto() else {
            // Where this node's sockets stand is unknown; they recover with `sync`.
            return Vec::new();
        };
        let missed = self.fetch(delivered, REPAIR_LIMIT).await;
        if let Some(last) = missed.last() {
            tracing::info!(conv = %self.conv, from = delivered + 1, to = last.seq, "missed messages caught up");
            self.position.caught_up(last.seq);
        }
        missed
    }

    /// When the next quiet-spell probe is due, if one is.
    pub fn probe_at(&self) -> Option<Instant> {
        self.position.probe_at(Instant::now())
    }

    /// The quiet-spell probe: catch up, then wait for new activity before probing again.
    pub async fn probe(&mut self) -> Vec<Message> {
        self.position.probing();
        self.catch_up().await
    }

    async fn fetch(&self, after: u64, limit: usize) -> Vec<Message> {
        match self.store.messages_after(&self.conv, after, limit).await {
            Ok(messages) => messages,
            Err(error) => {
                // Clients still recover with `sync`; the next trigger tries again.
                tracing::warn!(conv = %self.conv, %error, "cannot repair live delivery");
                Vec::new()
            }
        }
    }
}
