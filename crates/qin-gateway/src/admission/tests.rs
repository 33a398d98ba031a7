//! The ledger's rules, one case each, with time passed in.

use super::*;
use std::time::Duration;

fn limits() -> Limits {
    Limits {
        max_connections: 10,
        max_sockets: 6,
        per_address: 3,
        upgrades_per_s: 1,
        upgrade_burst: 2,
    }
}

fn ip(last: u8) -> IpAddr {
    IpAddr::from([192, 0, 2, last])
}

#[test]
fn one_address_holds_at_most_its_cap_and_gets_room_back() {
    let mut ledger = Ledger::new(limits());
    for _ in 0..3 {
        ledger.accept(ip(1), true).unwrap();
    }
    assert_eq!(ledger.accept(ip(1), true), Err(Refusal::AddressFull));
    ledger
        .accept(ip(2), true)
        .expect("another address is not held back");
    ledger.release_connection(ip(1), true);
    ledger
        .accept(ip(1), true)
        .expect("room again after a close");
}

#[test]
fn the_process_ceiling_counts_connections_and_sockets() {
    let mut ledger = Ledger::new(limits());
    let now = Instant::now();
    for i in 0..6 {
        ledger.accept(ip(i), true).unwrap();
        ledger.upgrade(ip(i), true, now).unwrap();
        ledger.release_connection(ip(i), true);
    }
    assert_eq!(
        ledger.upgrade(ip(50), false, now),
        Err(Refusal::SocketsFull),
        "sockets stop at max_connections - http_reserve"
    );
    for i in 10..14 {
        ledger
            .accept(ip(i), true)
            .expect("room kept for plain HTTP");
    }
    assert_eq!(ledger.accept(ip(20), true), Err(Refusal::Full));
    ledger.release_socket(ip(0));
    ledger
        .accept(ip(20), true)
        .expect("a closed socket makes room");
}

#[test]
fn a_proxy_is_not_capped_but_its_clients_sockets_are() {
    let mut ledger = Ledger::new(limits());
    let now = Instant::now();
    let proxy = ip(100);
    for _ in 0..5 {
        ledger.accept(proxy, false).unwrap();
    }
    let mut admitted = 0;
    for _ in 0..5 {
        if ledger.upgrade(ip(7), false, now).is_ok() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 2, "the burst allows two upgrades at once");
    let later = now + Duration::from_secs(1);
    ledger.upgrade(ip(7), false, later).unwrap();
    assert_eq!(
        ledger.upgrade(ip(7), false, later + Duration::from_secs(5)),
        Err(Refusal::AddressFull),
        "three sockets is the cap of a client behind the proxy"
    );
}

#[test]
fn a_direct_clients_upgrade_does_not_count_its_own_connection_twice() {
    let mut ledger = Ledger::new(limits());
    let now = Instant::now();
    for _ in 0..3 {
        ledger.accept(ip(1), true).unwrap();
    }
    ledger
        .upgrade(ip(1), true, now)
        .expect("the third connection may become a socket");
}

#[test]
fn upgrades_are_rate_limited_per_address() {
    let mut ledger = Ledger::new(Limits {
        per_address: 100,
        max_sockets: 100,
        max_connections: 200,
        ..limits()
    });
    let now = Instant::now();
    assert!(ledger.upgrade(ip(1), false, now).is_ok());
    assert!(ledger.upgrade(ip(1), false, now).is_ok());
    assert_eq!(ledger.upgrade(ip(1), false, now), Err(Refusal::TooFast));
    assert!(ledger.upgrade(ip(2), false, now).is_ok(), "per address");
    assert!(
        ledger
            .upgrade(ip(1), false, now + Duration::from_secs(1))
            .is_ok()
    );
}

#[test]
fn full_buckets_are_forgotten_so_the_map_stays_bounded() {
    let mut ledger = Ledger::new(Limits {
        per_address: 100,
        max_sockets: 100_000,
        max_connections: 200_000,
        ..limits()
    });
    let start = Instant::now();
    for i in 0..5000u32 {
        let client = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
        ledger
            .upgrade(client, false, start + Duration::from_secs(u64::from(i)))
            .unwrap();
        ledger.release_socket(client);
    }
    assert!(
        ledger.upgrades.len() <= 2 * PRUNE_FLOOR,
        "{}",
        ledger.upgrades.len()
    );
    assert!(ledger.held.is_empty(), "closed sockets leave no entry");
}

#[test]
fn the_ceiling_stays_below_the_open_files_limit() {
    assert_eq!(connection_ceiling(20_000), 19_000);
    assert_eq!(connection_ceiling(1024), 960);
    let config = ConnectionsConfig::default();
    let limits = Limits::new(&config, Some(20_000));
    assert_eq!(limits.max_connections, 19_000);
    assert_eq!(limits.max_sockets, 19_000 - config.http_reserve);
    let wanted = ConnectionsConfig {
        max_connections: 50_000,
        ..ConnectionsConfig::default()
    };
    assert_eq!(Limits::new(&wanted, Some(20_000)).max_connections, 19_000);
    let small = ConnectionsConfig {
        max_connections: 100,
        http_reserve: 10,
        ..ConnectionsConfig::default()
    };
    let limits = Limits::new(&small, Some(20_000));
    assert_eq!((limits.max_connections, limits.max_sockets), (100, 90));
}

#[test]
fn slots_give_back_what_they_hold() {
    let admission = Admission::new(limits());
    let slots: Vec<_> = (0..3)
        .map(|_| admission.accept(ip(1), true).unwrap())
        .collect();
    assert!(admission.accept(ip(1), true).is_err());
    drop(slots);
    let _again = admission
        .accept(ip(1), true)
        .expect("room after the slots dropped");
}
