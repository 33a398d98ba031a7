//! A token bucket limiting how many frames one socket may send (and how many websockets one
//! address may open).

use tokio::time::Instant;

/// Allows `per_s` frames a second on average and bursts of up to `burst`.
#[derive(Debug)]
pub(crate) struct RateLimit {
    per_s: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl RateLimit {
    pub fn new(per_s: u32, burst: u32) -> Self {
        Self {
            per_s: f64::from(per_s),
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: None,
        }
    }

    /// Takes a token if one is left at `now`.
    pub fn allow(&mut self, now: Instant) -> bool {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.per_s;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether the bucket would be full at `now`, so forgetting it changes nothing.
    pub fn is_full(&self, now: Instant) -> bool {
        self.last.is_none_or(|last| {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.per_s;
            self.tokens + refill >= self.burst
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_the_average_rate() {
        let start = Instant::now();
        let mut rate = RateLimit::new(2, 3);
        assert!((0..3).all(|_| rate.allow(start)));
        assert!(!rate.allow(start));
        assert!(rate.allow(start + Duration::from_millis(500)));
        assert!(!rate.allow(start + Duration::from_millis(500)));
        assert!(rate.allow(start + Duration::from_secs(10)));
    }
}
