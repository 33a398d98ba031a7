//! A socket's bounded outbox: what the hub hands it, and the hub's verdict that it is too
//! slow.
//!
//! One small shared allocation per socket (~100 bytes) whose queue takes memory only while
//! frames wait, instead of a `tokio::sync::mpsc` channel (~1.7 KiB per socket before the
//! first frame) plus a `CancellationToken` for the verdict: most sockets are idle most of
//! the time, and the gateway holds tens of thousands of them.
//!
//! Any number of hub forwarders offer; exactly one socket task receives.

use super::Outgoing;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Mutex;
use std::task::{Poll, Waker};

/// Frames kept allocated in an emptied queue; a larger queue is shrunk back once drained.
const KEEP: usize = 4;

/// What a socket's receive gives.
#[derive(Debug)]
pub enum Next {
    /// Something to write or act on.
    Item(Outgoing),
    /// The outbox overflowed: the socket is too slow and must close.
    Killed,
}

/// A socket's outbox. Shared (`Arc`) by the socket and its hub memberships.
#[derive(Debug)]
pub struct Outbox {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    queue: VecDeque<Outgoing>,
    /// The receiving task, while it waits in `recv`.
    waker: Option<Waker>,
    /// The receiving task, while it waits in `killed` (writing to its client): woken only
    /// by the verdict, not by every frame offered meanwhile.
    kill_waker: Option<Waker>,
    /// Overflowed: the socket must close. Wins over queued items.
    killed: bool,
    /// The socket is gone: offers are dropped.
    closed: bool,
}

impl Outbox {
    /// An outbox holding at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every critical section leaves `Inner` consistent, so a poisoned lock is usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `item`. A full outbox is not grown: the socket is marked too slow instead
    /// (and `item` dropped); the socket closes and its client recovers with `sync`.
    pub fn offer(&self, item: Outgoing) {
        let (waker, kill_waker) = {
            let mut inner = self.lock();
            if inner.closed || inner.killed {
                return;
            }
            if inner.queue.len() >= self.capacity {
                inner.killed = true;
                inner.queue = VecDeque::new();
                (inner.waker.take(), inner.kill_waker.take())
            } else {
                inner.queue.push_back(item);
                (inner.waker.take(), None)
            }
        };
        for waker in [waker, kill_waker].into_iter().flatten() {
            waker.wake();
        }
    }

    /// The next item, or `Killed` (first, even with items queued) once the outbox overflowed.
    pub async fn recv(&self) -> Next {
        poll_fn(|cx| {
            let mut inner = self.lock();
            if inner.killed {
                return Poll::Ready(Next::Killed);
            }
            match inner.queue.pop_front() {
                Some(item) => {
                    if inner.queue.is_empty() && inner.queue.capacity() > KEEP {
                        inner.queue.shrink_to(KEEP);
                    }
                    Poll::Ready(Next::Item(item))
                }
                None => {
                    register(&mut inner.waker, cx.waker());
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Resolves once the outbox overflowed.
    pub async fn killed(&self) {
        poll_fn(|cx| {
            let mut inner = self.lock();
            if inner.killed {
                return Poll::Ready(());
            }
            register(&mut inner.kill_waker, cx.waker());
            Poll::Pending
        })
        .await;
    }

    /// Whether nothing waits in the outbox.
    pub fn is_empty(&self) -> bool {
        self.lock().queue.is_empty()
    }

    /// The socket is gone: drops what waits and refuses later offers.
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        inner.queue = VecDeque::new();
        inner.waker = None;
        inner.kill_waker = None;
    }
}

fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ws::Utf8Bytes;
    use std::sync::Arc;
    use std::time::Duration;

    fn frame(s: &'static str) -> Outgoing {
        Outgoing::Frame(Utf8Bytes::from_static(s))
    }

    fn text(r: Next) -> String {
        match r {
            Next::Item(Outgoing::Frame(t)) => t.as_str().to_owned(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn delivers_in_order_and_wakes_the_receiver() {
        let outbox = Arc::new(Outbox::new(16));
        outbox.offer(frame("a"));
        outbox.offer(frame("b"));
        assert_eq!(text(outbox.recv().await), "a");
        assert_eq!(text(outbox.recv().await), "b");
        assert!(outbox.is_empty());
        let sender = outbox.clone();
        let later = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            sender.offer(frame("c"));
        });
        let got = tokio::time::timeout(Duration::from_secs(5), outbox.recv()).await;
        assert_eq!(text(got.expect("woken")), "c");
        later.await.unwrap();
    }

    #[tokio::test]
    async fn overflow_kills_before_anything_queued_is_delivered() {
        let outbox = Arc::new(Outbox::new(2));
        outbox.offer(frame("a"));
        outbox.offer(frame("b"));
        let killed = {
            let outbox = outbox.clone();
            tokio::spawn(async move { outbox.killed().await })
        };
        tokio::task::yield_now().await;
        outbox.offer(frame("c"));
        tokio::time::timeout(Duration::from_secs(5), killed)
            .await
            .expect("woken")
            .unwrap();
        assert!(matches!(outbox.recv().await, Next::Killed));
        outbox.offer(frame("d"));
        assert!(matches!(outbox.recv().await, Next::Killed));
    }

    #[tokio::test]
    async fn a_drained_queue_gives_its_memory_back() {
        let outbox = Outbox::new(1024);
        for _ in 0..100 {
            outbox.offer(frame("x"));
        }
        for _ in 0..100 {
            text(outbox.recv().await);
        }
        assert!(outbox.lock().queue.capacity() <= KEEP);
    }

    #[test]
    fn a_closed_outbox_refuses_offers() {
        let outbox = Outbox::new(4);
        outbox.offer(frame("a"));
        outbox.close();
        outbox.offer(frame("b"));
        assert!(outbox.is_empty());
    }
}
