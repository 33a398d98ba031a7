//! Notices messages a conversation's live delivery missed (the bus is at-most-once) and
//! fetches them from the store, so sockets get them within seconds, without reconnecting.
//!
//! Three triggers: a `message` whose `seq` skips ahead, word from the bus that its upstream
//! subscription was re-established, and a quiet spell after recent activity (the last
//! message of a burst may be the lost one: nothing later would reveal the gap).

use qin_proto::{ConvId, Message};
use qin_store::Store;
use std::sync::Arc;
use tokio::time::{Duration, Instant};

/// How long after the last delivery the tail is checked against the store.
pub(crate) const QUIET_PROBE: Duration = Duration::from_secs(3);
/// Conversations quiet for longer than this are not probed (they would cost store reads
/// forever); their next message or a bus gap still reveals losses.
const ACTIVE_FOR: Duration = Duration::from_secs(60);
/// Most messages fetched in one repair.
const REPAIR_LIMIT: usize = 1000;

/// What one gateway has delivered of one conversation.
pub(crate) struct Tracker {
    conv: ConvId,
    store: Arc<dyn Store>,
    /// Highest `seq` delivered, or the log's end when this node started following the
    /// conversation (its sockets sync from there themselves); `None` if that was unknown.
    delivered: Option<u64>,
    last_activity: Option<Instant>,
    probed: bool,
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
            delivered: baseline,
            last_activity: None,
            probed: false,
        }
    }

    /// Judges an arriving message with `seq`.
    pub async fn on_message(&mut self, seq: u64) -> Verdict {
        let mut missed = Vec::new();
        if let Some(delivered) = self.delivered {
            if seq <= delivered {
                return Verdict::Duplicate;
            }
            if seq > delivered + 1 {
                let want = (seq - delivered - 1) as usize;
                missed = self.fetch(delivered, want.min(REPAIR_LIMIT)).await;
                missed.retain(|m| m.seq < seq);
                tracing::info!(conv = %self.conv, from = delivered + 1, to = seq - 1, repaired = missed.len(), "live delivery gap repaired");
            }
        }
        self.delivered = Some(seq);
        self.touch();
        Verdict::Deliver { missed }
    }

    /// Everything after the last delivered message, when losses are possible.
    pub async fn catch_up(&mut self) -> Vec<Message> {
        let Some(delivered) = self.delivered else {
            // Where this node's sockets stand is unknown; they recover with `sync`.
            return Vec::new();
        };
        let missed = self.fetch(delivered, REPAIR_LIMIT).await;
        if let Some(last) = missed.last() {
            tracing::info!(conv = %self.conv, from = delivered + 1, to = last.seq, "missed messages caught up");
            self.delivered = Some(last.seq);
        }
        missed
    }

    /// When the next quiet-spell probe is due, if one is.
    pub fn probe_at(&self) -> Option<Instant> {
        let last = self.last_activity?;
        (!self.probed && last.elapsed() < ACTIVE_FOR).then_some(last + QUIET_PROBE)
    }

    /// The quiet-spell probe: catch up, then wait for new activity before probing again.
    pub async fn probe(&mut self) -> Vec<Message> {
        self.probed = true;
        self.catch_up().await
    }

    fn touch(&mut self) {
        self.last_activity = Some(Instant::now());
        self.probed = false;
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
