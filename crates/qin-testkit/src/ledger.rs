//! What one chat party has seen of its conversations, kept the way the protocol asks a client
//! to (highest `seq` per conversation, dedupe by `seq`, order by `seq`, hold live messages
//! while a `sync` is answered), and counted against the server's log at the end.
//!
//! The counters a fault test asserts on, all per conversation against the server's `seq`:
//! - **lost**: a logged message the party never got; an acked send the log does not hold;
//!   a send never acked.
//! - **duplicated**: a message delivered again where no `sync` overlap explains it; a retried
//!   `cid` acked with a second `seq`; the same sender and `cid` stored twice in the log.
//! - **out of order**: a message arriving after a later one on a live stream; a log whose
//!   `seq`s are not 1, 2, 3, ….
//! - **unexpected**: a message of a conversation the party is not in, one that differs from
//!   the log at its `seq` or lies beyond the log's end, an ack nobody asked for, a `sync`
//!   saying history was lost.
//!
//! Repeats that the recovery protocol produces by design are counted apart as `overlap`:
//! messages that arrive live and again in the `sync` reply after a reconnect.

use crate::http;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::AddAssign;
use tokio::time::Instant;

/// The four counters every fault test prints and requires to be zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Messages missing (see the module documentation).
    pub lost: u64,
    /// Messages shown or stored twice.
    pub duplicated: u64,
    /// Messages arriving after a later one.
    pub out_of_order: u64,
    /// Messages or answers that should not exist.
    pub unexpected: u64,
}

impl Counters {
    /// Whether every counter is zero.
    pub fn is_clean(&self) -> bool {
        *self == Self::default()
    }
}

impl AddAssign for Counters {
    fn add_assign(&mut self, other: Self) {
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.out_of_order += other.out_of_order;
        self.unexpected += other.unexpected;
    }
}

impl fmt::Display for Counters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lost {}, duplicated {}, out of order {}, unexpected {}",
            self.lost, self.duplicated, self.out_of_order, self.unexpected
        )
    }
}

/// One message of a conversation's server-side log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Position in the log.
    pub seq: u64,
    /// The sender's client id.
    pub cid: String,
    /// The sender's id (`from.id`).
    pub from: String,
}

impl LogEntry {
    /// Reads a `message` frame (or a REST history item).
    pub fn from_json(message: &Value) -> Option<Self> {
        Some(Self {
            seq: message["seq"].as_u64()?,
            cid: message["cid"].as_str()?.to_owned(),
            from: message["from"]["id"].as_str()?.to_owned(),
        })
    }
}

/// A conversation's whole log through `GET /api/conversations/{conv}/messages`, with a
/// shopper's or the assigned agent's `token`.
pub async fn fetch_log(addr: &str, token: &str, conv: &str) -> Vec<LogEntry> {
    let mut log: Vec<LogEntry> = Vec::new();
    loop {
        let after = log.last().map_or(0, |e| e.seq);
        let path = format!("/api/conversations/{conv}/messages?after={after}&limit=5000");
        let res = http(addr, "GET", &path, Some(token), None).await;
        assert_eq!(res.status, 200, "history of {conv}: {}", res.body);
        let page = res.json()["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if page.is_empty() {
            return log;
        }
        log.extend(page.iter().filter_map(LogEntry::from_json));
    }
}

/// Faults of a log itself: gaps or reordering in its `seq`s, one sender's `cid` stored twice.
pub fn check_log(log: &[LogEntry]) -> Counters {
    let mut counters = Counters::default();
    let mut stored = HashSet::new();
    let mut previous = 0;
    for entry in log {
        if entry.seq <= previous {
            counters.out_of_order += 1;
        } else {
            counters.lost += entry.seq - previous - 1;
            previous = entry.seq;
        }
        if !stored.insert((entry.from.as_str(), entry.cid.as_str())) {
            counters.duplicated += 1;
        }
    }
    counters
}

/// A message the party holds.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub cid: String,
    pub from: String,
    pub at: Instant,
}

/// One conversation as the party sees it.
#[derive(Debug, Default)]
pub(crate) struct ConvLedger {
    pub held: BTreeMap<u64, Held>,
    /// A `sync` of this connection awaits its `synced`: `after`, and the messages held back.
    pub syncing: Option<(u64, Vec<(u64, Held)>)>,
    /// The highest `upto` a `sync` of this connection answered: repeats up to it are overlap.
    pub synced_upto: Option<u64>,
    /// The log's epoch from the last `synced`, sent back with the next `sync`.
    pub epoch: Option<String>,
    /// The assigned agent, from `conversation` and `assigned` frames.
    pub agent: Option<String>,
}

impl ConvLedger {
    pub fn highest(&self) -> u64 {
        self.held.keys().next_back().copied().unwrap_or(0)
    }
}

/// A message this party sent.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub conv: String,
    /// The `send` frame, resent as is (same `cid`) until acked.
    pub frame: String,
    pub at: Instant,
    pub acked: Option<u64>,
}

/// Everything one party has seen and sent.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub convs: HashMap<String, ConvLedger>,
    /// Conversations in the order the party learnt of them.
    pub order: Vec<String>,
    pub sent: HashMap<String, Sent>,
    pub counters: Counters,
    pub overlap: u64,
    /// `error` frames by code.
    pub errors: BTreeMap<String, u64>,
    /// Sends repeated after `unavailable` or a reconnect.
    pub retries: u64,
    /// `message` frames received on the current connection.
    pub frames_this_connection: u64,
    pub welcomes: u64,
    /// Close code of the current connection once it ended (1006 without a close frame).
    pub closed: Option<u16>,
    /// Answers the harness does not handle itself, for `ChatParty::wait_frame`.
    pub inbox: Vec<Value>,
}

impl Ledger {
    /// Learns of a conversation (idempotent).
    pub fn register(&mut self, conv: &str) -> &mut ConvLedger {
        if !self.convs.contains_key(conv) {
            self.order.push(conv.to_owned());
        }
        self.convs.entry(conv.to_owned()).or_default()
    }

    /// A new connection starts: messages held back for a `sync` it never answered are taken
    /// in, and what the connection has seen starts from nothing.
    pub fn new_connection(&mut self) {
        for c in self.convs.values_mut() {
            if let Some((_, mut waiting)) = c.syncing.take() {
                waiting.sort_by_key(|(seq, _)| *seq);
                for (seq, held) in waiting {
                    self.counters += apply(c, seq, held, true, &mut self.overlap);
                }
            }
            c.synced_upto = None;
        }
        self.frames_this_connection = 0;
        self.closed = None;
    }

    /// A `message` frame arrived.
    pub fn on_message(&mut self, conv: &str, seq: u64, held: Held) {
        self.frames_this_connection += 1;
        let Some(c) = self.convs.get_mut(conv) else {
            self.counters.unexpected += 1;
            return;
        };
        if let Some((_, waiting)) = c.syncing.as_mut() {
            waiting.push((seq, held));
            return;
        }
        let overlap_ok = c.synced_upto.is_some_and(|upto| seq <= upto);
        self.counters += apply(c, seq, held, overlap_ok, &mut self.overlap);
    }

    /// A `synced` frame arrived. Returns the `after` of the next `sync` to send, if the
    /// replay was cut short.
    pub fn on_synced(
        &mut self,
        conv: &str,
        upto: u64,
        recovered: bool,
        epoch: Option<String>,
    ) -> Option<u64> {
        let Some(c) = self.convs.get_mut(conv) else {
            self.counters.unexpected += 1;
            return None;
        };
        let Some((after, mut waiting)) = c.syncing.take() else {
            self.counters.unexpected += 1;
            return None;
        };
        waiting.sort_by_key(|(seq, _)| *seq);
        let mut counters = Counters::default();
        for (seq, held) in waiting {
            counters += apply(c, seq, held, true, &mut self.overlap);
        }
        c.synced_upto = Some(c.synced_upto.unwrap_or(0).max(upto));
        c.epoch = epoch.or(c.epoch.take());
        self.counters += counters;
        if recovered {
            None
        } else if upto < after {
            // The server's log ends before what this party holds, or is another epoch of
            // it: history was lost.
            self.counters.unexpected += 1;
            None
        } else {
            Some(upto)
        }
    }

    /// An `ack` arrived.
    pub fn on_ack(&mut self, cid: &str, seq: u64) {
        match self.sent.get_mut(cid) {
            Some(sent) => match sent.acked {
                None => sent.acked = Some(seq),
                Some(first) if first != seq => self.counters.duplicated += 1,
                Some(_) => {}
            },
            None => self.counters.unexpected += 1,
        }
    }

    /// Sends not acked yet.
    pub fn unacked(&self) -> usize {
        self.sent.values().filter(|s| s.acked.is_none()).count()
    }

    /// Whether `conv` holds every `seq` from 1 to `last` and no `sync` is pending.
    pub fn holds_all(&self, conv: &str, last: u64) -> bool {
        self.convs
            .get(conv)
            .is_some_and(|c| c.syncing.is_none() && c.held.range(1..=last).count() as u64 == last)
    }

    /// Counts this party's view against the server's logs (its conversations must be in
    /// `logs`). Faults of the logs themselves are counted by [`check_log`], once per log.
    pub fn check(&self, me: &str, logs: &HashMap<String, Vec<LogEntry>>) -> Counters {
        let mut counters = self.counters;
        let empty = Vec::new();
        for (conv, c) in &self.convs {
            let log = logs.get(conv).unwrap_or(&empty);
            let mut in_log = HashSet::new();
            for entry in log {
                in_log.insert(entry.seq);
                match c.held.get(&entry.seq) {
                    None => counters.lost += 1,
                    Some(h) if h.cid != entry.cid || h.from != entry.from => {
                        counters.unexpected += 1;
                    }
                    Some(_) => {}
                }
            }
            counters.unexpected += c.held.keys().filter(|s| !in_log.contains(s)).count() as u64;
        }
        for (cid, sent) in &self.sent {
            let stored = sent.acked.and_then(|seq| {
                logs.get(&sent.conv)?
                    .iter()
                    .find(|e| e.seq == seq && e.cid == *cid && e.from == me)
            });
            if stored.is_none() {
                counters.lost += 1;
            }
        }
        counters
    }
}

/// Takes a message into `c`'s view, counting what it reveals.
fn apply(
    c: &mut ConvLedger,
    seq: u64,
    held: Held,
    overlap_ok: bool,
    overlap: &mut u64,
) -> Counters {
    let mut counters = Counters::default();
    match c.held.get(&seq) {
        Some(h) if h.cid != held.cid || h.from != held.from => counters.unexpected += 1,
        Some(_) if overlap_ok => *overlap += 1,
        Some(_) => counters.duplicated += 1,
        None => {
            if seq < c.highest() {
                counters.out_of_order += 1;
            }
            c.held.insert(seq, held);
        }
    }
    counters
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
