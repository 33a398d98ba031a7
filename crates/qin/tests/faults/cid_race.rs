//! The same `cid` sent three times at once through two gateways (one shopper, three sockets):
//! exactly one stored message, the same `seq` in every ack, delivered once to each socket.

use crate::common::start;
use crate::setup::*;
use qin::Backend;
use qin_testkit::{ChatParty, RedisServer, unique_prefix};
use std::time::Instant;

const ROUNDS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cid_racing_through_two_gateways_is_stored_once() {
    let _serial = serial().await;
    let started = Instant::now();
    let redis = RedisServer::start();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    };
    let config = config(1, 5, 1024);
    let workers = start(config.clone(), "router,autoreply", backend.clone()).await;
    let gw1 = start(config.clone(), "gateway", backend.clone()).await;
    let gw2 = start(config, "gateway", backend).await;
    let (a, b) = (gw1.addr.expect("gateway 1"), gw2.addr.expect("gateway 2"));

    let first = ChatParty::connected_shopper(a, SHOP).await;
    let conv = first.open(GROUP).await;
    let token = first.token();
    let second = ChatParty::shopper(SHOP, token.clone());
    second.connect(b).await.expect("second socket");
    let third = ChatParty::shopper(SHOP, token);
    third.connect(a).await.expect("third socket");
    let sockets = [first, second, third];
    for socket in &sockets {
        assert!(socket.wait_synced(qin_testkit::WAIT).await);
        assert_eq!(socket.conversations(), std::slice::from_ref(&conv));
    }

    // Each socket sends every round's cid; the three copies of a round race each other.
    for round in 0..ROUNDS {
        for socket in &sockets {
            socket.send_cid(&conv, &format!("race-{round}"), &format!("第{round}条"));
        }
    }
    let acked = all_acked(&sockets).await;
    let mismatched = (0..ROUNDS)
        .filter(|round| {
            let cid = format!("race-{round}");
            let seqs: Vec<_> = sockets.iter().map(|s| s.acked(&cid)).collect();
            seqs[0].is_none() || seqs.iter().any(|s| *s != seqs[0])
        })
        .count();
    let chats = [(sockets[0].clone(), conv.clone())];
    let logs = logs_via_rest(a, &chats).await;
    let complete = all_hold(&sockets, &logs).await;
    let mut counters = tally(&sockets, &logs);
    counters.duplicated += mismatched as u64;
    let stored = logs[&conv]
        .iter()
        .filter(|e| e.cid.starts_with("race-"))
        .count();
    println!(
        "cid race: {ROUNDS} cids x 3 sockets on 2 gateways; {stored} stored, {mismatched} with differing acks; \
         {} message frames received by the sockets (live, and replayed by their first sync)",
        sockets
            .iter()
            .map(ChatParty::frames_this_connection)
            .sum::<u64>()
    );
    println!("cid race: {counters}; total {:?}", started.elapsed());
    for node in [gw1, gw2, workers] {
        node.stop().await;
    }
    assert!(acked && complete, "not every send was acked and delivered");
    assert_eq!(stored, ROUNDS);
    assert!(counters.is_clean(), "{counters}");
}
