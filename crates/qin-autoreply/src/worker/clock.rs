//! The worker's clock: the wall time at start plus tokio's monotonic time since, so the
//! rules' `now` and the holding timers move together — also under paused time in tests.

use qin_proto::Millis;
use std::time::Duration;
use tokio::time::Instant;

/// Wall-clock milliseconds as tokio measures time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    wall: Millis,
    start: Instant,
}

impl Clock {
    /// A clock reading `wall` now.
    pub fn starting_at(wall: Millis) -> Self {
        Self {
            wall,
            start: Instant::now(),
        }
    }

    /// A clock reading the system's wall time now.
    pub fn system() -> Self {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| {
                Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
            });
        Self::starting_at(wall)
    }

    /// Now, ms since the epoch.
    pub fn now(&self) -> Millis {
        let elapsed = Millis::try_from(self.start.elapsed().as_millis()).unwrap_or(Millis::MAX);
        self.wall.saturating_add(elapsed)
    }

    /// The instant at which the clock reads `at`.
    pub fn instant(&self, at: Millis) -> Instant {
        let ms = u64::try_from(at.saturating_sub(self.wall)).unwrap_or(0);
        self.start + Duration::from_millis(ms)
    }
}
