//! Closing with a disposition: the shop's list reaches the console at `welcome`, an agent
//! closes a chat with one of them (one is required where the shop says so), anything else is
//! refused and the chat stays open, and supervisors read it with the chat's routing.

mod common;

use common::*;
use qin_testkit::{WsClient, http};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// A chat of a new shopper, assigned to `anhong` (online); her console and the chat's id.
async fn assigned_chat(addr: SocketAddr) -> (WsClient, Value, WsClient, String) {
    let (mut anhong, welcome) = online_agent(addr, "anhong").await;
    let (mut shopper_ws, _) = shopper(addr, None).await;
    let conv = open(&mut shopper_ws, "lady").await;
    conversation_state(&mut shopper_ws, &conv, "assigned").await;
    anhong.recv_type("assigned").await;
    (anhong, welcome, shopper_ws, conv)
}

/// The `close` of `conv` with `extra` fields is refused with `bad_frame`.
async fn refused(ws: &mut WsClient, conv: &str, extra: Value) -> Value {
    let mut frame = json!({"type": "close", "conv": conv});
    frame
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    ws.send(frame).await;
    let e = error_code(ws, "bad_frame").await;
    assert_eq!(e["ref"], "close", "{e}");
    e
}

/// The chat's record as a supervisor reads it.
async fn routing(addr: SocketAddr, conv: &str) -> Value {
    let boss = login(addr, "zhuguan").await;
    let path = format!("/api/conversations/{conv}/routing");
    let res = http(&addr.to_string(), "GET", &path, Some(&boss), None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn an_agent_closes_with_one_of_the_shops_dispositions() {
    let (node, addr) = embedded(demo_config()).await;
    let (mut anhong, welcome, mut shopper_ws, conv) = assigned_chat(addr).await;
    assert_eq!(
        welcome["dispositions"],
        json!(["咨询", "物流", "售后", "退换货", "投诉"])
    );
    assert!(welcome.get("disposition_required").is_none(), "{welcome}");

    let e = refused(&mut anhong, &conv, json!({"disposition": "闲聊"})).await;
    assert!(e["message"].as_str().unwrap().contains("物流"), "{e}");
    refused(&mut anhong, &conv, json!({"disposition": ""})).await;
    assert_eq!(
        routing(addr, &conv).await["state"],
        "assigned",
        "still open"
    );

    anhong
        .send(json!({"type": "close", "conv": conv, "disposition": "物流"}))
        .await;
    conversation_state(&mut shopper_ws, &conv, "closed").await;
    let record = routing(addr, &conv).await;
    assert_eq!(
        (&record["state"], &record["disposition"]),
        (&json!("closed"), &json!("物流"))
    );
    node.stop().await;
}

#[tokio::test]
async fn a_shop_can_require_a_disposition_and_shoppers_give_none() {
    let mut config = demo_config();
    config.shops[0].disposition_required = true;
    let (node, addr) = embedded(config).await;
    let (mut anhong, welcome, mut shopper_ws, conv) = assigned_chat(addr).await;
    assert_eq!(welcome["disposition_required"], true);

    let e = refused(&mut anhong, &conv, json!({})).await;
    assert!(e["message"].as_str().unwrap().contains("choose"), "{e}");
    anhong
        .send(json!({"type": "close", "conv": conv, "disposition": "投诉"}))
        .await;
    conversation_state(&mut shopper_ws, &conv, "closed").await;
    assert_eq!(routing(addr, &conv).await["disposition"], "投诉");

    // A shopper closes her own chat without one; what she sends as one is not kept.
    let (mut other, _) = shopper(addr, None).await;
    let mine = open(&mut other, "lady").await;
    anhong.recv_type("assigned").await;
    other
        .send(json!({"type": "close", "conv": mine, "disposition": "投诉"}))
        .await;
    conversation_state(&mut other, &mine, "closed").await;
    assert!(routing(addr, &mine).await.get("disposition").is_none());
    node.stop().await;
}
