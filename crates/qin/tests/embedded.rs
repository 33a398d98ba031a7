//! End to end in one process (the embedded default): a shopper and an agent chat over real
//! sockets; duplicates, foreign conversations, malformed frames and queues behave as documented.

mod common;

use common::*;
use qin_testkit::{WsClient, http};
use serde_json::json;

#[tokio::test]
async fn shopper_and_agent_chat_end_to_end() {
    let (node, addr) = embedded(demo_config()).await;
    let (mut agent, welcome) = online_agent(addr, "anhong").await;
    assert_eq!(welcome["agent"]["name"], "安红");
    assert_eq!(welcome["group_name"], "淑女组");
    let (mut shopper, welcome) = shopper(addr, None).await;
    let groups = welcome["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 4);
    assert_eq!(groups[0]["id"], "lady");
    assert_eq!(groups[0]["online"], 1, "anhong is online: {welcome}");

    let conv = open(&mut shopper, "lady").await;
    let assigned = conversation_state(&mut shopper, &conv, "assigned").await;
    assert_eq!(assigned["agent"]["id"], handle_of("anhong"));
    let greeting = shopper
        .recv_where(|f| f["type"] == "message" && f["from"]["role"] == "bot")
        .await
        .expect("the group's greeting");
    assert!(greeting["body"].as_str().unwrap().contains("淑女组"));

    let notice = agent.recv_type("assigned").await;
    assert_eq!(notice["conv"], conv.as_str());
    assert_eq!(notice["shopper"]["id"], welcome["visitor_id"]);

    let seq = shopper.send_message(&conv, "s1", "亲，发货了吗？").await;
    let got = agent.recv_message(&conv, "亲，发货了吗？").await;
    assert_eq!(got["seq"], seq);
    assert_eq!(got["from"]["role"], "shopper");
    let answer = shopper
        .recv_where(|f| {
            f["type"] == "message" && f["from"]["role"] == "bot" && f["seq"].as_u64() > Some(seq)
        })
        .await
        .expect("the shipping keyword answer");
    assert!(
        answer["body"].as_str().unwrap().contains("发货"),
        "{answer}"
    );

    agent
        .send(json!({"type": "typing", "conv": conv, "on": true}))
        .await;
    let typing = shopper.recv_type("typing").await;
    assert_eq!(typing["from"]["role"], "agent");
    let reply_seq = agent.send_message(&conv, "a1", "亲，今天就发～").await;
    let reply = shopper.recv_message(&conv, "亲，今天就发～").await;
    assert_eq!(reply["from"]["name"], "安红");
    assert!(reply_seq > seq);
    shopper
        .send(json!({"type": "read", "conv": conv, "seq": reply_seq}))
        .await;
    let read = agent.recv_type("read").await;
    assert_eq!(read["seq"], reply_seq);

    agent
        .send(json!({"type": "note", "conv": conv, "text": "老顾客"}))
        .await;
    assert_eq!(agent.recv_type("note").await["text"], "老顾客");

    agent
        .send(json!({"type": "close", "conv": conv, "tags": ["shipping"]}))
        .await;
    conversation_state(&mut shopper, &conv, "closed").await;
    assert_eq!(agent.recv_type("unassigned").await["conv"], conv.as_str());
    // The note was published before the close on the same topic: had it reached the
    // shopper, it would be in the backlog now.
    assert!(
        !shopper.received(|f| f["type"] == "note"),
        "a private note reached the shopper"
    );
    shopper
        .send(json!({"type": "rate", "conv": conv, "score": 5}))
        .await;
    node.stop().await;
}

#[tokio::test]
async fn a_retried_send_is_stored_once() {
    let (node, addr) = embedded(demo_config()).await;
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "bold").await;
    let first = shopper.send_message(&conv, "same-cid", "在吗").await;
    let again = shopper.send_message(&conv, "same-cid", "在吗").await;
    assert_eq!(first, again);
    shopper
        .send(json!({"type": "sync", "conv": conv, "after": 0}))
        .await;
    let synced = shopper.recv_type("synced").await;
    assert_eq!(synced["recovered"], true);
    let log = http(
        &addr.to_string(),
        "GET",
        &format!("/api/conversations/{conv}/messages"),
        None,
        None,
    )
    .await;
    assert_eq!(log.status, 401, "history needs a token");
    node.stop().await;
}

#[tokio::test]
async fn nobody_touches_a_conversation_that_is_not_theirs() {
    let (node, addr) = embedded(demo_config()).await;
    let (mut _anhong, _) = online_agent(addr, "anhong").await;
    let (mut shasha, _) = online_agent(addr, "shasha").await;
    let (mut owner, owner_welcome) = shopper(addr, None).await;
    let conv = open(&mut owner, "lady").await;
    conversation_state(&mut owner, &conv, "assigned").await;
    owner.send_message(&conv, "o1", "我的订单").await;

    let (mut stranger, stranger_welcome) = shopper(addr, None).await;
    for frame in [
        json!({"type": "send", "conv": conv, "cid": "x", "kind": "text", "body": "hi"}),
        json!({"type": "sync", "conv": conv, "after": 0}),
        json!({"type": "typing", "conv": conv, "on": true}),
        json!({"type": "close", "conv": conv}),
    ] {
        stranger.send(frame).await;
        error_code(&mut stranger, "forbidden").await;
    }
    stranger
        .send(json!({"type": "sync", "conv": "cNoSuchConversation", "after": 0}))
        .await;
    error_code(&mut stranger, "not_found").await;
    // shasha (小清新) is not assigned to this 淑女组 chat.
    shasha
        .send(json!({"type": "send", "conv": conv, "cid": "y", "kind": "text", "body": "hi"}))
        .await;
    error_code(&mut shasha, "forbidden").await;
    assert!(!stranger.received(|f| f["type"] == "message"));

    let path = format!("/api/conversations/{conv}/messages?after=0");
    let host = addr.to_string();
    let theirs = http(
        &host,
        "GET",
        &path,
        stranger_welcome["token"].as_str(),
        None,
    )
    .await;
    assert_eq!(theirs.status, 403, "{}", theirs.body);
    assert_eq!(theirs.json()["error"]["code"], "forbidden");
    let mine = http(&host, "GET", &path, owner_welcome["token"].as_str(), None).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let bodies: Vec<_> = mine.json()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert!(bodies.contains(&"我的订单".to_owned()), "{bodies:?}");
    let shasha_token = login(addr, "shasha").await;
    let agents = http(&host, "GET", &path, Some(&shasha_token), None).await;
    assert_eq!(agents.status, 403);
    let anhong_token = login(addr, "anhong").await;
    assert_eq!(
        http(&host, "GET", &path, Some(&anhong_token), None)
            .await
            .status,
        200
    );
    node.stop().await;
}

#[tokio::test]
async fn malformed_frames_get_errors_and_the_socket_keeps_working() {
    let (node, addr) = embedded(demo_config()).await;
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/shopper")).await;
    ws.send(json!({"type": "open"})).await;
    error_code(&mut ws, "unauthorized").await;
    let welcome = ws.hello("afu", None).await;
    assert!(welcome["visitor_id"].is_string());
    for (text, code) in [
        ("this is not json".to_owned(), "bad_frame"),
        (r#"{"no":"type"}"#.to_owned(), "bad_frame"),
        (r#"{"type":"fly"}"#.to_owned(), "bad_frame"),
        (r#"{"type":"send","conv":"c1"}"#.to_owned(), "bad_frame"),
        (
            format!(r#"{{"type":"open","pad":"{}"}}"#, "x".repeat(20_000)),
            "too_large",
        ),
        (
            r#"{"type":"status","state":"online"}"#.to_owned(),
            "forbidden",
        ),
        (
            r#"{"type":"open","group":"nosuchgroup"}"#.to_owned(),
            "not_found",
        ),
    ] {
        ws.send_text(&text).await;
        let err = error_code(&mut ws, code).await;
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Still the same healthy socket.
    let conv = open(&mut ws, "fresh").await;
    ws.send_message(&conv, "ok-1", "还在吗").await;
    node.stop().await;
}

#[tokio::test]
async fn bad_credentials_are_refused() {
    let (node, addr) = embedded(demo_config()).await;
    let host = addr.to_string();
    for body in [
        json!({"shop": "afu", "agent": "anhong", "password": "wrong"}),
        json!({"shop": "afu", "agent": "nobody", "password": "qin-demo"}),
        json!({"shop": "nosuchshop", "agent": "anhong", "password": "qin-demo"}),
    ] {
        let res = http(&host, "POST", "/api/login", None, Some(&body)).await;
        assert_eq!(res.status, 401, "{body}: {}", res.body);
        assert_eq!(res.json()["error"]["code"], "unauthorized");
    }
    let res = http(&host, "POST", "/api/login", None, Some(&json!({"shop": 1}))).await;
    assert_eq!(res.status, 400);
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/agent")).await;
    ws.send(json!({"type": "hello", "shop": "afu", "token": "forged.token"}))
        .await;
    error_code(&mut ws, "unauthorized").await;
    // A shopper's token does not open the agent console.
    let (_, welcome) = shopper(addr, None).await;
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/agent")).await;
    ws.send(json!({"type": "hello", "shop": "afu", "token": welcome["token"]}))
        .await;
    error_code(&mut ws, "unauthorized").await;
    node.stop().await;
}

#[tokio::test]
async fn chats_queue_in_order_and_drain_when_capacity_frees() {
    let mut config = demo_config();
    for agent in &mut config.shops[0].agents {
        agent.max_chats = 1;
    }
    let (node, addr) = embedded(config).await;
    let (mut anhong, _) = online_agent(addr, "anhong").await;
    let (mut first, _) = shopper(addr, None).await;
    let c1 = open(&mut first, "lady").await;
    conversation_state(&mut first, &c1, "assigned").await;
    anhong.recv_type("assigned").await;

    let (mut second, _) = shopper(addr, None).await;
    let c2 = open(&mut second, "lady").await;
    let queued = second
        .recv_where(|f| {
            f["conv"] == c2.as_str() && f["state"] == "queued" && f["position"].is_u64()
        })
        .await
        .expect("second chat queued with a position");
    assert_eq!(queued["position"], 1);
    let (mut third, _) = shopper(addr, None).await;
    let c3 = open(&mut third, "lady").await;
    let queued = third
        .recv_where(|f| f["conv"] == c3.as_str() && f["position"].is_u64())
        .await
        .expect("third chat queued");
    assert_eq!(queued["position"], 2);

    // anhong finishes the first chat: the oldest waiting chat is served first.
    anhong.send(json!({"type": "close", "conv": c1})).await;
    let assigned = anhong.recv_type("assigned").await;
    assert_eq!(assigned["conv"], c2.as_str());
    conversation_state(&mut second, &c2, "assigned").await;
    let moved = third
        .recv_where(|f| f["conv"] == c3.as_str() && f["position"] == 1)
        .await
        .expect("third chat moves up");
    assert_eq!(moved["state"], "queued");

    // Another agent of the group comes online and takes the last one.
    let (mut xiaoya, _) = online_agent(addr, "xiaoya").await;
    assert_eq!(xiaoya.recv_type("assigned").await["conv"], c3.as_str());
    node.stop().await;
}

#[tokio::test]
async fn nobody_online_gets_the_away_message() {
    let (node, addr) = embedded(demo_config()).await;
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "fresh").await;
    let away = shopper
        .recv_where(|f| f["type"] == "message" && f["cid"] == "auto:away")
        .await
        .expect("away message");
    assert!(away["body"].as_str().unwrap().contains("小清新"), "{away}");
    assert_eq!(away["conv"], conv.as_str());
    node.stop().await;
}

#[tokio::test]
async fn a_returning_shopper_keeps_identity_and_catches_up() {
    let (node, addr) = embedded(demo_config()).await;
    let (mut agent, _) = online_agent(addr, "dazhuang").await;
    let (mut ws, welcome) = shopper(addr, None).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    let conv = open(&mut ws, "bold").await;
    let seq = ws.send_message(&conv, "r1", "我先走开一下").await;
    agent.recv_message(&conv, "我先走开一下").await;
    ws.close().await;

    agent.send_message(&conv, "a-away", "亲，我等你哦").await;
    let (mut back, again) = shopper(addr, Some(&token)).await;
    assert_eq!(again["visitor_id"], welcome["visitor_id"]);
    let open_convs = again["conversations"].as_array().unwrap();
    assert_eq!(open_convs.len(), 1);
    assert_eq!(open_convs[0]["conv"], conv.as_str());
    back.send(json!({"type": "sync", "conv": conv, "after": seq}))
        .await;
    back.recv_message(&conv, "亲，我等你哦").await;
    let synced = back.recv_type("synced").await;
    assert_eq!(synced["recovered"], true);
    assert_eq!(synced["upto"], open_convs[0]["last_seq"]);
    node.stop().await;
}
