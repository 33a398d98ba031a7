//! Live delivery repairs itself: messages the bus lost reach the parties from the log within
//! seconds, without a reconnect, and without duplicates or reordering.

mod common;

use common::*;
use qin::Backend;
use qin_bus::MemoryBus;
use qin_proto::{ConvId, MessageKind, Party, Role};
use qin_store::{MemoryStore, NewMessage, Store};
use qin_testkit::{RedisServer, WsClient, eventually, http, unique_prefix};
use serde_json::{Value, json};
use std::sync::Arc;

/// Appends a message straight to the log without publishing it: a lost live delivery.
async fn append_unpublished(store: &dyn Store, conv: &str, body: &str) -> u64 {
    let conv = ConvId::parse(conv).unwrap();
    let from = Party {
        role: Role::Agent,
        id: "anhong".into(),
        name: "安红".into(),
    };
    let message = NewMessage {
        cid: format!("lost-{body}"),
        from,
        kind: MessageKind::Text,
        body: body.into(),
        ts: 0,
    };
    store.append(&conv, message).await.unwrap().message.seq
}

async fn seqs_of(ws: &mut WsClient, conv: &str, bodies: &[&str]) -> Vec<u64> {
    let mut seqs = Vec::new();
    for body in bodies {
        seqs.push(ws.recv_message(conv, body).await["seq"].as_u64().unwrap());
    }
    seqs
}

#[tokio::test]
async fn a_message_the_bus_lost_is_delivered_before_the_next_one() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let backend = Backend::Memory {
        store: store.clone(),
        bus: Arc::new(MemoryBus::new()),
    };
    let node = start(demo_config(), "gateway,router,autoreply", backend).await;
    let addr = node.addr.unwrap();
    let (mut agent, _) = online_agent(addr, "anhong").await;
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "lady").await;
    agent.recv_type("assigned").await;
    shopper.send_message(&conv, "s1", "在吗").await;

    let lost = append_unpublished(&*store, &conv, "这条丢了").await;
    let next = agent.send_message(&conv, "a2", "这条正常").await;
    assert_eq!(next, lost + 1);
    let seqs = seqs_of(&mut shopper, &conv, &["这条丢了", "这条正常"]).await;
    assert_eq!(seqs, [lost, next]);
    assert!(!shopper.received(|f: &Value| f["type"] == "message" && f["seq"] == lost));
    node.stop().await;
}

#[tokio::test]
async fn a_lost_last_message_arrives_after_a_quiet_spell() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let backend = Backend::Memory {
        store: store.clone(),
        bus: Arc::new(MemoryBus::new()),
    };
    let node = start(demo_config(), "gateway,router,autoreply", backend).await;
    let addr = node.addr.unwrap();
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "bold").await;
    shopper.send_message(&conv, "s1", "有人吗").await;
    shopper.recv_message(&conv, "有人吗").await;
    let lost = append_unpublished(&*store, &conv, "最后一条丢了").await;
    let got = shopper.recv_message(&conv, "最后一条丢了").await;
    assert_eq!(got["seq"], lost);
    node.stop().await;
}

#[tokio::test]
async fn killing_the_gateways_pubsub_connections_loses_nothing() {
    let redis = RedisServer::start();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    };
    let mut config = demo_config();
    config.limits.frames_per_s = 10_000;
    config.limits.frame_burst = 10_000;
    let workers = start(config.clone(), "router,autoreply", backend.clone()).await;
    let gw1 = start(config.clone(), "gateway", backend.clone()).await;
    let gw2 = start(config, "gateway", backend).await;
    let (mut agent, _) = online_agent(gw2.addr.unwrap(), "anhong").await;
    let (mut shopper, _) = shopper(gw1.addr.unwrap(), None).await;
    let conv = open(&mut shopper, "lady").await;
    agent.recv_type("assigned").await;

    let url = redis.url();
    let killer = tokio::spawn(async move {
        let client = redis::Client::open(url).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut kills = 0;
        for _ in 0..10 {
            let killed: i64 = redis::cmd("CLIENT")
                .arg("KILL")
                .arg("TYPE")
                .arg("pubsub")
                .query_async(&mut conn)
                .await
                .unwrap_or(0);
            kills += killed;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        kills
    });
    let total = 150;
    let mut sent = Vec::new();
    for i in 0..total {
        sent.push(
            shopper
                .send_message(&conv, &format!("k{i}"), &format!("msg {i}"))
                .await,
        );
        if i % 15 == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    let kills = killer.await.unwrap();

    // The agent gets every message once, in order, without reconnecting or syncing.
    let (mut lost, mut duplicated, mut out_of_order) = (0, 0, 0);
    let mut last = 0;
    let mut seen = std::collections::HashSet::new();
    for (i, seq) in sent.iter().enumerate() {
        let body = format!("msg {i}");
        match agent
            .recv_where(|f| f["type"] == "message" && f["body"] == body.as_str())
            .await
        {
            None => lost += 1,
            Some(m) => {
                let got = m["seq"].as_u64().unwrap();
                assert_eq!(got, *seq);
                if !seen.insert(got) {
                    duplicated += 1;
                }
                if got < last {
                    out_of_order += 1;
                }
                last = got;
            }
        }
    }
    duplicated += sent
        .iter()
        .filter(|s| agent.received(|f| f["type"] == "message" && f["seq"] == **s))
        .count();
    println!(
        "pubsub kills: {kills}, sent: {total}, lost: {lost}, duplicated: {duplicated}, out of order: {out_of_order}"
    );
    assert!(kills > 0, "the test killed no pub/sub connection");
    assert_eq!((lost, duplicated, out_of_order), (0, 0, 0));
    for node in [gw1, gw2, workers] {
        node.stop().await;
    }
}

#[tokio::test]
async fn while_redis_is_down_sends_fail_clearly_and_a_retry_succeeds_after() {
    let mut redis = RedisServer::start_persistent();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    };
    let node = start(demo_config(), "gateway,router,autoreply", backend).await;
    let addr = node.addr.unwrap();
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "zany").await;
    // Let the bot's greeting and away message take their seqs first.
    shopper
        .recv_where(|f| f["cid"] == "auto:away")
        .await
        .expect("away message");
    let first = shopper.send_message(&conv, "d1", "一").await;

    redis.kill();
    let readyz = http(&addr.to_string(), "GET", "/readyz", None, None).await;
    assert_eq!(readyz.status, 503, "{}", readyz.body);
    shopper
        .send(json!({"type": "send", "conv": conv, "cid": "d2", "kind": "text", "body": "二"}))
        .await;
    let err = shopper
        .recv_where(|f| f["type"] == "error" && f["ref"] == "d2")
        .await
        .expect("an error for the send");
    assert_eq!(err["code"], "unavailable");

    redis.restart();
    // The client retries with the same cid until it is acknowledged.
    let seq = eventually("an ack after Redis came back", async || {
        shopper
            .send(json!({"type": "send", "conv": conv, "cid": "d2", "kind": "text", "body": "二"}))
            .await;
        let answer = shopper
            .recv_where(|f| f["ref"] == "d2" || (f["type"] == "ack" && f["cid"] == "d2"))
            .await
            .expect("an answer");
        (answer["type"] == "ack").then(|| answer["seq"].as_u64().unwrap())
    })
    .await;
    assert_eq!(seq, first + 1, "nothing lost, nothing doubled");
    // The store answers again; the bus's pub/sub connection follows within its backoff.
    eventually("ready again after Redis came back", async || {
        http(&addr.to_string(), "GET", "/readyz", None, None)
            .await
            .status
            == 200
    })
    .await;
    node.stop().await;
}

#[tokio::test]
async fn a_log_the_store_lost_and_began_again_has_a_new_epoch() {
    let redis = RedisServer::start();
    let prefix = unique_prefix();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: prefix.clone(),
    };
    let node = start(demo_config(), "gateway", backend).await;
    let addr = node.addr.unwrap();
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "bold").await;
    let seq = shopper.send_message(&conv, "e1", "第一条").await;
    shopper
        .send(json!({"type": "sync", "conv": conv, "after": 0}))
        .await;
    let first = shopper.recv_type("synced").await;
    let epoch = first["epoch"].as_str().expect("an epoch").to_owned();

    // The store loses the log (e.g. a Redis restart without persistence of that key) and
    // the conversation goes on: seq 1 again, another first message.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut admin = client.get_multiplexed_async_connection().await.unwrap();
    let _: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}conv:{{{conv}}}:log"))
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(shopper.send_message(&conv, "e2", "重新开始").await, 1);

    shopper
        .send(json!({"type": "sync", "conv": conv, "after": seq, "epoch": epoch}))
        .await;
    let synced = shopper.recv_type("synced").await;
    assert_eq!(synced["recovered"], false);
    assert_eq!(synced["upto"], 0);
    assert_ne!(synced["epoch"], epoch.as_str());
    node.stop().await;
}
