//! Complaint records: the chat's agent records cause, what was done, compensation, status
//! and a call-back time; a later save replaces it; a supervisor reads it; the customer card
//! of her next chat shows where it stands. Bad bodies change nothing; nobody else may read
//! or write it (another agent, the shopper, another shop's staff, no token).

mod common;

use common::*;
use qin_testkit::{HttpResponse, http};
use serde_json::{Value, json};
use std::net::SocketAddr;

async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> HttpResponse {
    http(&addr.to_string(), method, path, token, body).await
}

#[tokio::test]
async fn a_complaint_is_recorded_by_its_agent_and_read_by_staff_only() {
    let (node, addr) = embedded(two_shops_config()).await;
    let (mut anhong, _) = online_agent(addr, "anhong").await;
    let (mut her, welcome) = shopper(addr, None).await;
    let conv = open(&mut her, "lady").await;
    conversation_state(&mut her, &conv, "assigned").await;
    anhong.recv_type("assigned").await;
    let anhong_token = login(addr, "anhong").await;
    let path = format!("/api/conversations/{conv}/complaint");

    let none = call(addr, "GET", &path, Some(&anhong_token), None).await;
    assert_eq!(
        (none.status, none.json()),
        (200, Value::Null),
        "none recorded yet"
    );
    let open_case = json!({"cause": "快递破损", "resolution": "补发一瓶",
        "compensation": "20 元优惠券", "status": "open", "follow_up_due": 1_796_600_000_000_i64});
    let res = call(addr, "PUT", &path, Some(&anhong_token), Some(&open_case)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let saved = res.json();
    assert_eq!(saved["by"]["name"], "安红");
    assert_eq!(saved["status"], "open");

    // Bad bodies are refused and change nothing.
    for (body, status) in [
        (json!({"cause": " ", "status": "open"}), 400),
        (json!({"cause": "破损", "status": "resolved"}), 400), // resolved says what was done
        (json!({"cause": "破损", "status": "lost"}), 400),
        (
            json!({"cause": "破损", "status": "open", "follow_up_due": -5}),
            400,
        ),
        (json!({"cause": "破损", "status": "open", "extra": 1}), 400),
        (json!({"cause": "长".repeat(4001), "status": "open"}), 413),
    ] {
        let res = call(addr, "PUT", &path, Some(&anhong_token), Some(&body)).await;
        assert_eq!(res.status, status, "{body}: {}", res.body);
    }
    let kept = call(addr, "GET", &path, Some(&anhong_token), None)
        .await
        .json();
    assert_eq!(kept, saved, "unchanged");

    // Nobody else, reading or writing.
    let xiaoya = login(addr, "xiaoya").await;
    let her_token = welcome["token"].as_str().unwrap().to_owned();
    let other_staff = other_shop_login(addr, "anhong").await;
    for (who, token, status) in [
        ("another agent", Some(xiaoya.as_str()), 403),
        ("the shopper", Some(her_token.as_str()), 403),
        ("another shop's agent", Some(other_staff.as_str()), 403),
        ("no token", None, 401),
    ] {
        let read = call(addr, "GET", &path, token, None).await;
        assert_eq!(read.status, status, "{who} reads: {}", read.body);
        let write = call(addr, "PUT", &path, token, Some(&open_case)).await;
        assert_eq!(write.status, status, "{who} writes: {}", write.body);
    }

    // Closed, then resolved by her agent; a supervisor reads it; her next chat's card shows it.
    anhong
        .send(json!({"type": "close", "conv": conv, "disposition": "投诉"}))
        .await;
    conversation_state(&mut her, &conv, "closed").await;
    let resolved =
        json!({"cause": "快递破损", "resolution": "补发一瓶，已签收", "status": "resolved"});
    let res = call(addr, "PUT", &path, Some(&anhong_token), Some(&resolved)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let boss = login(addr, "zhuguan").await;
    let read = call(addr, "GET", &path, Some(&boss), None).await.json();
    assert_eq!(
        (&read["status"], &read["resolution"], &read["compensation"]),
        (&json!("resolved"), &json!("补发一瓶，已签收"), &Value::Null)
    );
    let next = open(&mut her, "lady").await;
    conversation_state(&mut her, &next, "assigned").await;
    let card_path = format!("/api/conversations/{next}/customer");
    let card = call(addr, "GET", &card_path, Some(&anhong_token), None)
        .await
        .json();
    assert_eq!(card["past"][0]["complaint"], "resolved", "{card}");
    assert!(
        !her.received(|f| f.to_string().contains("破损")),
        "never to the shopper"
    );
    node.stop().await;
}
