//! The node's local fan-out: one bus subscription per topic, shared by every socket of this
//! gateway that follows the topic, each with its own bounded outbox.
//!
//! A socket whose outbox is full is too slow to keep up; it is told to close (its `kill`
//! token) rather than let memory grow, and recovers with `sync` after reconnecting.

use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use qin_bus::{Bus, BusError, Subscription};
use qin_proto::{Audience, Delivery};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    /// `Delivery`-encoded frames, forwarded to members allowed to see them.
    Frames,
    /// Events passed to the member's session.
    Events,
}

/// One socket's membership in a topic.
#[derive(Debug, Clone)]
pub struct Member {
    /// The socket's outbox.
    pub outbox: mpsc::Sender<Outgoing>,
    /// Whether it may see staff-only frames (private notes).
    pub staff: bool,
    /// Cancelled when the socket cannot keep up.
    pub kill: CancellationToken,
}

struct Topic {
    members: Arc<RwLock<HashMap<ConnId, Member>>>,
    forwarder: JoinHandle<()>,
}

/// Local fan-out of bus topics to sockets. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    bus: Arc<dyn Bus>,
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
    /// A hub over `bus`.
    pub fn new(bus: Arc<dyn Bus>) -> Self {
        Self {
            bus,
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
        self.topics.lock().map(|t| t.len()).unwrap_or(0)
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
        let mut topics = self.lock();
        if let Some(existing) = topics.get(topic) {
            write(&existing.members).insert(conn, member);
            return Ok(());
        }
        let members = Arc::new(RwLock::new(HashMap::from([(conn, member)])));
        let forwarder = tokio::spawn(forward(subscription, kind, members.clone()));
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
        self.topics.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn write(
    members: &RwLock<HashMap<ConnId, Member>>,
) -> std::sync::RwLockWriteGuard<'_, HashMap<ConnId, Member>> {
    members.write().unwrap_or_else(|p| p.into_inner())
}

/// Forwards one topic's payloads to its members until the subscription ends.
async fn forward(
    mut subscription: Subscription,
    kind: TopicKind,
    members: Arc<RwLock<HashMap<ConnId, Member>>>,
) {
    while let Some(payload) = subscription.recv().await {
        match kind {
            TopicKind::Frames => {
                let Some((audience, json)) = Delivery::decode(&payload) else {
                    tracing::warn!(topic = subscription.topic(), "malformed delivery skipped");
                    continue;
                };
                // Share one buffer among all members instead of copying the frame per socket.
                let offset = payload.len() - json.len();
                let Ok(text) = Utf8Bytes::try_from(payload.slice(offset..)) else {
                    continue;
                };
                let members = members.read().unwrap_or_else(|p| p.into_inner());
                for member in members.values() {
                    if audience == Audience::Staff && !member.staff {
                        continue;
                    }
                    offer(member, Outgoing::Frame(text.clone()));
                }
            }
            TopicKind::Events => {
                let members = members.read().unwrap_or_else(|p| p.into_inner());
                for member in members.values() {
                    offer(member, Outgoing::Event(payload.clone()));
                }
            }
        }
    }
}

fn offer(member: &Member, item: Outgoing) {
    if let Err(mpsc::error::TrySendError::Full(_)) = member.outbox.try_send(item) {
        member.kill.cancel();
    }
}
