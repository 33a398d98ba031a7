//! Shared setup for Qin's end-to-end tests: nodes on free ports, logged-in agents, shoppers.
#![allow(dead_code)] // each test file uses a different part of this module

use qin::{Backend, Node, NodeOptions, Roles};
use qin_config::Config;
use qin_testkit::{WsClient, http};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// The demo config (`config/qin.toml`) with a fixed token secret.
pub fn demo_config() -> Config {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
    let mut config = Config::load(std::path::Path::new(path)).expect("demo config");
    config.server.secret = "test-secret-0123456789abcdef0123456789".into();
    config
}

/// The demo config with a second shop, `other`, a copy of `afu` (same agents and passwords):
/// for checks that one shop's staff cannot reach another's data.
pub fn two_shops_config() -> Config {
    let mut config = demo_config();
    let mut other = config.shops[0].clone();
    other.id = qin_proto::ShopId::parse(OTHER_SHOP).expect("shop id");
    config.shops.push(other);
    config
}

/// The second shop of [`two_shops_config`].
pub const OTHER_SHOP: &str = "other";

/// A token of `agent` of the shop [`OTHER_SHOP`].
pub async fn other_shop_login(addr: SocketAddr, agent: &str) -> String {
    let body = json!({"shop": OTHER_SHOP, "agent": agent, "password": "qin-demo"});
    let res = http(&addr.to_string(), "POST", "/api/login", None, Some(&body)).await;
    assert_eq!(
        res.status, 200,
        "login {agent} of {OTHER_SHOP}: {}",
        res.body
    );
    res.json()["token"].as_str().expect("token").to_owned()
}

/// What shoppers know the demo shop's agent `agent` by (her handle, not her login name).
pub fn handle_of(agent: &str) -> String {
    qin_testkit::demo_handle(agent)
}

/// Starts a node with `roles` on `backend`.
pub async fn start(config: Config, roles: &str, backend: Backend) -> Node {
    let roles: Roles = roles.parse().expect("roles");
    Node::start(NodeOptions {
        config,
        roles,
        backend,
        listen: "127.0.0.1:0".into(),
        config_file: None,
    })
    .await
    .expect("node starts")
}

/// Starts everything in one process on the in-memory backend.
pub async fn embedded(config: Config) -> (Node, SocketAddr) {
    let node = start(config, "gateway,router,autoreply", Backend::memory()).await;
    let addr = node.addr.expect("gateway address");
    (node, addr)
}

/// Logs `agent` into shop `afu` with the demo password; returns the token.
pub async fn login(addr: SocketAddr, agent: &str) -> String {
    let body = json!({"shop": "afu", "agent": agent, "password": "qin-demo"});
    let res = http(&addr.to_string(), "POST", "/api/login", None, Some(&body)).await;
    assert_eq!(res.status, 200, "login {agent}: {}", res.body);
    res.json()["token"].as_str().expect("token").to_owned()
}

/// An agent's console: logged in, connected, said hello, status `online` confirmed.
pub async fn online_agent(addr: SocketAddr, agent: &str) -> (WsClient, Value) {
    let token = login(addr, agent).await;
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/agent")).await;
    let welcome = ws.hello("afu", Some(&token)).await;
    assert_eq!(welcome["role"], "agent", "{welcome}");
    ws.send(json!({"type": "status", "state": "online"})).await;
    let status = ws.recv_type("status").await;
    assert_eq!(status["state"], "online");
    (ws, welcome)
}

/// A shopper's widget that said hello (with `token` to keep an identity).
pub async fn shopper(addr: SocketAddr, token: Option<&str>) -> (WsClient, Value) {
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/shopper")).await;
    let welcome = ws.hello("afu", token).await;
    assert_eq!(welcome["role"], "shopper", "{welcome}");
    (ws, welcome)
}

/// Opens a chat with `group`; returns the conversation id.
pub async fn open(ws: &mut WsClient, group: &str) -> String {
    ws.send(json!({"type": "open", "group": group})).await;
    let conv = ws.recv_type("conversation").await;
    conv["conv"].as_str().expect("conv id").to_owned()
}

/// Waits for the `conversation` frame of `conv` in `state`.
pub async fn conversation_state(ws: &mut WsClient, conv: &str, state: &str) -> Value {
    ws.recv_where(|f| f["type"] == "conversation" && f["conv"] == conv && f["state"] == state)
        .await
        .unwrap_or_else(|| panic!("conversation {conv} never became {state}"))
}

/// Waits for the `error` frame with `code`.
pub async fn error_code(ws: &mut WsClient, code: &str) -> Value {
    ws.recv_where(|f| f["type"] == "error" && f["code"] == code)
        .await
        .unwrap_or_else(|| panic!("no {code} error"))
}

/// Syncs `conv` from after `after`; returns the replayed messages and the `synced` frame.
pub async fn sync(ws: &mut WsClient, conv: &str, after: u64, epoch: &Value) -> (Vec<Value>, Value) {
    ws.send(json!({"type": "sync", "conv": conv, "after": after, "epoch": epoch}))
        .await;
    let synced = ws
        .recv_where(|f| f["type"] == "synced" && f["conv"] == conv)
        .await
        .expect("synced");
    let upto = synced["upto"].as_u64().expect("upto");
    let mut replayed: Vec<Value> = Vec::new();
    // Replayed messages come before `synced` on the socket, so they are in the backlog now,
    // maybe beside live deliveries of the same seqs: a client dedupes by seq.
    while (replayed.len() as u64) < upto.saturating_sub(after) {
        let is_replay = |f: &Value| {
            f["type"] == "message" && f["conv"] == conv && f["seq"].as_u64() > Some(after)
        };
        let Some(m) = ws.recv_where(is_replay).await else {
            break;
        };
        if !replayed.iter().any(|r| r["seq"] == m["seq"]) {
            replayed.push(m);
        }
    }
    replayed.sort_by_key(|m| m["seq"].as_u64());
    (replayed, synced)
}
