//! Redis killed with `kill -9` mid-traffic and restarted from its append-only file: sends
//! during the outage fail with `unavailable`, clients retry them with the same `cid` until
//! acked, and in the end every acked message is in the log once and every party has it.

use crate::common::start;
use crate::setup::*;
use qin::Backend;
use qin_testkit::{ChatParty, RedisServer, unique_prefix};
use std::time::{Duration, Instant};

const CHATS: usize = 20;
const AGENTS: usize = 4;
/// Messages per 10 ms tick: 400 a second.
const PER_TICK: usize = 4;
const TRAFFIC: Duration = Duration::from_secs(3);
const KILL_AT: Duration = Duration::from_millis(800);
const OUTAGE: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_redis_mid_traffic_loses_nothing_acked() {
    let _serial = serial().await;
    let started = Instant::now();
    let mut redis = RedisServer::start_persistent();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    };
    let config = config(AGENTS, 25, 1024);
    let workers = start(config.clone(), "router,autoreply", backend.clone()).await;
    let gateway = start(config, "gateway", backend).await;
    let addr = gateway.addr.expect("gateway address");

    let agents = agents_online(&[addr], 0..AGENTS).await;
    wait_router_sees(addr, AGENTS as u64).await;
    let chats = shoppers_with_chats(addr, CHATS, CHATS).await;
    let pairs = pair_up(&chats, &agents).await;

    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let traffic = Instant::now();
    let (mut killed, mut restarted) = (None, None);
    let mut sent = 0;
    while traffic.elapsed() < TRAFFIC {
        tick.tick().await;
        for _ in 0..PER_TICK {
            send_nth(&pairs, sent);
            sent += 1;
        }
        let now = traffic.elapsed();
        if killed.is_none() && now >= KILL_AT {
            redis.kill();
            killed = Some(now);
        }
        if restarted.is_none() && now >= KILL_AT + OUTAGE {
            tokio::task::block_in_place(|| redis.restart());
            restarted = Some(traffic.elapsed());
        }
    }
    let traffic = traffic.elapsed();

    let mut parties: Vec<ChatParty> = chats.iter().map(|(s, _)| s.clone()).collect();
    parties.extend(agents.iter().cloned());
    let acked = all_acked(&parties).await;
    let logs = logs_via_rest(addr, &chats).await;
    let complete = all_hold(&parties, &logs).await;
    let counters = tally(&parties, &logs);
    let unavailable: u64 = parties
        .iter()
        .map(|p| p.errors().get("unavailable").copied().unwrap_or(0))
        .sum();
    let other_errors: u64 = parties
        .iter()
        .flat_map(|p| p.errors().into_iter())
        .filter(|(code, _)| code != "unavailable")
        .map(|(_, n)| n)
        .sum();
    let stored: usize = logs.values().map(Vec::len).sum();
    println!(
        "redis crash: {sent} messages over {CHATS} chats in {traffic:?}; redis killed at {killed:?}, \
         back at {restarted:?}; {unavailable} sends refused as unavailable; {stored} messages stored"
    );
    println!("redis crash: {}", recovery_report(&parties));
    println!("redis crash: {counters}; total {:?}", started.elapsed());
    for node in [gateway, workers] {
        node.stop().await;
    }
    assert!(unavailable > 0, "no send met the outage");
    assert_eq!(other_errors, 0, "errors other than unavailable");
    assert!(
        acked && complete,
        "not every message was acked and delivered"
    );
    assert!(counters.is_clean(), "{counters}");
}
