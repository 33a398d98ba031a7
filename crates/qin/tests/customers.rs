//! The customer in front of an agent: her earlier chats (agent, group, disposition, rating),
//! whom she follows, and any earlier transcript with its notes, read-only. Only the chat's
//! agent and the shop's supervisors may look; nobody else (another agent, a shopper, another
//! shop's staff, no token).

mod common;

use common::*;
use qin_testkit::{HttpResponse, WsClient, http};
use serde_json::json;
use std::net::SocketAddr;

async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> HttpResponse {
    http(&addr.to_string(), "GET", path, token, None).await
}

/// A chat of `shopper_ws` in 淑女组 taken by `anhong`'s console; its id.
async fn chat_with_anhong(shopper_ws: &mut WsClient, anhong: &mut WsClient) -> String {
    let conv = open(shopper_ws, "lady").await;
    conversation_state(shopper_ws, &conv, "assigned").await;
    anhong
        .recv_where(|f| f["type"] == "assigned" && f["conv"] == conv.as_str())
        .await
        .expect("anhong gets the chat");
    conv
}

#[tokio::test]
async fn a_returning_shoppers_past_chats_are_shown_to_her_agent_only() {
    let (node, addr) = embedded(two_shops_config()).await;
    let (mut anhong, _) = online_agent(addr, "anhong").await;
    let (mut her, welcome) = shopper(addr, None).await;
    let her_token = welcome["token"].as_str().unwrap().to_owned();

    // Her first visit: a shipping question, a note, closed as 物流, rated 5; she follows 安红.
    let first = chat_with_anhong(&mut her, &mut anhong).await;
    her.send_message(&first, "q1", "快递到哪了？").await;
    anhong
        .send(json!({"type": "note", "conv": first, "text": "快递丢件，已补发"}))
        .await;
    anhong
        .recv_where(|f| f["type"] == "note")
        .await
        .expect("note kept");
    anhong
        .send(json!({"type": "close", "conv": first, "disposition": "物流"}))
        .await;
    conversation_state(&mut her, &first, "closed").await;
    her.send(json!({"type": "rate", "conv": first, "score": 5}))
        .await;
    her.send(json!({"type": "follow", "agent": handle_of("anhong")}))
        .await;
    her.recv_type("following").await;

    // She comes back.
    let (mut back, _) = shopper(addr, Some(&her_token)).await;
    let second = chat_with_anhong(&mut back, &mut anhong).await;
    let anhong_token = login(addr, "anhong").await;
    let path = format!("/api/conversations/{second}/customer");
    let res = get(addr, &path, Some(&anhong_token)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let card = res.json();
    assert_eq!(card["shopper"]["id"], welcome["visitor_id"]);
    assert_eq!(card["chats"], 2);
    assert_eq!(card["following"], json!(["安红"]));
    let past = card["past"].as_array().expect("past chats");
    assert_eq!(past.len(), 1, "{card}");
    assert_eq!(past[0]["conv"], first.as_str());
    assert_eq!(
        (
            &past[0]["agent"],
            &past[0]["group_name"],
            &past[0]["disposition"]
        ),
        (&json!("安红"), &json!("淑女组"), &json!("物流"))
    );
    assert_eq!(past[0]["rating"], 5);
    assert!(card["first_seen"].as_i64() <= card["last_seen"].as_i64());

    // The earlier transcript, with its note.
    let transcript_path = format!("/api/conversations/{second}/customer/chats/{first}");
    let res = get(addr, &transcript_path, Some(&anhong_token)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let transcript = res.json();
    assert!(
        transcript["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "快递到哪了？"),
        "{transcript}"
    );
    assert_eq!(transcript["notes"][0]["text"], "快递丢件，已补发");

    // A supervisor of the shop may look too.
    let boss = login(addr, "zhuguan").await;
    assert_eq!(get(addr, &path, Some(&boss)).await.status, 200);

    // Nobody else: another agent, the shopper herself, another shop's staff, no token.
    let xiaoya = login(addr, "xiaoya").await;
    let other_staff = other_shop_login(addr, "anhong").await;
    for (who, token, status) in [
        ("another agent", Some(xiaoya.as_str()), 403),
        ("the shopper", Some(her_token.as_str()), 403),
        ("another shop's agent", Some(other_staff.as_str()), 403),
        ("no token", None, 401),
    ] {
        for p in [&path, &transcript_path] {
            let res = get(addr, p, token).await;
            assert_eq!(res.status, status, "{who} on {p}: {}", res.body);
        }
    }

    // Only chats of the same shopper: someone else's chat is not hers (404), nor is a
    // chat that does not exist.
    let (mut stranger, _) = shopper(addr, None).await;
    let theirs = open(&mut stranger, "fresh").await;
    for past in [theirs.as_str(), "cNoSuchChat"] {
        let p = format!("/api/conversations/{second}/customer/chats/{past}");
        assert_eq!(
            get(addr, &p, Some(&anhong_token)).await.status,
            404,
            "{past}"
        );
    }
    let unknown = get(addr, "/api/conversations/cNoSuchChat/customer", Some(&boss)).await;
    assert_eq!(unknown.status, 404);

    // Notes about her: kept with who and when, in her card for every later chat; checked
    // and refused like every note; the same callers only.
    let notes_path = format!("/api/conversations/{second}/customer/notes");
    let post = |token: Option<String>, body: serde_json::Value| {
        let path = notes_path.clone();
        async move {
            http(
                &addr.to_string(),
                "POST",
                &path,
                token.as_deref(),
                Some(&body),
            )
            .await
        }
    };
    let res = post(
        Some(anhong_token.clone()),
        json!({"text": "偏爱玫瑰精油，发顺丰"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["by"]["name"], "安红");
    let card = get(addr, &path, Some(&boss)).await.json();
    assert_eq!(card["notes"][0]["text"], "偏爱玫瑰精油，发顺丰", "{card}");
    assert!(card["notes"][0]["at"].as_i64().is_some());
    for (body, status) in [
        (json!({"text": "   "}), 400),
        (json!({"text": "长".repeat(4001)}), 413),
        (json!({"note": "wrong field"}), 400),
    ] {
        let res = post(Some(anhong_token.clone()), body.clone()).await;
        assert_eq!(res.status, status, "{body}: {}", res.body);
    }
    for (who, token, status) in [
        ("another agent", Some(xiaoya.clone()), 403),
        ("the shopper", Some(her_token.clone()), 403),
        ("another shop's agent", Some(other_staff.clone()), 403),
        ("no token", None, 401),
    ] {
        let res = post(token, json!({"text": "x"})).await;
        assert_eq!(res.status, status, "{who}: {}", res.body);
    }
    let card = get(addr, &path, Some(&anhong_token)).await.json();
    assert_eq!(
        card["notes"].as_array().unwrap().len(),
        1,
        "nothing else kept"
    );
    // The shopper's own socket never hears of it.
    assert!(!back.received(|f| f.to_string().contains("玫瑰")));
    node.stop().await;
}
