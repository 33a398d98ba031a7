//! The node's local fan-out: one bus subscription per topic, shared by every socket of this
//! gateway that follows the topic, each with its own bounded outbox.
//!
//! A socket whose outbox is full is too slow to keep up; it is told to close (through its
//! outbox) rather than let memory grow, and recovers with `sync` after reconnecting.
//! Conversation topics are watched for lost messages and repaired from the store
//! (`catch_up`).

mod outbox;

pub(crate) use outbox::{Next, Outbox};

use crate::catch_up::{Tracker, Verdict};
use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use qin_bus::{Bus, BusError, Received, Subscription};
use qin_proto::{Audience, ConvId, Delivery, Message, ServerFrame};
use qin_store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::task::JoinHandle;

/// Identifies one socket on this gateway.
pub type ConnId = u64;

/// What the hub hands a socket.
#[derive(Debug)]
pub enum Outgoing {
    /// A server frame's JSON, to write to the socket as is.
    Frame(Utf8Bytes),
    /// A control event for the socket's session to act on (from an agent topic).
    Event(Bytes),
}

/// How a topic's payloads are handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicKind {
    /// A conversation's `Delivery`-encoded frames, with lost messages repaired from the store.
    Conversation(ConvId),
    /// `Delivery`-encoded frames, forwarded to members allowed to see them.
    Frames,
    /// Events passed to the member's session.
    Events,
}

/// One socket's membership in a topic (kept small: every idle shopper has one, in its
/// shop's `groups` topic).
#[derive(Debug, Clone)]
pub struct Member {
    /// The socket's outbox, which also carries the verdict that it cannot keep up.
    pub outbox: Arc<Outbox>,
    /// Whether it may see staff-only frames (private notes).
    pub staff: bool,
}

struct Topic {
    members: Members,
    forwarder: JoinHandle<()>,
}

/// Local fan-out of bus topics to sockets. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    bus: Arc<dyn Bus>,
    store: Arc<dyn Store>,
    topics: Arc<Mutex<HashMap<String, Topic>>>,
    next_conn: Arc<AtomicU64>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("topics", &self.topic_count())
            .finish()
    }
}

impl Hub {
    /// A hub over `bus`, repairing lost conversation messages from `store`.
    pub fn new(bus: Arc<dyn Bus>, store: Arc<dyn Store>) -> Self {
        Self {
            bus,
            store,
            topics: Arc::default(),
            next_conn: Arc::new(AtomicU64::new(1)),
        }
    }

    /// A fresh socket id.
    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Topics this node currently follows.
    pub fn topic_count(&self) -> usize {
        self.topics.lock().map_or(0, |t| t.len())
    }

    /// Adds `member` to `topic`, subscribing the node upstream if it is the topic's first.
    /// Returns once anything published afterwards will reach the member.
    pub async fn join(
        &self,
        topic: &str,
        kind: TopicKind,
        conn: ConnId,
        member: Member,
    ) -> Result<(), BusError> {
        if self.try_add(topic, conn, &member) {
            return Ok(());
        }
        // The bus itself shares one upstream subscription per topic, so a race where two
        // sockets subscribe the same new topic at once costs nothing upstream.
        let subscription = self.bus.subscribe(topic).await?;
        // Read after subscribing: whatever is appended from now on is either in the log's
        // end read here or arrives on the subscription.
        let baseline = match &kind {
            TopicKind::Conversation(conv) => self.store.last_seq(conv).await.ok(),
            _ => None,
        };
        let mut topics = self.lock();
        if let Some(existing) = topics.get(topic) {
            write(&existing.members).insert(conn, member);
            return Ok(());
        }
        let members = Arc::new(RwLock::new(HashMap::from([(conn, member)])));
        let forwarder = match kind {
            TopicKind::Conversation(conv) => {
                let tracker = Tracker::new(conv, self.store.clone(), baseline);
                tokio::spawn(forward_conversation(subscription, tracker, members.clone()))
            }
            kind => tokio::spawn(forward(subscription, kind, members.clone())),
        };
        topics.insert(topic.to_owned(), Topic { members, forwarder });
        Ok(())
    }

    fn try_add(&self, topic: &str, conn: ConnId, member: &Member) -> bool {
        match self.lock().get(topic) {
            Some(existing) => {
                write(&existing.members).insert(conn, member.clone());
                true
            }
            None => false,
        }
    }

    /// Removes the socket from `topic`; the node unsubscribes when nobody local follows it.
    pub fn leave(&self, topic: &str, conn: ConnId) {
        let mut topics = self.lock();
        let empty = match topics.get(topic) {
            Some(t) => {
                let mut members = write(&t.members);
                members.remove(&conn);
                members.is_empty()
            }
            None => false,
        };
        if let Some(t) = empty.then(|| topics.remove(topic)).flatten() {
            // Dropping the forwarder drops its subscription, which unsubscribes upstream.
            t.forwarder.abort();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Topic>> {
        // A panic while holding this lock cannot leave the map inconsistent (single inserts
        // and removes), so a poisoned lock is still usable.
        self.topics
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn write(
    members: &RwLock<HashMap<ConnId, Member>>,
) -> std::sync::RwLockWriteGuard<'_, HashMap<ConnId, Member>> {
    members
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

type Members = Arc<RwLock<HashMap<ConnId, Member>>>;

/// Forwards a conversation's frames, repairing messages the bus lost.
async fn forward_conversation(
    mut subscription: Subscription,
    mut tracker: Tracker,
    members: Members,
) {
    loop {
        let probe_at = tracker.probe_at();
        let received = tokio::select! {
            received = subscription.next() => received,
            () = sleep_until_some(probe_at) => {
                deliver_missed(&members, tracker.probe().await);
                continue;
            }
        };
        match received {
            None => return,
            Some(Received::Gap) => deliver_missed(&members, tracker.catch_up().await),
            Some(Received::Payload(payload)) => {
                let Some((audience, seq, text)) = frame_text(&payload) else {
                    tracing::warn!(topic = subscription.topic(), "malformed delivery skipped");
                    continue;
                };
                if let Some(seq) = seq {
                    match tracker.on_message(seq).await {
                        Verdict::Duplicate => continue,
                        Verdict::Deliver { missed } => deliver_missed(&members, missed),
                    }
                }
                deliver(&members, audience, text);
            }
        }
    }
}

async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Forwards one topic's payloads to its members until the subscription ends.
async fn forward(mut subscription: Subscription, kind: TopicKind, members: Members) {
    while let Some(payload) = subscription.recv().await {
        if kind == TopicKind::Events {
            let members = members
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for member in members.values() {
                offer(member, Outgoing::Event(payload.clone()));
            }
            continue;
        }
        match frame_text(&payload) {
            Some((audience, _, text)) => deliver(&members, audience, text),
            None => tracing::warn!(topic = subscription.topic(), "malformed delivery skipped"),
        }
    }
}

/// The frame of a `Delivery` payload, sharing the payload's buffer.
fn frame_text(payload: &Bytes) -> Option<(Audience, Option<u64>, Utf8Bytes)> {
    let (audience, seq, json) = Delivery::decode(payload)?;
    let offset = payload.len() - json.len();
    let text = Utf8Bytes::try_from(payload.slice(offset..)).ok()?;
    Some((audience, seq, text))
}

fn deliver(members: &Members, audience: Audience, text: Utf8Bytes) {
    let members = members
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for member in members.values() {
        if audience == Audience::Staff && !member.staff {
            continue;
        }
        offer(member, Outgoing::Frame(text.clone()));
    }
}

fn deliver_missed(members: &Members, missed: Vec<Message>) {
    for message in missed {
        deliver(
            members,
            Audience::All,
            ServerFrame::Message(message).to_json().into(),
        );
    }
}

fn offer(member: &Member, item: Outgoing) {
    member.outbox.offer(item);
}

#[cfg(test)]
mod tests;
