//! Flood control (`[limits]` `new_visitors_per_address`, `chats_per_address`,
//! `chats_per_shop`): how many new shopper identities and opened chats one address, and opened
//! chats one shop, may have per window on this gateway, so that a script making fresh
//! identities cannot fill a shop's queue ahead of real shoppers.

use qin_config::LimitsConfig;
use qin_proto::{ErrorCode, ProtoError, ShopId};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys one counter tracks at most; past it, windows that ended are swept, and a new key that
/// still finds no room is let through uncounted (the shop's own limit still holds), so an
/// attacker with endless addresses cannot make the gateway's memory grow without bound.
const MAX_KEYS: usize = 100_000;

/// Counts per key in fixed windows: at most `limit` in each (`limit` 0: no limit).
#[derive(Debug)]
struct Counter<K> {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq + Clone> Counter<K> {
    fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            counts: Mutex::default(),
        }
    }

    /// Counts one for `key` at `now`, or says how long until its window has room again.
    fn take(&self, key: &K, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !counts.contains_key(key) && counts.len() >= MAX_KEYS {
            let window = self.window;
            counts.retain(|_, (start, _)| now.saturating_duration_since(*start) < window);
            if counts.len() >= MAX_KEYS {
                return Ok(());
            }
        }
        let (start, n) = counts.entry(key.clone()).or_insert((now, 0));
        if now.saturating_duration_since(*start) >= self.window {
            (*start, *n) = (now, 0);
        }
        if *n >= self.limit {
            return Err(self
                .window
                .saturating_sub(now.saturating_duration_since(*start)));
        }
        *n += 1;
        Ok(())
    }
}

/// An address as the limits count it: IPv4 as is, IPv6 by its /64 (one subscriber's network,
/// which hands out addresses freely), an IPv4-mapped IPv6 address as the IPv4 one.
fn counted_as(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

/// This gateway's flood counters.
#[derive(Debug)]
pub(crate) struct Flood {
    new_visitors: Counter<IpAddr>,
    chats_by_address: Counter<IpAddr>,
    chats_by_shop: Counter<ShopId>,
}

impl Flood {
    /// Counters for `limits`.
    pub fn new(limits: &LimitsConfig) -> Self {
        let window = Duration::from_secs(limits.flood_window_s);
        Self {
            new_visitors: Counter::new(limits.new_visitors_per_address, window),
            chats_by_address: Counter::new(limits.chats_per_address, window),
            chats_by_shop: Counter::new(limits.chats_per_shop, window),
        }
    }

    /// Counts a new shopper identity made for `from`; `rate_limited` when it has made its
    /// window's worth.
    pub fn new_visitor(&self, from: IpAddr, now: Instant) -> Result<(), ProtoError> {
        self.new_visitors
            .take(&counted_as(from), now)
            .map_err(|wait| refused("new visitors from your network", wait))
    }

    /// Counts a chat opened in `shop` from `from`; `rate_limited` when either has opened its
    /// window's worth.
    pub fn open_chat(&self, shop: &ShopId, from: IpAddr, now: Instant) -> Result<(), ProtoError> {
        self.chats_by_address
            .take(&counted_as(from), now)
            .map_err(|wait| refused("chats opened from your network", wait))?;
        self.chats_by_shop
            .take(shop, now)
            .map_err(|wait| refused("chats opened in this shop", wait))
    }
}

/// The `rate_limited` error, saying what is over and when to try again.
fn refused(what: &str, wait: Duration) -> ProtoError {
    let seconds = wait.as_secs().max(1);
    ProtoError::new(
        ErrorCode::RateLimited,
        format!("too many {what}; try again in {seconds} s"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(visitors: u32, by_address: u32, by_shop: u32) -> LimitsConfig {
        LimitsConfig {
            flood_window_s: 60,
            new_visitors_per_address: visitors,
            chats_per_address: by_address,
            chats_per_shop: by_shop,
            ..LimitsConfig::default()
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn shop(id: &str) -> ShopId {
        ShopId::parse(id).expect("valid id")
    }

    #[test]
    fn an_address_gets_its_windows_worth_then_waits_for_the_next_window() {
        let flood = Flood::new(&limits(2, 0, 0));
        let t0 = Instant::now();
        let attacker = ip("203.0.113.9");
        assert!(flood.new_visitor(attacker, t0).is_ok());
        assert!(flood.new_visitor(attacker, t0).is_ok());
        let refused = flood
            .new_visitor(attacker, t0 + Duration::from_secs(15))
            .expect_err("over the limit");
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert!(refused.message.contains("45 s"), "{}", refused.message);
        assert!(
            flood.new_visitor(ip("198.51.100.1"), t0).is_ok(),
            "another address has its own count"
        );
        assert!(
            flood
                .new_visitor(attacker, t0 + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn chats_count_by_address_and_by_shop() {
        let flood = Flood::new(&limits(0, 2, 3));
        let t0 = Instant::now();
        let (afu, other) = (shop("afu"), shop("other"));
        let (a, b) = (ip("203.0.113.9"), ip("198.51.100.1"));
        assert!(flood.open_chat(&afu, a, t0).is_ok());
        assert!(flood.open_chat(&afu, a, t0).is_ok());
        let refused = flood.open_chat(&afu, a, t0).expect_err("address over");
        assert!(
            refused.message.contains("your network"),
            "{}",
            refused.message
        );
        assert!(flood.open_chat(&afu, b, t0).is_ok(), "the shop's third");
        let refused = flood.open_chat(&afu, b, t0).expect_err("shop over");
        assert!(refused.message.contains("this shop"), "{}", refused.message);
        assert!(flood.open_chat(&other, ip("192.0.2.7"), t0).is_ok());
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let flood = Flood::new(&limits(0, 0, 0));
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(flood.new_visitor(ip("203.0.113.9"), now).is_ok());
            assert!(
                flood
                    .open_chat(&shop("afu"), ip("203.0.113.9"), now)
                    .is_ok()
            );
        }
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let flood = Flood::new(&limits(1, 0, 0));
        let now = Instant::now();
        assert!(flood.new_visitor(ip("2001:db8:1:2::1"), now).is_ok());
        assert!(
            flood.new_visitor(ip("2001:db8:1:2:ffff::9"), now).is_err(),
            "same /64"
        );
        assert!(flood.new_visitor(ip("2001:db8:1:3::1"), now).is_ok());
        assert!(flood.new_visitor(ip("192.0.2.1"), now).is_ok());
        assert!(flood.new_visitor(ip("::ffff:192.0.2.1"), now).is_err());
    }

    #[test]
    fn memory_stays_bounded_with_endless_addresses() {
        let counter = Counter::new(1, Duration::from_secs(60));
        let now = Instant::now();
        for n in 0..(MAX_KEYS as u32 + 10) {
            let addr = IpAddr::V4(n.into());
            assert!(counter.take(&addr, now).is_ok());
        }
        let len = counter.counts.lock().expect("lock").len();
        assert_eq!(len, MAX_KEYS);
        // Once their windows end, old keys are swept for new ones.
        let later = now + Duration::from_secs(61);
        assert!(counter.take(&IpAddr::V4(u32::MAX.into()), later).is_ok());
        assert_eq!(counter.counts.lock().expect("lock").len(), 1);
    }
}
