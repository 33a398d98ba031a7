//! Two router processes over one Redis, and the one routing the shop killed with `kill -9` in
//! the middle of a burst of opening chats: the other takes the shop's lease over, rebuilds
//! the queues and loads from Redis, and every chat ends up assigned or waiting its turn —
//! none lost, none assigned twice, no agent over its cap — and the queue drains when room opens.

use crate::setup::*;
use qin_testkit::{ChatParty, QinProcess, RedisServer, TempDir, unique_prefix};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const AGENTS: usize = 8;
const MAX_CHATS: u32 = 3;
const SHOPPERS: usize = 40;
const KILL_AFTER: usize = 12;
/// Longer than the lease (5 s) plus a takeover and a reconcile.
const SETTLE: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_routing_router_mid_burst_loses_no_chat_and_breaks_no_cap() {
    let _serial = serial().await;
    let started = Instant::now();
    let redis = RedisServer::start();
    let prefix = unique_prefix();
    let dir = TempDir::new("router-crash");
    let file = dir.write("qin.toml", &config_text(AGENTS, MAX_CHATS, 1024));
    let serve = |roles| QinProcess::serve(&qin_bin(), &file, roles, Some(&redis.url()), &prefix);
    let gateway = serve("gateway,autoreply");
    let addr = gateway.wait_ready().await;
    let mut first = serve("router");
    let agents = agents_online(&[addr], 0..AGENTS).await;
    wait_router_sees(addr, AGENTS as u64).await; // the first router routes the shop
    let _second = serve("router"); // stands by

    // A burst of opens; the routing router dies a third of the way in.
    let mut shoppers = Vec::new();
    for i in 0..SHOPPERS {
        if i == KILL_AFTER {
            first.kill();
        }
        let shopper = ChatParty::connected_shopper(addr, SHOP).await;
        let conv = shopper.open(GROUP).await;
        shoppers.push((shopper, conv));
    }

    let slots = AGENTS * MAX_CHATS as usize;
    let assigned = assignments(&shoppers, SETTLE).await;
    let mut per_agent: HashMap<String, usize> = HashMap::new();
    for agent in assigned.values() {
        *per_agent.entry(agent.clone()).or_default() += 1;
    }
    println!(
        "router kill: {SHOPPERS} chats, {} assigned over {} agents (max per agent {:?}), {:?} since start",
        assigned.len(),
        per_agent.len(),
        per_agent.values().max(),
        started.elapsed()
    );
    assert_eq!(assigned.len(), slots, "every slot taken, no more");
    assert!(
        per_agent.values().all(|&n| n <= MAX_CHATS as usize),
        "a cap was exceeded: {per_agent:?}"
    );
    for agent in &agents {
        let held = agent.conversations().len();
        assert!(held <= MAX_CHATS as usize, "{} holds {held}", agent.id());
    }

    // Room opens: the surviving router gives it to the oldest waiting chats.
    let closing: Vec<&(ChatParty, String)> = shoppers
        .iter()
        .filter(|(_, c)| assigned.contains_key(c))
        .take(4)
        .collect();
    for (shopper, conv) in &closing {
        shopper.send_frame(&serde_json::json!({"type": "close", "conv": conv}));
    }
    let waiting: Vec<(ChatParty, String)> = shoppers
        .iter()
        .filter(|(_, c)| !assigned.contains_key(c))
        .cloned()
        .collect();
    let drained = assignments(&waiting, Duration::from_secs(10)).await;
    assert_eq!(
        drained.len(),
        closing.len(),
        "freed slots went to waiting chats"
    );
    // Oldest first: the drained chats are the first waiting ones in opening order.
    let first_waiting: Vec<&String> = waiting.iter().map(|(_, c)| c).take(closing.len()).collect();
    for conv in first_waiting {
        assert!(
            drained.contains_key(conv),
            "{conv} waited longest but was skipped"
        );
    }
}

/// The chats of `shoppers` assigned within `within`, with their agents.
async fn assignments(
    shoppers: &[(ChatParty, String)],
    within: Duration,
) -> HashMap<String, String> {
    let mut set = JoinSet::new();
    for (shopper, conv) in shoppers {
        let (shopper, conv) = (shopper.clone(), conv.clone());
        set.spawn(async move { (shopper.wait_assigned(&conv, within).await, conv) });
    }
    set.join_all()
        .await
        .into_iter()
        .filter_map(|(agent, conv)| agent.map(|a| (conv, a)))
        .collect()
}
