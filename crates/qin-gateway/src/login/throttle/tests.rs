//! The throttle's rules on a made-up clock.

use super::*;

fn policy() -> Policy {
    Policy {
        free_failures: 3,
        lock: Duration::from_secs(10),
        lock_max: Duration::from_secs(60),
        forget_after: Duration::from_secs(600),
        capacity: 100,
    }
}

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn locks_after_the_free_failures_and_doubles_up_to_the_max() {
    let mut t = Throttle::new(policy());
    let t0 = Instant::now();
    assert_eq!(t.fail(&"anhong", t0), None);
    assert_eq!(t.fail(&"anhong", t0), None);
    assert_eq!(t.check(&"anhong", t0), Verdict::Open);
    assert_eq!(t.fail(&"anhong", t0), Some(s(10)));
    assert_eq!(t.check(&"anhong", t0 + s(4)), Verdict::Locked(s(6)));
    assert_eq!(t.check(&"anhong", t0 + s(10)), Verdict::Open);
    // Each failure after a lockout doubles the next one, up to the max.
    let mut now = t0 + s(10);
    for expected in [20, 40, 60, 60] {
        assert_eq!(t.fail(&"anhong", now), Some(s(expected)));
        now += s(expected);
        assert_eq!(t.check(&"anhong", now - s(1)), Verdict::Locked(s(1)));
        assert_eq!(t.check(&"anhong", now), Verdict::Open);
    }
    // Others are not affected.
    assert_eq!(t.check(&"xiaoya", t0), Verdict::Open);
}

#[test]
fn success_forgets_the_failures() {
    let mut t = Throttle::new(policy());
    let t0 = Instant::now();
    t.fail(&"anhong", t0);
    t.fail(&"anhong", t0);
    t.succeed(&"anhong");
    assert_eq!(t.fail(&"anhong", t0), None);
    assert_eq!(t.fail(&"anhong", t0), None);
    assert_eq!(t.fail(&"anhong", t0), Some(s(10)));
}

#[test]
fn failures_are_forgotten_after_a_quiet_time_counted_from_the_lock_end() {
    let mut t = Throttle::new(policy());
    let t0 = Instant::now();
    t.fail(&"a", t0);
    t.fail(&"a", t0);
    // Quiet long enough: counting starts again.
    assert_eq!(t.fail(&"a", t0 + s(600)), None);
    // Locked out; right after the lock ends the count goes on (the lock is not "quiet").
    t.fail(&"a", t0 + s(600));
    let locked = t0 + s(601);
    assert_eq!(t.fail(&"a", locked), Some(s(10)));
    assert_eq!(t.fail(&"a", locked + s(10)), Some(s(20)));
    // Quiet for forget_after after the lock's end: forgotten.
    assert_eq!(t.fail(&"a", locked + s(10 + 20 + 600)), None);
}

#[test]
fn memory_is_bounded_and_locked_keys_are_forgotten_last() {
    let mut t = Throttle::new(Policy {
        capacity: 10,
        free_failures: 1,
        ..policy()
    });
    let t0 = Instant::now();
    assert_eq!(t.fail(&0, t0), Some(s(10)));
    for k in 1..100 {
        t.fail(&k, t0 + s(20));
        assert!(t.len() <= 10);
    }
    // Key 0 was locked until t0 + 10 s, quieter than all the others: gone.
    assert_eq!(t.check(&0, t0 + s(5)), Verdict::Open);
    // Key 99, locked the longest, stays while newer keys come.
    assert_eq!(t.fail(&99, t0 + s(20)), Some(s(20)));
    for k in 100..105 {
        t.fail(&k, t0 + s(21));
    }
    assert!(matches!(t.check(&99, t0 + s(25)), Verdict::Locked(_)));
    assert_eq!(t.len(), 10);
}

#[test]
fn ipv6_addresses_count_by_their_64_prefix() {
    let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
    let b: IpAddr = "2001:db8:1:2:bbbb::7".parse().unwrap();
    let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
    assert_eq!(address_key(a), address_key(b));
    assert_ne!(address_key(a), address_key(c));
    let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
    assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    let v4: IpAddr = "192.0.2.7".parse().unwrap();
    assert_eq!(address_key(v4), v4);
}

#[test]
fn retry_after_rounds_up_to_whole_seconds() {
    assert_eq!(retry_after_s(Duration::from_millis(1)), 1);
    assert_eq!(retry_after_s(Duration::ZERO), 1);
    assert_eq!(retry_after_s(Duration::from_millis(2001)), 3);
    assert_eq!(retry_after_s(s(30)), 30);
}
