//! A deep queue in front of a subscription, for consumers that do slow work (store round
//! trips) between payloads: a task of its own moves payloads off the bus as fast as they come,
//! so a burst waits in this queue instead of overflowing the topic's small local buffer
//! ([`crate::LOCAL_CAPACITY`]) and being skipped.

use crate::{Received, Subscription};
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A subscription's payloads (and gaps), queued up to a depth.
pub struct Backlog {
    rx: mpsc::Receiver<Received>,
    reader: JoinHandle<()>,
}

impl Subscription {
    /// Hands this subscription to a reader task that queues up to `depth` payloads. When the
    /// queue is full the reader waits, and the bus's buffer fills behind it (then a
    /// [`Received::Gap`] tells the consumer that some were lost).
    pub fn with_backlog(mut self, depth: usize) -> Backlog {
        let (tx, rx) = mpsc::channel(depth.max(1));
        let reader = tokio::spawn(async move {
            while let Some(received) = self.next().await {
                if tx.send(received).await.is_err() {
                    return;
                }
            }
        });
        Backlog { rx, reader }
    }
}

/// What [`Backlog::next_burst`] took: payloads in order, and whether a gap (payloads lost
/// before this point: catch up from the store) ended the burst.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Burst {
    /// The payloads, oldest first.
    pub payloads: Vec<Bytes>,
    /// A [`Received::Gap`] came after `payloads` (or instead of any).
    pub gap: bool,
}

impl Backlog {
    /// Whether nothing is queued now (the consumer has caught up with the bus).
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// Waits for the next payload or gap, then takes whatever else is already queued, up to
    /// `max` payloads or the next gap, so a consumer handles a spike in bursts rather than
    /// one wake-up per payload. `None` once the bus is gone.
    pub async fn next_burst(&mut self, max: usize) -> Option<Burst> {
        let mut burst = Burst::default();
        let mut next = Some(self.rx.recv().await?);
        while let Some(received) = next {
            match received {
                Received::Payload(payload) => burst.payloads.push(payload),
                Received::Gap => {
                    burst.gap = true;
                    break;
                }
            }
            next = if burst.payloads.len() < max {
                self.rx.try_recv().ok()
            } else {
                None
            };
        }
        Some(burst)
    }
}

impl Drop for Backlog {
    fn drop(&mut self) {
        // The reader holds the subscription: stopping it unsubscribes.
        self.reader.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::Burst;
    use crate::{Bus, MemoryBus, Received};
    use bytes::Bytes;
    use std::time::Duration;

    #[tokio::test]
    async fn a_burst_waits_in_the_backlog_not_in_the_bus_buffer() {
        let bus = MemoryBus::new();
        let mut backlog = bus
            .subscribe("t")
            .await
            .expect("subscribe")
            .with_backlog(10_000);
        // Four times what the bus buffers for a subscriber, published while nobody reads.
        let burst = 4 * crate::LOCAL_CAPACITY;
        for i in 0..burst {
            bus.publish("t", i.to_string().into())
                .await
                .expect("publish");
            if i % 64 == 0 {
                tokio::task::yield_now().await; // let the reader keep up, as it would
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut got = Vec::new();
        while got.len() < burst {
            let next = backlog.next_burst(300).await.expect("bus alive");
            assert!(!next.gap, "lost payloads after {}", got.len());
            assert!(next.payloads.len() <= 300, "at most max at once");
            got.extend(next.payloads);
        }
        let expected: Vec<Bytes> = (0..burst).map(|i| i.to_string().into()).collect();
        assert_eq!(got, expected, "all of them, in order");
    }

    #[tokio::test]
    async fn a_burst_stops_at_max() {
        let bus = MemoryBus::new();
        let mut backlog = bus.subscribe("t").await.expect("subscribe").with_backlog(8);
        for p in ["a", "b", "c"] {
            bus.publish("t", p.into()).await.expect("publish");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let burst = |payloads: &[&'static str]| Burst {
            payloads: payloads
                .iter()
                .map(|p| Bytes::from_static(p.as_bytes()))
                .collect(),
            gap: false,
        };
        assert!(!backlog.is_empty());
        assert_eq!(backlog.next_burst(2).await, Some(burst(&["a", "b"])));
        assert!(!backlog.is_empty(), "c still waits");
        assert_eq!(backlog.next_burst(2).await, Some(burst(&["c"])));
        assert!(backlog.is_empty(), "caught up");
    }

    #[tokio::test]
    async fn dropping_the_backlog_unsubscribes() {
        let bus = MemoryBus::new();
        let backlog = bus.subscribe("t").await.expect("subscribe").with_backlog(8);
        drop(backlog);
        tokio::time::sleep(Duration::from_millis(20)).await;
        // A new subscriber is the topic's only one again: it sees what follows, once.
        let mut again = bus.subscribe("t").await.expect("subscribe");
        bus.publish("t", "x".into()).await.expect("publish");
        assert_eq!(again.next().await, Some(Received::Payload("x".into())));
    }
}
