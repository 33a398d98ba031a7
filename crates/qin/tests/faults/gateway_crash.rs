//! Two gateway processes at about 1,000 messages a second over 200 chats, and one of them
//! killed with `kill -9`: its clients reconnect to the other, sync from their last `seq`,
//! resend what was not acked, and end up with every message of their chat once, in order.

use crate::setup::*;
use qin_testkit::{ChatParty, QinProcess, RedisServer, TempDir, WAIT, eventually, unique_prefix};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const CHATS: usize = 200;
const AGENTS: usize = 10;
/// Messages per 10 ms tick: 1,000 a second.
const PER_TICK: usize = 10;
const TRAFFIC: Duration = Duration::from_secs(3);
const KILL_AT: Duration = Duration::from_millis(1200);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_gateway_mid_traffic_loses_nothing() {
    let _serial = serial().await;
    let started = Instant::now();
    let redis = RedisServer::start();
    let prefix = unique_prefix();
    let dir = TempDir::new("gateway-crash");
    let file = dir.write("qin.toml", &config_text(AGENTS, 25, 1024));
    let serve = |roles| QinProcess::serve(&qin_bin(), &file, roles, Some(&redis.url()), &prefix);
    let _workers = serve("router,autoreply");
    let mut doomed = serve("gateway");
    let survivor = serve("gateway");
    let (a, b) = (doomed.wait_ready().await, survivor.wait_ready().await);

    // Agents alternate between the gateways; every shopper is on the one that will die.
    let agents = agents_online(&[a, b], 0..AGENTS).await;
    wait_router_sees(b, AGENTS as u64).await;
    let chats = shoppers_with_chats(a, CHATS, 100).await;
    let pairs = pair_up(&chats, &agents).await;
    let on_a: Vec<ChatParty> = chats
        .iter()
        .map(|(s, _)| s.clone())
        .chain(agents.iter().step_by(2).cloned())
        .collect();
    let setup = started.elapsed();

    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let mut reconnects = JoinSet::new();
    let traffic = Instant::now();
    let mut sent = 0;
    while traffic.elapsed() < TRAFFIC {
        tick.tick().await;
        for _ in 0..PER_TICK {
            send_nth(&pairs, sent);
            sent += 1;
        }
        if traffic.elapsed() >= KILL_AT && reconnects.is_empty() {
            doomed.kill();
            for party in &on_a {
                reconnects.spawn(resume_on(party.clone(), b));
            }
        }
    }
    let traffic = traffic.elapsed();
    let codes: Vec<u16> = reconnects.join_all().await;

    let mut parties: Vec<ChatParty> = chats.iter().map(|(s, _)| s.clone()).collect();
    parties.extend(agents.iter().cloned());
    let acked = all_acked(&parties).await;
    let logs = logs_via_rest(b, &chats).await;
    let complete = all_hold(&parties, &logs).await;
    let counters = tally(&parties, &logs);
    let stored: usize = logs.values().map(Vec::len).sum();
    println!(
        "gateway crash: {sent} messages over {CHATS} chats in {traffic:?}, gateway killed at {KILL_AT:?}; \
         {} clients resumed on the other gateway (their old sockets ended with {:?}); {stored} messages stored",
        codes.len(),
        codes.iter().collect::<std::collections::BTreeSet<_>>(),
    );
    println!("gateway crash: {}", recovery_report(&parties));
    println!(
        "gateway crash: {counters}; setup {setup:?}, total {:?}",
        started.elapsed()
    );
    assert!(
        acked && complete,
        "not every message was acked and delivered"
    );
    assert!(counters.is_clean(), "{counters}");
}

/// What a client of the killed gateway does: notice the connection died, reconnect to the
/// other gateway (hello with its token, sync, resend unacked). Returns the old close code.
async fn resume_on(party: ChatParty, addr: SocketAddr) -> u16 {
    let code = party
        .wait_closed(WAIT)
        .await
        .expect("connection to the killed gateway ends");
    let again = party.clone();
    eventually("reconnected to the other gateway", async move || {
        again.connect(addr).await
    })
    .await;
    assert!(
        party.wait_synced(WAIT).await,
        "sync after reconnecting unanswered"
    );
    code
}
