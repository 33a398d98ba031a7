//! The task that owns a node's one pub/sub connection.
//!
//! It subscribes a topic upstream when its first local subscriber appears, unsubscribes when
//! the last one is dropped, and fans incoming messages out through the [`Hub`]. Owning the hub
//! outright serialises subscribe, release and dispatch without locks. When the connection is
//! lost (closed, killed, or silent past a PING), it reconnects with backoff and resubscribes
//! every topic that still has local subscribers.

use super::CONNECT_TIMEOUT;
use crate::hub::Hub;
use crate::subscription::{Item, Registry, Subscription};
use crate::{BusError, Result};
use bytes::Bytes;
use futures_util::StreamExt;
use redis::aio::{PubSub, PubSubSink};
use redis::{Msg, RedisResult};
use std::collections::HashSet;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep, timeout};

/// First and largest pause between reconnect attempts.
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// Queued subscribe requests served by one SUBSCRIBE command.
const REQUEST_BATCH: usize = 256;
/// Channels per SUBSCRIBE/UNSUBSCRIBE command, to keep each command a modest size.
const CHANNELS_PER_COMMAND: usize = 512;

/// How the driver probes its connection; tests shorten these.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// How often the pub/sub connection is `PINGed`, to notice one that died silently.
    pub(crate) ping_every: Duration,
    /// How long a PING, SUBSCRIBE or UNSUBSCRIBE may wait for Redis before the connection is
    /// considered dead.
    pub(crate) op_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            ping_every: Duration::from_secs(5),
            op_timeout: Duration::from_secs(3),
        }
    }
}

/// A local subscriber asking for `topic`; answered once Redis confirmed the subscription.
pub(super) struct SubscribeRequest {
    pub(super) topic: String,
    pub(super) reply: oneshot::Sender<Result<Subscription>>,
}

/// Topics whose last local subscriber may have gone, reported by subscription drop guards.
/// A set rather than a queue: bounded by the number of topics, however many drops happen.
#[derive(Default)]
struct Releases {
    topics: Mutex<HashSet<String>>,
    wake: Notify,
}

impl Releases {
    fn take(&self) -> HashSet<String> {
        std::mem::take(&mut *self.topics.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Registry for Releases {
    fn release(&self, topic: &str) {
        self.topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(topic.to_owned());
        self.wake.notify_one();
    }
}

/// Opens a pub/sub connection, bounded by [`CONNECT_TIMEOUT`].
pub(super) async fn open_pubsub(client: &redis::Client) -> Result<PubSub, String> {
    match timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(format!("pub/sub connection: {e}")),
        Err(_) => Err("pub/sub connection timed out".to_owned()),
    }
}

/// The driver's state; lives in its task.
pub(super) struct Driver {
    client: redis::Client,
    prefix: String,
    timing: Timing,
    hub: Hub,
    requests: mpsc::Receiver<SubscribeRequest>,
    releases: Arc<Releases>,
    /// Handed to each subscription; weak so that subscriptions don't outlive the driver's
    /// bookkeeping.
    registry: Weak<dyn Registry>,
    /// Whether the pub/sub connection is up, for readiness checks.
    connected: Arc<AtomicBool>,
}

/// Why serving one connection ended.
enum Ended {
    /// Every bus handle is gone.
    Shutdown,
    /// The connection failed; reconnect.
    Lost(String),
}

/// What woke the serving loop.
enum Event {
    Message(Msg),
    Closed,
    Request(SubscribeRequest),
    Shutdown,
    Released,
    Ping,
}

impl Driver {
    pub(super) fn new(
        client: redis::Client,
        prefix: String,
        timing: Timing,
        requests: mpsc::Receiver<SubscribeRequest>,
        connected: Arc<AtomicBool>,
    ) -> Self {
        let releases = Arc::new(Releases::default());
        let registry: Weak<dyn Registry> = Arc::downgrade(&releases) as Weak<dyn Registry>;
        Self {
            client,
            prefix,
            timing,
            hub: Hub::default(),
            requests,
            releases,
            registry,
            connected,
        }
    }

    /// Serves `conn`, then its replacements, until every bus handle is dropped.
    pub(super) async fn run(mut self, mut conn: PubSub) {
        loop {
            match self.serve(conn).await {
                Ended::Shutdown => break,
                Ended::Lost(reason) => {
                    self.connected.store(false, Ordering::Relaxed);
                    tracing::warn!(%reason, topics = self.hub.len(), "pub/sub connection lost");
                }
            }
            match self.reconnect().await {
                Some(next) => conn = next,
                None => break,
            }
        }
        tracing::debug!("pub/sub driver stopped");
    }

    async fn serve(&mut self, conn: PubSub) -> Ended {
        let (mut sink, mut stream) = conn.split();
        if let Err(reason) = self.resubscribe(&mut sink).await {
            return Ended::Lost(reason);
        }
        let every = self.timing.ping_every;
        let mut ping = interval_at(Instant::now() + every, every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let event = tokio::select! {
                msg = stream.next() => msg.map_or(Event::Closed, Event::Message),
                req = self.requests.recv() => req.map_or(Event::Shutdown, Event::Request),
                () = self.releases.wake.notified() => Event::Released,
                _ = ping.tick() => Event::Ping,
            };
            let outcome = match event {
                Event::Message(msg) => {
                    self.dispatch(&msg);
                    Ok(())
                }
                Event::Request(req) => self.handle_requests(req, &mut sink).await,
                Event::Released => self.unsubscribe_released(&mut sink).await,
                Event::Ping => match run_op(self.timing.op_timeout, ping_once(&mut sink)).await {
                    // Also collects releases whose wake-up was missed, so none can linger.
                    Ok(()) => self.unsubscribe_released(&mut sink).await,
                    Err(reason) => Err(format!("ping: {reason}")),
                },
                Event::Closed => Err("connection closed".to_owned()),
                Event::Shutdown => return Ended::Shutdown,
            };
            if let Err(reason) = outcome {
                return Ended::Lost(reason);
            }
        }
    }

    fn channel(&self, topic: &str) -> String {
        format!("{}{topic}", self.prefix)
    }

    fn dispatch(&self, msg: &Msg) {
        let Some(topic) = msg.get_channel_name().strip_prefix(self.prefix.as_str()) else {
            return;
        };
        // Messages still in flight for a topic just unsubscribed find no sender: dropped.
        if let Some(tx) = self.hub.sender(topic) {
            let _ = tx.send(Item::Payload(Bytes::copy_from_slice(
                msg.get_payload_bytes(),
            )));
        }
    }

    /// Serves `first` and whatever else is queued: known topics at once, new ones with one
    /// SUBSCRIBE for all of them, answered after Redis confirmed it.
    async fn handle_requests(
        &mut self,
        first: SubscribeRequest,
        sink: &mut PubSubSink,
    ) -> Result<(), String> {
        let mut batch = vec![first];
        while batch.len() < REQUEST_BATCH {
            match self.requests.try_recv() {
                Ok(req) => batch.push(req),
                Err(_) => break,
            }
        }
        let mut waiting = Vec::new();
        for req in batch {
            // Joining before releases are collected keeps a topic that is dropped and wanted
            // again in the same moment subscribed, instead of UNSUBSCRIBE + SUBSCRIBE.
            match self.hub.join_existing(&req.topic, self.registry.clone()) {
                // A failed send drops the subscription, whose guard releases it again.
                Some(sub) => drop(req.reply.send(Ok(sub))),
                None => waiting.push(req),
            }
        }
        if let Err(reason) = self.unsubscribe_released(sink).await {
            refuse_all(waiting, &reason);
            return Err(reason);
        }
        if waiting.is_empty() {
            return Ok(());
        }
        let mut channels: Vec<String> = waiting.iter().map(|r| self.channel(&r.topic)).collect();
        channels.sort_unstable();
        channels.dedup();
        if let Err(reason) = subscribe_all(sink, &channels, self.timing.op_timeout).await {
            refuse_all(waiting, &reason);
            return Err(reason);
        }
        tracing::debug!(topics = channels.len(), "subscribed");
        for req in waiting {
            let sub = self.hub.join(&req.topic, self.registry.clone());
            drop(req.reply.send(Ok(sub)));
        }
        Ok(())
    }

    /// UNSUBSCRIBEs every released topic that no local subscriber came back to.
    async fn unsubscribe_released(&mut self, sink: &mut PubSubSink) -> Result<(), String> {
        let mut channels = Vec::new();
        for topic in self.releases.take() {
            if self.hub.remove_if_unused(&topic) {
                channels.push(self.channel(&topic));
            }
        }
        // Never send an empty UNSUBSCRIBE: Redis reads it as "unsubscribe from everything".
        for chunk in channels.chunks(CHANNELS_PER_COMMAND) {
            run_op(self.timing.op_timeout, sink.unsubscribe(chunk)).await?;
        }
        if !channels.is_empty() {
            tracing::debug!(topics = channels.len(), "unsubscribed");
        }
        Ok(())
    }

    /// Brings a fresh connection up to date: every topic with local subscribers.
    async fn resubscribe(&mut self, sink: &mut PubSubSink) -> Result<(), String> {
        self.releases.take();
        self.hub.retain_used();
        let channels: Vec<String> = self.hub.topics().map(|t| self.channel(t)).collect();
        subscribe_all(sink, &channels, self.timing.op_timeout).await?;
        self.connected.store(true, Ordering::Relaxed);
        if !channels.is_empty() {
            tracing::info!(topics = channels.len(), "pub/sub resubscribed");
            // Whatever was published while the connection was down is lost for this node.
            self.hub.mark_gap();
        }
        Ok(())
    }

    /// Opens a new connection, pausing with exponential backoff between attempts. Meanwhile
    /// subscribe requests are refused. `None` if every bus handle was dropped.
    async fn reconnect(&mut self) -> Option<PubSub> {
        let mut delay = BACKOFF_MIN;
        let mut attempt: u32 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            self.while_down(sleep(jittered(delay))).await?;
            let client = self.client.clone();
            match self
                .while_down(async move { open_pubsub(&client).await })
                .await?
            {
                Ok(conn) => {
                    tracing::info!(attempt, topics = self.hub.len(), "pub/sub reconnected");
                    return Some(conn);
                }
                Err(reason) => {
                    tracing::warn!(attempt, %reason, "pub/sub reconnect failed");
                    delay = (delay * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// Runs `fut` while answering requests with "unavailable" and forgetting released topics.
    /// `None` if every bus handle was dropped meanwhile.
    async fn while_down<F: Future>(&mut self, fut: F) -> Option<F::Output> {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => return Some(out),
                req = self.requests.recv() => match req {
                    Some(req) => refuse_all(vec![req], "redis pub/sub connection is down"),
                    None => return None,
                },
                () = self.releases.wake.notified() => {
                    for topic in self.releases.take() {
                        self.hub.remove_if_unused(&topic);
                    }
                }
            }
        }
    }
}

/// SUBSCRIBEs `channels`, a bounded number per command; no command at all for none.
async fn subscribe_all(
    sink: &mut PubSubSink,
    channels: &[String],
    limit: Duration,
) -> Result<(), String> {
    for chunk in channels.chunks(CHANNELS_PER_COMMAND) {
        run_op(limit, sink.subscribe(chunk)).await?;
    }
    Ok(())
}

async fn ping_once(sink: &mut PubSubSink) -> RedisResult<()> {
    sink.ping::<redis::Value>().await.map(drop)
}

/// Awaits a pub/sub command; any error or a late answer means the connection is unusable.
async fn run_op(limit: Duration, op: impl Future<Output = RedisResult<()>>) -> Result<(), String> {
    match timeout(limit, op).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

fn refuse_all(requests: Vec<SubscribeRequest>, reason: &str) {
    for req in requests {
        let _ = req
            .reply
            .send(Err(BusError::Unavailable(reason.to_owned())));
    }
}

/// `delay` halved plus a random part of the other half, so that many nodes reconnecting
/// after one Redis restart don't all arrive at once.
fn jittered(delay: Duration) -> Duration {
    let random = RandomState::new().hash_one(Instant::now());
    let half = delay / 2;
    half + half.mul_f64((random % 1024) as f64 / 1024.0)
}
