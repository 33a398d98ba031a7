//! Logging a repeated event (refused connections, failed accepts) once per burst rather than
//! every time, so a flood does not also flood the log.

use std::time::Duration;
use tokio::time::Instant;

/// When to log a repeated event: the first time, then at most every 10 s, saying
/// how many went unlogged in between.
#[derive(Debug, Default)]
pub(crate) struct Burst {
    logged: Option<Instant>,
    unlogged: u64,
}

const BURST_QUIET: Duration = Duration::from_secs(10);

impl Burst {
    /// Counts one event at `now`; `Some(unlogged since the last log)` when it is to be logged.
    pub fn note(&mut self, now: Instant) -> Option<u64> {
        if self
            .logged
            .is_some_and(|at| now.saturating_duration_since(at) < BURST_QUIET)
        {
            self.unlogged += 1;
            return None;
        }
        self.logged = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_logged_once_then_every_ten_seconds() {
        let start = Instant::now();
        let mut burst = Burst::default();
        assert_eq!(burst.note(start), Some(0));
        for ms in 1..=1000 {
            assert_eq!(burst.note(start + Duration::from_millis(ms)), None);
        }
        assert_eq!(burst.note(start + Duration::from_secs(11)), Some(1000));
        assert_eq!(burst.note(start + Duration::from_secs(12)), None);
    }
}
