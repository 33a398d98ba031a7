//! The pure half of catch-up: how far a conversation's live delivery has got, what an
//! arriving `seq` means (the next one, a repeat, or one after a gap), and when the
//! quiet-spell probe is due. No I/O; the time comes in as `now`.

use tokio::time::{Duration, Instant};

/// How long after the last delivery the tail is checked against the store.
const QUIET_PROBE: Duration = Duration::from_secs(3);
/// Conversations quiet for longer than this are not probed (they would cost store reads
/// forever); their next message or a bus gap still reveals losses.
const ACTIVE_FOR: Duration = Duration::from_secs(60);

/// What one gateway has delivered of one conversation, and when.
#[derive(Debug)]
pub(crate) struct Position {
    /// Highest `seq` delivered, or the log's end when this node started following the
    /// conversation (its sockets sync from there themselves); `None` if that was unknown.
    delivered: Option<u64>,
    last_activity: Option<Instant>,
    probed: bool,
}

/// What an arriving message means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// Already delivered (e.g. by a repair).
    Repeat,
    /// Nothing is missing before it (or where delivery stood is unknown).
    Next,
    /// `missing` messages after `after` never arrived live.
    AfterGap {
        /// The last `seq` delivered.
        after: u64,
        /// How many `seq`s between that one and the arriving one.
        missing: u64,
    },
}

impl Position {
    /// A conversation whose log ended at `baseline` when this node subscribed.
    pub fn new(baseline: Option<u64>) -> Self {
        Self {
            delivered: baseline,
            last_activity: None,
            probed: false,
        }
    }

    /// What a message with `seq` means, before it is delivered.
    pub fn judge(&self, seq: u64) -> Arrival {
        match self.delivered {
            Some(delivered) if seq <= delivered => Arrival::Repeat,
            Some(delivered) if seq > delivered + 1 => Arrival::AfterGap {
                after: delivered,
                missing: seq - delivered - 1,
            },
            _ => Arrival::Next,
        }
    }

    /// `seq` was delivered at `now`: it is the new position, and a quiet spell counts from it.
    pub fn delivered(&mut self, seq: u64, now: Instant) {
        self.delivered = Some(seq);
        self.last_activity = Some(now);
        self.probed = false;
    }

    /// The highest `seq` delivered, if known: a catch-up fetches what follows it.
    pub fn upto(&self) -> Option<u64> {
        self.delivered
    }

    /// A catch-up delivered the log up to `seq`.
    pub fn caught_up(&mut self, seq: u64) {
        self.delivered = Some(seq);
    }

    /// When the next quiet-spell probe is due, as of `now`, if one is: once after each
    /// delivery, and only for conversations active lately.
    pub fn probe_at(&self, now: Instant) -> Option<Instant> {
        let last = self.last_activity?;
        let active = now.saturating_duration_since(last) < ACTIVE_FOR;
        (!self.probed && active).then_some(last + QUIET_PROBE)
    }

    /// The quiet-spell probe runs: the next waits for new activity.
    pub fn probing(&mut self) {
        self.probed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_seq_after_the_baseline_is_next_and_earlier_ones_repeat() {
        let mut at = Position::new(Some(4));
        let now = Instant::now();
        assert_eq!(
            at.judge(4),
            Arrival::Repeat,
            "in the log before subscribing"
        );
        assert_eq!(at.judge(5), Arrival::Next);
        at.delivered(5, now);
        assert_eq!(at.upto(), Some(5));
        assert_eq!(at.judge(5), Arrival::Repeat);
        assert_eq!(at.judge(1), Arrival::Repeat);
        assert_eq!(at.judge(6), Arrival::Next);
    }

    #[test]
    fn a_seq_that_skips_ahead_names_the_gap() {
        let mut at = Position::new(Some(2));
        assert_eq!(
            at.judge(6),
            Arrival::AfterGap {
                after: 2,
                missing: 3
            }
        );
        at.delivered(6, Instant::now());
        assert_eq!(
            at.judge(7),
            Arrival::Next,
            "the gap is behind once 6 is delivered"
        );
    }

    #[test]
    fn without_a_baseline_nothing_counts_as_missing_until_a_delivery() {
        let mut at = Position::new(None);
        assert_eq!(at.judge(9), Arrival::Next);
        assert_eq!(at.upto(), None, "a catch-up has nowhere to start");
        at.delivered(9, Instant::now());
        assert_eq!(
            at.judge(11),
            Arrival::AfterGap {
                after: 9,
                missing: 1
            }
        );
    }

    #[test]
    fn a_catch_up_moves_the_position_so_its_messages_repeat_live() {
        let mut at = Position::new(Some(3));
        at.caught_up(7);
        assert_eq!(at.upto(), Some(7));
        assert_eq!(at.judge(7), Arrival::Repeat);
        assert_eq!(at.judge(8), Arrival::Next);
    }

    #[test]
    fn the_probe_is_due_a_quiet_spell_after_each_delivery_once() {
        let start = Instant::now();
        let mut at = Position::new(Some(0));
        assert_eq!(at.probe_at(start), None, "nothing delivered yet");
        at.delivered(1, start);
        assert_eq!(at.probe_at(start), Some(start + QUIET_PROBE));
        at.probing();
        assert_eq!(at.probe_at(start + QUIET_PROBE), None, "once per delivery");
        let later = start + Duration::from_secs(10);
        at.delivered(2, later);
        assert_eq!(at.probe_at(later), Some(later + QUIET_PROBE));
    }

    #[test]
    fn a_conversation_quiet_for_long_is_not_probed() {
        let start = Instant::now();
        let mut at = Position::new(Some(0));
        at.delivered(1, start);
        assert_eq!(at.probe_at(start + ACTIVE_FOR), None);
        let still_active = start + ACTIVE_FOR - Duration::from_secs(1);
        assert_eq!(at.probe_at(still_active), Some(start + QUIET_PROBE));
    }

    #[test]
    fn a_catch_up_alone_does_not_make_a_conversation_active() {
        let start = Instant::now();
        let mut at = Position::new(Some(0));
        at.caught_up(3);
        assert_eq!(at.probe_at(start), None);
    }
}
