//! Signing agents out: her own logout, a supervisor's sign-out, and a reload that disables
//! her. Across two gateways over a real Redis: wherever she is signed out, her consoles on
//! every gateway close (code 4003) and her old token is refused everywhere, REST and socket.

mod common;

use common::*;
use qin::{Backend, Node, NodeOptions};
use qin_testkit::{RedisServer, TempDir, WsClient, http, unique_prefix};
use serde_json::json;
use std::net::SocketAddr;

const DEMO: &str = include_str!("../../../config/qin.toml");

/// The history of `conv` read with `token`: the status code.
async fn history(addr: SocketAddr, conv: &str, token: &str) -> u16 {
    let path = format!("/api/conversations/{conv}/messages");
    http(&addr.to_string(), "GET", &path, Some(token), None)
        .await
        .status
}

async fn post(addr: SocketAddr, path: &str, token: Option<&str>) -> u16 {
    http(&addr.to_string(), "POST", path, token, None)
        .await
        .status
}

/// An agent console on `addr` that says hello with `token`: the first frame back.
async fn hello_with(addr: SocketAddr, token: &str) -> serde_json::Value {
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/agent")).await;
    ws.send(json!({"type": "hello", "shop": "afu", "token": token}))
        .await;
    ws.recv_where(|f| f["type"] == "welcome" || f["type"] == "error")
        .await
        .expect("an answer to hello")
}

/// Waits for the console to be told it was signed out and closed with 4003.
async fn signed_out(console: &mut WsClient) {
    let told = console
        .recv_where(|f| f["type"] == "error" && f["code"] == "unauthorized")
        .await
        .expect("told she is signed out");
    assert!(
        told["message"]
            .as_str()
            .unwrap_or("")
            .contains("signed out"),
        "{told}"
    );
    assert_eq!(
        console.recv_close().await,
        Some(qin_gateway::CLOSE_SIGNED_OUT)
    );
}

#[tokio::test]
async fn a_sign_out_on_one_gateway_holds_on_every_gateway() {
    let redis = RedisServer::start();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    };
    let workers = start(demo_config(), "router,autoreply", backend.clone()).await;
    let gw1 = start(demo_config(), "gateway", backend.clone()).await;
    let gw2 = start(demo_config(), "gateway", backend).await;
    let (addr1, addr2) = (gw1.addr.expect("gw1"), gw2.addr.expect("gw2"));

    // 安红 works on gateway 1 and gets a chat opened on gateway 2.
    let token = login(addr1, "anhong").await;
    let (mut console, _) = online_agent(addr1, "anhong").await;
    let (mut widget, welcome) = shopper(addr2, None).await;
    let shopper_token = welcome["token"].as_str().expect("shopper token").to_owned();
    let conv = open(&mut widget, "lady").await;
    conversation_state(&mut widget, &conv, "assigned").await;
    assert_eq!(history(addr2, &conv, &token).await, 200);

    // Nobody but she logs her out: no token, a shopper's token.
    assert_eq!(post(addr2, "/api/logout", None).await, 401);
    assert_eq!(post(addr2, "/api/logout", Some(&shopper_token)).await, 403);

    // She logs out on gateway 2: her console on gateway 1 closes, and the token she had (and
    // the one her console used) is refused on both gateways, over REST and at hello.
    assert_eq!(post(addr2, "/api/logout", Some(&token)).await, 200);
    signed_out(&mut console).await;
    for addr in [addr1, addr2] {
        assert_eq!(history(addr, &conv, &token).await, 401);
        let answer = hello_with(addr, &token).await;
        assert_eq!(answer["code"], "unauthorized", "{answer}");
        assert_eq!(post(addr, "/api/logout", Some(&token)).await, 401);
    }

    // She logs in again: the new token works, and a new console stays open.
    let again = login(addr2, "anhong").await;
    assert_eq!(history(addr1, &conv, &again).await, 200);
    let (mut console, _) = online_agent(addr2, "anhong").await;

    // Only the shop's supervisor signs others out, and only agents the shop has.
    let boss = login(addr1, "zhuguan").await;
    let colleague = login(addr1, "xiaoya").await;
    let sign_out = "/api/shops/afu/agents/anhong/sign-out";
    assert_eq!(post(addr1, sign_out, None).await, 401);
    assert_eq!(post(addr1, sign_out, Some(&colleague)).await, 403);
    assert_eq!(post(addr1, sign_out, Some(&shopper_token)).await, 403);
    assert_eq!(
        post(addr1, "/api/shops/afu/agents/nobody/sign-out", Some(&boss)).await,
        404
    );
    assert_eq!(
        post(
            addr1,
            "/api/shops/other/agents/anhong/sign-out",
            Some(&boss)
        )
        .await,
        404
    );
    assert_eq!(
        history(addr1, &conv, &again).await,
        200,
        "refusals change nothing"
    );

    // The supervisor signs her out on gateway 1: her console on gateway 2 closes.
    assert_eq!(post(addr1, sign_out, Some(&boss)).await, 200);
    signed_out(&mut console).await;
    assert_eq!(history(addr2, &conv, &again).await, 401);
    // Her colleague was not signed out.
    assert_eq!(history(addr2, &conv, &colleague).await, 403);
    assert_eq!(post(addr2, "/api/logout", Some(&colleague)).await, 200);

    for node in [gw1, gw2, workers] {
        node.stop().await;
    }
}

#[tokio::test]
async fn a_reload_that_disables_an_agent_signs_her_out_and_moves_her_chats() {
    let dir = TempDir::new("sign-out-reload");
    let file = dir.write("qin.toml", DEMO);
    let node = Node::start(NodeOptions {
        config: demo_config(),
        roles: "gateway,router,autoreply".parse().expect("roles"),
        backend: Backend::memory(),
        listen: "127.0.0.1:0".into(),
        config_file: Some(file.clone()),
    })
    .await
    .expect("node starts");
    let addr = node.addr.expect("gateway");

    let token = login(addr, "anhong").await;
    let (mut console, _) = online_agent(addr, "anhong").await;
    let (_xiaoya, _) = online_agent(addr, "xiaoya").await;
    let (mut widget, _) = shopper(addr, None).await;
    let conv = open(&mut widget, "lady").await;
    let assigned = conversation_state(&mut widget, &conv, "assigned").await;
    // The router may pick either: make sure the chat is 安红's before she goes.
    if assigned["agent"]["id"] != handle_of("anhong") {
        let boss = login(addr, "zhuguan").await;
        let res = http(
            &addr.to_string(),
            "POST",
            &format!("/api/conversations/{conv}/assign"),
            Some(&boss),
            Some(&json!({"agent": "anhong"})),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.body);
        widget
            .recv_where(|f| f["type"] == "conversation" && f["agent"]["id"] == handle_of("anhong"))
            .await
            .expect("the chat is hers");
    }

    dir.write(
        "qin.toml",
        &DEMO.replace("id = \"anhong\"\n", "id = \"anhong\"\ndisabled = true\n"),
    );
    let boss = login(addr, "zhuguan").await;
    assert_eq!(
        post(addr, "/api/shops/afu/config/reload", Some(&boss)).await,
        200
    );
    signed_out(&mut console).await;
    assert_eq!(history(addr, &conv, &token).await, 401);
    let res = http(
        &addr.to_string(),
        "POST",
        "/api/login",
        None,
        Some(&json!({"shop": "afu", "agent": "anhong", "password": "qin-demo"})),
    )
    .await;
    assert_eq!(
        res.status, 401,
        "a disabled agent cannot log in: {}",
        res.body
    );
    // Her chat goes to the colleague who is still there.
    widget
        .recv_where(|f| {
            f["type"] == "conversation"
                && f["conv"] == conv
                && f["agent"]["id"] == handle_of("xiaoya")
        })
        .await
        .expect("her chat moves to 小雅");
    node.stop().await;
}
