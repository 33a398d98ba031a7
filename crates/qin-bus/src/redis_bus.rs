//! The Redis bus: publishes through one multiplexed connection, subscribes through one
//! dedicated pub/sub connection per node, owned by a driver task (see [`driver`]).
//!
//! Topics map to Redis channels as `prefix + topic`, so deployments (and tests) can share a
//! server.

#[cfg(test)]
mod acl_tests;
mod driver;
#[cfg(test)]
mod tests;

use crate::subscription::Subscription;
use crate::{Bus, BusError, Result};
use async_trait::async_trait;
use bytes::Bytes;
use driver::{Driver, SubscribeRequest, Timing};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;
use tracing::Instrument;

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long Redis may take to answer one command.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);
/// Upper bound on a whole publish, reconnect attempts included, so callers never hang.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(3);
/// Upper bound on a subscribe; the driver normally answers within one round trip.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(10);
/// Subscribe requests that may wait for the driver before `subscribe` itself waits.
const REQUEST_QUEUE: usize = 1024;

/// A node's connection to the Redis bus. Cheap to clone; clones share the connections, and the
/// driver task stops when the last clone is dropped.
#[derive(Clone)]
pub struct RedisBus {
    inner: Arc<Inner>,
}

struct Inner {
    prefix: String,
    publisher: ConnectionManager,
    requests: mpsc::Sender<SubscribeRequest>,
    connected: Arc<AtomicBool>,
}

impl RedisBus {
    /// Connects to Redis at `url`, namespacing every topic with `prefix` on the Redis side.
    ///
    /// Fails fast with [`BusError::Unavailable`] if Redis cannot be reached now; once
    /// connected, lost connections are re-established in the background.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self> {
        Self::connect_with(url, prefix, Timing::default()).await
    }

    /// [`RedisBus::connect`] with the driver's probe timings; tests shorten them.
    pub(crate) async fn connect_with(url: &str, prefix: &str, timing: Timing) -> Result<Self> {
        // The URL may carry a password, so it is never echoed into errors or logs.
        let client = redis::Client::open(url)
            .map_err(|e| BusError::Unavailable(format!("invalid redis url: {e}")))?;
        Self::connect_client_with(client, prefix, timing).await
    }

    /// [`RedisBus::connect`] through `client`, e.g. one built with TLS roots of its own
    /// (`redis::Client::build_with_tls`).
    pub async fn connect_client(client: redis::Client, prefix: &str) -> Result<Self> {
        Self::connect_client_with(client, prefix, Timing::default()).await
    }

    async fn connect_client_with(
        client: redis::Client,
        prefix: &str,
        timing: Timing,
    ) -> Result<Self> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            // Few, short retries: a publish while Redis is down must fail promptly, and the
            // manager starts a fresh reconnect on the next publish anyway.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let publisher = timeout(
            CONNECT_TIMEOUT * 2,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .map_err(|_| unavailable("connecting to redis timed out"))?
        .map_err(|e| unavailable(format!("connecting to redis: {e}")))?;
        let pubsub = driver::open_pubsub(&client).await.map_err(unavailable)?;

        let (requests, rx) = mpsc::channel(REQUEST_QUEUE);
        let connected = Arc::new(AtomicBool::new(true));
        let driver = Driver::new(client, prefix.to_owned(), timing, rx, connected.clone());
        tokio::spawn(
            driver
                .run(pubsub)
                .instrument(tracing::info_span!("bus_driver", prefix)),
        );
        tracing::info!(prefix, "redis bus connected");
        Ok(Self {
            inner: Arc::new(Inner {
                prefix: prefix.to_owned(),
                publisher,
                requests,
                connected,
            }),
        })
    }

    /// The prefix prepended to every topic on the Redis side.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, topic: &str, payload: Bytes) -> Result<()> {
        let channel = format!("{}{topic}", self.inner.prefix);
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload.as_ref());
        // Cloning the manager clones a handle; concurrent publishes share one connection and
        // are pipelined by it.
        let mut conn = self.inner.publisher.clone();
        match timeout(PUBLISH_TIMEOUT, cmd.query_async::<i64>(&mut conn)).await {
            Ok(Ok(_receivers)) => Ok(()),
            Ok(Err(e)) => Err(unavailable(format!("publish: {e}"))),
            Err(_) => Err(unavailable("publish timed out")),
        }
    }

    fn is_connected(&self) -> bool {
        self.inner.connected.load(Ordering::Relaxed)
    }

    async fn subscribe(&self, topic: &str) -> Result<Subscription> {
        let (reply, answer) = oneshot::channel();
        let request = SubscribeRequest {
            topic: topic.to_owned(),
            reply,
        };
        // If this future is dropped midway, a subscription the driver already made is dropped
        // with the reply channel, which releases it like any other.
        let ask = async {
            self.inner
                .requests
                .send(request)
                .await
                .map_err(|_| BusError::Closed)?;
            answer.await.map_err(|_| BusError::Closed)?
        };
        timeout(SUBSCRIBE_TIMEOUT, ask)
            .await
            .map_err(|_| unavailable("subscribe timed out"))?
    }
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus")
            .field("prefix", &self.inner.prefix)
            .finish_non_exhaustive()
    }
}

fn unavailable(reason: impl Into<String>) -> BusError {
    BusError::Unavailable(reason.into())
}
