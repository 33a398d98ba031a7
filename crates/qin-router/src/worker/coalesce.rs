//! Coalescing a stream of states into at most one per period, the latest always going out.
//!
//! The shop's `groups` availability changes on every open, queue, assignment and close; each
//! change used to be a frame to every connected shopper (thousands on a peak day). Now the
//! first change after a quiet period goes out at once, later ones within the period replace
//! each other, and the latest goes out when the period ends (a trailing publish), so
//! shoppers always end up with the final state. (The store still gets every change: it is
//! one write, and `hello` reads it.)

use tokio::time::{Duration, Instant};

/// The latest state not yet published, and when the next publish may happen.
pub(super) struct Coalescer<T> {
    every: Duration,
    pending: Option<T>,
    next_at: Instant,
}

impl<T> Coalescer<T> {
    /// Publishes at most once per `every`; the first state may go out at once.
    pub(super) fn new(every: Duration, now: Instant) -> Self {
        Self {
            every,
            pending: None,
            next_at: now,
        }
    }

    /// Offers the latest state: returns it if it may be published now, else keeps it
    /// (replacing any older kept one) until [`Self::due_at`].
    pub(super) fn offer(&mut self, state: T, now: Instant) -> Option<T> {
        if self.pending.is_none() && now >= self.next_at {
            self.next_at = now + self.every;
            Some(state)
        } else {
            self.pending = Some(state);
            None
        }
    }

    /// When the kept state is due, if one is kept.
    pub(super) fn due_at(&self) -> Option<Instant> {
        self.pending.as_ref().map(|_| self.next_at)
    }

    /// Takes the kept state to publish it now; the next one waits a full period.
    pub(super) fn take(&mut self, now: Instant) -> Option<T> {
        let state = self.pending.take()?;
        self.next_at = now + self.every;
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: Duration = Duration::from_millis(500);

    #[test]
    fn the_first_change_goes_out_at_once_later_ones_coalesce_into_the_latest() {
        let t0 = Instant::now();
        let mut c = Coalescer::new(EVERY, t0);
        assert_eq!(c.offer(1, t0), Some(1));
        assert_eq!(c.due_at(), None);
        let soon = t0 + Duration::from_millis(10);
        assert_eq!(c.offer(2, soon), None);
        assert_eq!(c.offer(3, soon), None);
        assert_eq!(c.due_at(), Some(t0 + EVERY));
        assert_eq!(c.take(t0 + EVERY), Some(3));
        assert_eq!(c.take(t0 + EVERY), None);
        assert_eq!(c.due_at(), None);
        // Right after the trailing publish, a change waits a full period again.
        assert_eq!(c.offer(4, t0 + EVERY), None);
        assert_eq!(c.due_at(), Some(t0 + EVERY * 2));
    }

    #[test]
    fn a_change_after_a_quiet_period_goes_out_at_once() {
        let t0 = Instant::now();
        let mut c = Coalescer::new(EVERY, t0);
        assert_eq!(c.offer(1, t0), Some(1));
        assert_eq!(c.offer(2, t0 + EVERY * 3), Some(2));
        assert_eq!(c.due_at(), None);
    }

    #[test]
    fn a_kept_state_is_never_overtaken_by_a_newer_one_going_out_first() {
        let t0 = Instant::now();
        let mut c = Coalescer::new(EVERY, t0);
        c.offer(1, t0);
        assert_eq!(c.offer(2, t0 + Duration::from_millis(1)), None);
        // Even past the period, while 2 is kept a newer state replaces it rather than
        // jumping the queue: the caller flushes through `take`.
        assert_eq!(c.offer(3, t0 + EVERY * 2), None);
        assert_eq!(c.take(t0 + EVERY * 2), Some(3));
    }
}
