//! A deep queue in front of a subscription, for consumers that do slow work (store round
//! trips) between payloads: a task of its own moves payloads off the bus as fast as they come,
//! so a burst waits in this queue instead of overflowing the topic's small local buffer
//! ([`crate::LOCAL_CAPACITY`]) and being skipped.

use crate::{Received, Subscription};
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

impl Backlog {
    /// The next payload or gap; `None` once the bus is gone.
    pub async fn next(&mut self) -> Option<Received> {
        self.rx.recv().await
    }

    /// The next payload or gap if one is already queued; `None` if none is (or the bus is
    /// gone, which [`Backlog::next`] then says). Lets a consumer take a burst at once.
    pub fn try_next(&mut self) -> Option<Received> {
        self.rx.try_recv().ok()
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
    use crate::{Bus, MemoryBus, Received};
    use std::time::Duration;

    #[tokio::test]
    async fn a_burst_waits_in_the_backlog_not_in_the_bus_buffer() {
        let bus = MemoryBus::new();
        let mut backlog = bus
            .subscribe("t")
            .await
            .expect("subscribe")
            .with_backlog(10_000);
        assert!(backlog.try_next().is_none(), "nothing published yet");
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
        let first = backlog.next().await.expect("first");
        assert_eq!(first, Received::Payload("0".into()));
        let mut got = 1;
        while got < burst {
            match backlog.try_next() {
                Some(Received::Payload(p)) => {
                    assert_eq!(p, got.to_string().as_bytes(), "in order");
                    got += 1;
                }
                Some(Received::Gap) => panic!("lost payloads after {got}"),
                None => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        }
        assert!(backlog.try_next().is_none(), "nothing more");
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
