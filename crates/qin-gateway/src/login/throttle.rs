//! The pure core of login throttling: failures counted per key (an agent, a client address),
//! lockouts that double with each further failure up to a maximum, and a bounded memory.
//! Time is passed in, so tests drive it with a made-up clock.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// When a key is locked out, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before the first lockout.
    pub free_failures: u32,
    /// The first lockout; each further failure doubles it.
    pub lock: Duration,
    /// The longest lockout.
    pub lock_max: Duration,
    /// Failures are forgotten after this long without one (counted from the end of the
    /// last lockout).
    pub forget_after: Duration,
    /// Keys remembered at most.
    pub capacity: usize,
}

/// Whether a key may try now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It may try.
    Open,
    /// It is locked out for this long still.
    Locked(Duration),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

impl Entry {
    /// Since when nothing has happened to this key: its last failure or the end of its lock.
    fn quiet_since(&self) -> Instant {
        self.locked_until
            .map_or(self.last_failure, |until| until.max(self.last_failure))
    }
}

/// Failure counts and lockouts per key, for at most `policy.capacity` keys.
#[derive(Debug)]
pub struct Throttle<K> {
    policy: Policy,
    entries: HashMap<K, Entry>,
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    /// An empty throttle.
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            entries: HashMap::new(),
        }
    }

    /// Whether `key` may try at `now`.
    pub fn check(&self, key: &K, now: Instant) -> Verdict {
        match self.entries.get(key).and_then(|e| e.locked_until) {
            Some(until) if until > now => Verdict::Locked(until - now),
            _ => Verdict::Open,
        }
    }

    /// Counts a failure of `key` at `now`; returns the lockout it starts, if any.
    pub fn fail(&mut self, key: &K, now: Instant) -> Option<Duration> {
        if !self.entries.contains_key(key) {
            self.make_room(now);
        }
        let fresh = Entry {
            failures: 0,
            last_failure: now,
            locked_until: None,
        };
        let forget_after = self.policy.forget_after;
        let entry = self.entries.entry(key.clone()).or_insert(fresh);
        if now.saturating_duration_since(entry.quiet_since()) >= forget_after {
            *entry = fresh;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        let over = entry.failures.checked_sub(self.policy.free_failures)?;
        let lock = lock_for(over, &self.policy);
        entry.locked_until = Some(now + lock);
        Some(lock)
    }

    /// Forgets `key`'s failures (a successful login).
    pub fn succeed(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// How many keys are remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Makes room for one more key: forgets the quiet ones, and if that is not enough the
    /// one quiet the longest (a key locked out now is quiet only from its lock's end, so
    /// it goes last).
    fn make_room(&mut self, now: Instant) {
        if self.entries.len() < self.policy.capacity {
            return;
        }
        let forget_after = self.policy.forget_after;
        self.entries
            .retain(|_, e| now.saturating_duration_since(e.quiet_since()) < forget_after);
        while self.entries.len() >= self.policy.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.quiet_since())
                .map(|(k, _)| k.clone());
            match oldest {
                Some(key) => self.entries.remove(&key),
                None => break,
            };
        }
    }
}

/// The lockout after `over` failures beyond the free ones: `lock`, doubled `over` times, at
/// most `lock_max`.
fn lock_for(over: u32, policy: &Policy) -> Duration {
    let factor = 1u32.checked_shl(over).unwrap_or(u32::MAX);
    policy.lock.saturating_mul(factor).min(policy.lock_max)
}

/// The key an address is counted under: IPv4 as it is, IPv6 by its /64 (one customer's
/// network usually holds a whole /64), an IPv4-mapped IPv6 address as the IPv4 one.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

/// Whole seconds to put in `Retry-After` for a wait of `left`: rounded up, at least 1.
pub fn retry_after_s(left: Duration) -> u64 {
    let s = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    s.max(1)
}

#[cfg(test)]
mod tests;
