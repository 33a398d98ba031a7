//! 2,000 shopper sockets dropped at once while their agents keep answering: they reconnect
//! with their tokens and sync, and miss nothing; reconnecting once more with no new traffic
//! redelivers nothing.

use crate::common::start;
use crate::setup::*;
use qin::Backend;
use qin_bus::MemoryBus;
use qin_proto::ConvId;
use qin_store::{MemoryStore, Store};
use qin_testkit::{ChatParty, LogEntry, WAIT};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const SHOPPERS: usize = 2000;
const AGENTS: usize = 10;
/// Sockets connecting at the same moment (the listen backlog is finite).
const PARALLEL: usize = 250;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_sockets_dropped_at_once_come_back_missing_nothing() {
    let _serial = serial().await;
    let started = Instant::now();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let backend = Backend::Memory {
        store: store.clone(),
        bus: Arc::new(MemoryBus::new()),
    };
    let node = start(
        config(AGENTS, 200, 1024),
        "gateway,router,autoreply",
        backend,
    )
    .await;
    let addr = node.addr.expect("gateway address");
    let agents = agents_online(&[addr], 0..AGENTS).await;
    wait_router_sees(addr, AGENTS as u64).await;
    let chats = shoppers_with_chats(addr, SHOPPERS, PARALLEL).await;
    let shoppers: Vec<ChatParty> = chats.iter().map(|(s, _)| s.clone()).collect();
    let mut parties = shoppers.clone();
    parties.extend(agents.iter().cloned());
    let setup = started.elapsed();

    // Every shopper socket goes at once; the agents answer while they are away.
    let dropped = Instant::now();
    for shopper in &shoppers {
        shopper.drop_connection();
    }
    agents_say(&agents, "亲，还在吗？");
    let back = reconnect_all(&shoppers, addr).await;
    let acked = all_acked(&parties).await;
    let convs: Vec<String> = chats.iter().map(|(_, c)| c.clone()).collect();
    let logs = logs_of(&*store, &convs).await;
    let complete = all_hold(&parties, &logs).await;
    let counters = tally(&parties, &logs);
    let replayed: u64 = shoppers.iter().map(ChatParty::frames_this_connection).sum();
    let resumed = dropped.elapsed();

    // Once more, with nothing new to tell: the sync after their last seq replays nothing.
    for shopper in &shoppers {
        shopper.drop_connection();
    }
    let again = reconnect_all(&shoppers, addr).await;
    let redelivered: u64 = shoppers.iter().map(ChatParty::frames_this_connection).sum();
    let counters_again = tally(&parties, &logs);

    let stored: usize = logs.values().map(Vec::len).sum();
    // Not a delivery guarantee, but worth seeing: greetings still queued behind a burst of
    // chats opening show up here as missing.
    let ungreeted = logs
        .values()
        .filter(|log| !log.iter().any(|e| e.cid == "auto:greeting"))
        .count();
    println!(
        "mass reconnect: {SHOPPERS} sockets dropped at once, all back and synced in {back:?} \
         ({replayed} messages received on the new sockets, {resumed:?} from drop to checked); \
         {stored} messages stored ({ungreeted} chats never got the auto-reply greeting); setup {setup:?}"
    );
    println!("mass reconnect: {}", recovery_report(&parties));
    println!("mass reconnect: {counters}");
    println!(
        "mass reconnect again, no new traffic: back in {again:?}, redelivered {redelivered}; {counters_again}; total {:?}",
        started.elapsed()
    );
    node.stop().await;
    assert!(
        acked && complete,
        "not every message was acked and delivered"
    );
    assert!(counters.is_clean(), "{counters}");
    assert_eq!(redelivered, 0, "messages redelivered with nothing new");
    assert!(counters_again.is_clean(), "{counters_again}");
}

/// Each agent says `body` in every chat it holds.
fn agents_say(agents: &[ChatParty], body: &str) {
    for agent in agents {
        for conv in agent.conversations() {
            agent.send(&conv, body);
        }
    }
}

/// Reconnects every party to `addr`, `PARALLEL` at a time, until each has synced.
async fn reconnect_all(parties: &[ChatParty], addr: SocketAddr) -> Duration {
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut set = JoinSet::new();
    for party in parties {
        let (party, gate) = (party.clone(), gate.clone());
        set.spawn(async move {
            let permit = gate.acquire_owned().await.expect("semaphore");
            party.connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
            drop(permit);
            assert!(party.wait_synced(WAIT).await, "sync unanswered");
        });
    }
    set.join_all().await;
    started.elapsed()
}

/// The logs of `convs`, straight from the node's store.
async fn logs_of(store: &dyn Store, convs: &[String]) -> HashMap<String, Vec<LogEntry>> {
    let mut logs = HashMap::new();
    for conv in convs {
        let id = ConvId::parse(conv).expect("conversation id");
        let messages = store.messages_after(&id, 0, 5000).await.expect("log");
        let log = messages.into_iter().map(|m| LogEntry {
            seq: m.seq,
            cid: m.cid,
            from: m.from.id,
        });
        logs.insert(conv.clone(), log.collect());
    }
    logs
}
