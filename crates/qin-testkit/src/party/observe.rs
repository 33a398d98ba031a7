//! Waiting for what a party sees, and reading out its ledger.

use super::{ChatParty, lock};
use crate::ledger::{Counters, Ledger, LogEntry};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::time::Instant;

impl ChatParty {
    /// Waits until `conv` is assigned; returns the agent's id.
    pub async fn wait_assigned(&self, conv: &str, timeout: Duration) -> Option<String> {
        let assigned = |l: &Ledger| l.convs.get(conv).and_then(|c| c.agent.clone());
        self.wait(timeout, |l| assigned(l).is_some()).await;
        assigned(&lock(&self.inner.ledger))
    }

    /// Waits for (and takes) a frame the harness does not handle itself: `status`, `error`,
    /// `unassigned`, ….
    pub async fn wait_frame(
        &self,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let mut found = None;
        self.wait(timeout, |l| l.inbox.iter().any(&pred)).await;
        let mut ledger = lock(&self.inner.ledger);
        if let Some(i) = ledger.inbox.iter().position(&pred) {
            found = Some(ledger.inbox.remove(i));
        }
        found
    }

    /// Waits until every send is acked.
    pub async fn wait_acked(&self, timeout: Duration) -> bool {
        self.wait(timeout, |l| l.unacked() == 0).await
    }

    /// Waits until fewer than `n` sends are unacked (a send window).
    pub async fn wait_unacked_below(&self, n: usize, timeout: Duration) -> bool {
        self.wait(timeout, |l| l.unacked() < n).await
    }

    /// Waits until no `sync` is pending.
    pub async fn wait_synced(&self, timeout: Duration) -> bool {
        self.wait(timeout, |l| l.convs.values().all(|c| c.syncing.is_none()))
            .await
    }

    /// Waits until the party holds every message of each of its conversations in `logs`.
    pub async fn wait_holds(
        &self,
        logs: &HashMap<String, Vec<LogEntry>>,
        timeout: Duration,
    ) -> bool {
        let last = |conv: &str| logs.get(conv).and_then(|l| l.last()).map_or(0, |e| e.seq);
        self.wait(timeout, |l| l.order.iter().all(|c| l.holds_all(c, last(c))))
            .await
    }

    /// Waits until the connection ends; returns its close code (1006 without a close frame).
    pub async fn wait_closed(&self, timeout: Duration) -> Option<u16> {
        self.wait(timeout, |l| l.closed.is_some()).await;
        self.closed()
    }

    /// The close code of the current connection, once it ended.
    pub fn closed(&self) -> Option<u16> {
        lock(&self.inner.ledger).closed
    }

    /// The conversations the party knows, in the order it learnt of them.
    pub fn conversations(&self) -> Vec<String> {
        lock(&self.inner.ledger).order.clone()
    }

    /// The highest `seq` held in `conv`.
    pub fn highest(&self, conv: &str) -> u64 {
        lock(&self.inner.ledger)
            .convs
            .get(conv)
            .map_or(0, super::super::ledger::ConvLedger::highest)
    }

    /// The `seq` `cid` was acked with.
    pub fn acked(&self, cid: &str) -> Option<u64> {
        lock(&self.inner.ledger).sent.get(cid)?.acked
    }

    /// Sends not acked yet.
    pub fn unacked(&self) -> usize {
        lock(&self.inner.ledger).unacked()
    }

    /// `message` frames received on the current connection, live or replayed.
    pub fn frames_this_connection(&self) -> u64 {
        lock(&self.inner.ledger).frames_this_connection
    }

    /// `error` frames received, by code.
    pub fn errors(&self) -> BTreeMap<String, u64> {
        lock(&self.inner.ledger).errors.clone()
    }

    /// Sends repeated (after `unavailable` or a reconnect), and repeats explained by `sync`.
    pub fn retries_and_overlap(&self) -> (u64, u64) {
        let ledger = lock(&self.inner.ledger);
        (ledger.retries, ledger.overlap)
    }

    /// This party's counters against the server's logs of its conversations.
    pub fn check(&self, logs: &HashMap<String, Vec<LogEntry>>) -> Counters {
        let me = self.id();
        lock(&self.inner.ledger).check(&me, logs)
    }

    /// How long `sender`'s messages took to reach this party (those it holds).
    pub fn latencies_from(&self, sender: &ChatParty) -> Vec<Duration> {
        let sent: HashMap<String, Instant> = lock(&sender.inner.ledger)
            .sent
            .iter()
            .map(|(cid, s)| (cid.clone(), s.at))
            .collect();
        let ledger = lock(&self.inner.ledger);
        let held = ledger.convs.values().flat_map(|c| c.held.values());
        held.filter_map(|h| Some(h.at.saturating_duration_since(*sent.get(&h.cid)?)))
            .collect()
    }

    /// Waits until `pred` holds for the ledger (checked after every frame); false on timeout.
    pub(super) async fn wait(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&Ledger) -> bool,
    ) -> bool {
        let mut changed = self.inner.changed.subscribe();
        let deadline = Instant::now() + timeout;
        loop {
            changed.borrow_and_update();
            if pred(&lock(&self.inner.ledger)) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return false;
            }
        }
    }
}
