//! Scale-out over a real Redis (a private `redis-server` per test): two gateways and a
//! router + auto-reply node; the shopper and the agent sit on different gateways.

mod common;

use common::*;
use qin::Backend;
use qin_testkit::{RedisServer, unique_prefix};
use serde_json::json;
use std::collections::BTreeSet;

fn redis_backend(redis: &RedisServer) -> Backend {
    Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    }
}

#[tokio::test]
async fn shopper_and_agent_on_different_gateways_chat_over_redis() {
    let redis = RedisServer::start();
    let backend = redis_backend(&redis);
    let workers = start(demo_config(), "router,autoreply", backend.clone()).await;
    let gw1 = start(demo_config(), "gateway", backend.clone()).await;
    let gw2 = start(demo_config(), "gateway", backend).await;
    let (addr1, addr2) = (gw1.addr.unwrap(), gw2.addr.unwrap());

    // The agent logs in on gateway 2, the shopper chats on gateway 1.
    let (mut agent, _) = online_agent(addr2, "shasha").await;
    let (mut shopper, welcome) = shopper(addr1, None).await;
    let fresh = &welcome["groups"][2];
    assert_eq!(fresh["id"], "fresh");
    let conv = open(&mut shopper, "fresh").await;
    let assigned = conversation_state(&mut shopper, &conv, "assigned").await;
    assert_eq!(assigned["agent"]["name"], "沙沙");
    shopper
        .recv_where(|f| f["type"] == "message" && f["cid"] == "auto:greeting")
        .await
        .expect("greeting over Redis");
    assert_eq!(agent.recv_type("assigned").await["conv"], conv.as_str());

    let seq = shopper.send_message(&conv, "s1", "包邮吗？").await;
    assert_eq!(agent.recv_message(&conv, "包邮吗？").await["seq"], seq);
    let reply = agent.send_message(&conv, "a1", "亲，满99包邮哦").await;
    assert_eq!(
        shopper.recv_message(&conv, "亲，满99包邮哦").await["seq"],
        reply
    );
    // A retried send through the other gateway is still one message.
    assert_eq!(shopper.send_message(&conv, "s1", "包邮吗？").await, seq);

    // Both sides write at once through different gateways: one gap-free log.
    let (a, b) = tokio::join!(
        async {
            let mut seqs = Vec::new();
            for i in 0..20 {
                seqs.push(
                    shopper
                        .send_message(&conv, &format!("sb{i}"), &format!("s{i}"))
                        .await,
                );
            }
            seqs
        },
        async {
            let mut seqs = Vec::new();
            for i in 0..20 {
                seqs.push(
                    agent
                        .send_message(&conv, &format!("ab{i}"), &format!("a{i}"))
                        .await,
                );
            }
            seqs
        }
    );
    let all: BTreeSet<u64> = a.iter().chain(&b).copied().collect();
    assert_eq!(all.len(), 40, "no seq given twice");
    agent
        .send(json!({"type": "sync", "conv": conv, "after": 0}))
        .await;
    let synced = agent.recv_type("synced").await;
    let last = synced["upto"].as_u64().unwrap();
    assert!(all.iter().all(|s| *s <= last));
    assert_eq!(synced["recovered"], true);

    // The agent closes the chat on gateway 2: the shopper, who has been sending on gateway 1
    // all along, can send no more, and nothing is stored.
    agent.send(json!({"type": "close", "conv": conv})).await;
    conversation_state(&mut shopper, &conv, "closed").await;
    shopper
        .send(
            json!({"type": "send", "conv": conv, "cid": "late", "kind": "text", "body": "还在吗"}),
        )
        .await;
    assert!(
        error_code(&mut shopper, "conflict").await["message"]
            .as_str()
            .unwrap()
            .contains("closed")
    );
    shopper
        .send(json!({"type": "sync", "conv": conv, "after": last}))
        .await;
    assert_eq!(shopper.recv_type("synced").await["upto"], last);
    for node in [gw1, gw2, workers] {
        node.stop().await;
    }
}

#[tokio::test]
async fn a_chat_opened_while_no_router_runs_is_assigned_when_one_starts() {
    let redis = RedisServer::start();
    let backend = redis_backend(&redis);
    let gw = start(demo_config(), "gateway", backend.clone()).await;
    let addr = gw.addr.unwrap();
    let (mut agent, _) = online_agent(addr, "fengzi").await;
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "zany").await;

    let workers = start(demo_config(), "router,autoreply", backend).await;
    conversation_state(&mut shopper, &conv, "assigned").await;
    assert_eq!(agent.recv_type("assigned").await["conv"], conv.as_str());
    gw.stop().await;
    workers.stop().await;
}

#[tokio::test]
async fn redis_gateways_share_one_port_embedded_ones_do_not() {
    let redis = RedisServer::start();
    let backend = redis_backend(&redis);
    let gw1 = start(demo_config(), "gateway", backend.clone()).await;
    let addr = gw1.addr.unwrap();
    let on_same_port = |backend: Backend| {
        qin::Node::start(qin::NodeOptions {
            config: demo_config(),
            roles: "gateway".parse().expect("roles"),
            backend,
            listen: addr.to_string(),
            config_file: None,
        })
    };
    let gw2 = on_same_port(backend)
        .await
        .expect("a second gateway shares the port");
    assert_eq!(gw2.addr, Some(addr));
    // Whichever process the kernel picks answers.
    let (_shopper, welcome) = shopper(addr, None).await;
    assert_eq!(welcome["shop"], "afu");

    let embedded = on_same_port(Backend::memory()).await;
    assert!(embedded.is_err(), "an embedded node must not share a port");
    gw2.stop().await;
    gw1.stop().await;
}
