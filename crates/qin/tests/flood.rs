//! Flood control: a script making fresh shopper identities from one address, and opening
//! chats with them, is held to `[limits]` per address and per shop, with `rate_limited` and
//! nothing stored, while a shopper on another address, or one who comes back with her token,
//! gets in as usual.

mod common;

use common::*;
use qin_testkit::{WsClient, eventually, http};
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};

/// A widget connected from `from` that said hello (with `token`, if any): the first answer.
async fn hello_from(addr: SocketAddr, from: &str, token: Option<&str>) -> (WsClient, Value) {
    let from: IpAddr = from.parse().expect("address");
    let mut ws = WsClient::connect_from(&format!("ws://{addr}/ws/shopper"), from).await;
    ws.send(json!({"type": "hello", "shop": "afu", "token": token}))
        .await;
    let answer = ws
        .recv_where(|f| f["type"] == "welcome" || f["type"] == "error")
        .await
        .expect("an answer to hello");
    (ws, answer)
}

/// Asks to open a chat in 淑女组: the `conversation` or `error` frame.
async fn try_open(ws: &mut WsClient) -> Value {
    ws.send(json!({"type": "open", "group": "lady"})).await;
    ws.recv_where(|f| f["type"] == "conversation" || f["type"] == "error")
        .await
        .expect("an answer to open")
}

/// Waits until `n` chats wait in 淑女组, as the supervisors' overview tells.
async fn waiting(addr: SocketAddr, boss: &str, n: u64) {
    eventually(&format!("{n} chats waiting"), async || {
        let res = http(
            &addr.to_string(),
            "GET",
            "/api/shops/afu/groups",
            Some(boss),
            None,
        )
        .await;
        let now = res.json()["groups"][0]["waiting"].as_u64();
        if now == Some(n) {
            Ok(())
        } else {
            Err(format!("{now:?}"))
        }
    })
    .await;
}

#[tokio::test]
async fn fresh_identities_and_chats_from_one_address_are_held_to_the_limits() {
    let mut config = demo_config();
    config.limits.new_visitors_per_address = 4;
    config.limits.chats_per_address = 3;
    config.limits.chats_per_shop = 5;
    let (node, addr) = embedded(config).await;
    let boss = login(addr, "zhuguan").await;

    // The script: fresh identities from 127.0.0.2 until refused.
    let mut bots = Vec::new();
    for n in 0..4 {
        let (ws, welcome) = hello_from(addr, "127.0.0.2", None).await;
        assert_eq!(welcome["type"], "welcome", "identity {n}: {welcome}");
        bots.push((ws, welcome["token"].as_str().expect("token").to_owned()));
    }
    let (mut refused_ws, refused) = hello_from(addr, "127.0.0.2", None).await;
    assert_eq!(
        (&refused["code"], &refused["ref"]),
        (&json!("rate_limited"), &json!("hello")),
        "{refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or("")
            .contains("try again in"),
        "{refused}"
    );
    // The socket stays open and refuses everything but another hello.
    try_open(&mut refused_ws).await;

    // One of them coming back with her token is no new identity.
    let (mut back, welcome) = hello_from(addr, "127.0.0.2", Some(&bots[0].1)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");

    // Chats from that address: three, then refused, and the queue holds only the three.
    for (ws, _) in bots.iter_mut().take(3) {
        let opened = try_open(ws).await;
        assert_eq!(opened["type"], "conversation", "{opened}");
    }
    let over = try_open(&mut back).await;
    assert_eq!(over["code"], "rate_limited", "{over}");
    assert!(
        over["message"]
            .as_str()
            .unwrap_or("")
            .contains("your network")
    );
    waiting(addr, &boss, 3).await;

    // A shopper on another address opens hers as usual; the shop's own limit (5) then
    // holds for everyone.
    let (mut real, _) = hello_from(addr, "127.0.0.3", None).await;
    assert_eq!(try_open(&mut real).await["type"], "conversation");
    let (mut second, _) = hello_from(addr, "127.0.0.4", None).await;
    assert_eq!(try_open(&mut second).await["type"], "conversation");
    let (mut third, _) = hello_from(addr, "127.0.0.5", None).await;
    let over = try_open(&mut third).await;
    assert_eq!(over["code"], "rate_limited", "{over}");
    assert!(over["message"].as_str().unwrap_or("").contains("this shop"));
    waiting(addr, &boss, 5).await;
    // Nothing was stored for the refused: each shopper's chats are the ones she was given.
    let (_again, welcome) = hello_from(addr, "127.0.0.2", Some(&bots[0].1)).await;
    assert_eq!(welcome["conversations"].as_array().map(Vec::len), Some(1));
    node.stop().await;
}
