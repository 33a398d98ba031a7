//! Config reload without a restart: through the supervisors' API on an embedded node, and by
//! SIGHUP on a `qin serve` process. A bad file is refused naming the key, and the config in
//! force stays.

mod common;

use common::*;
use qin::{Backend, Node, NodeOptions};
use qin_testkit::{QinProcess, TempDir, WsClient, eventually, http, unique_prefix};
use serde_json::Value;
use std::path::{Path, PathBuf};

const DEMO: &str = include_str!("../../../config/qin.toml");
const GREETING: &str = "亲，欢迎光临阿芙～我是淑女组的客服，有什么可以为您效劳的呢？🌸";

async fn node_with_file(path: &Path) -> (Node, std::net::SocketAddr) {
    let node = Node::start(NodeOptions {
        config: demo_config(),
        roles: "gateway,router,autoreply".parse().expect("roles"),
        backend: Backend::memory(),
        listen: "127.0.0.1:0".into(),
        config_file: Some(path.to_owned()),
    })
    .await
    .expect("node starts");
    let addr = node.addr.expect("gateway");
    (node, addr)
}

/// The bot's first message in a new chat of 淑女组.
async fn greeting_of_a_new_chat(addr: std::net::SocketAddr) -> String {
    let (mut ws, _) = shopper(addr, None).await;
    open(&mut ws, "lady").await;
    let greeting = ws
        .recv_where(|f| f["type"] == "message" && f["from"]["role"] == "bot")
        .await
        .expect("a greeting");
    greeting["body"].as_str().unwrap_or_default().to_owned()
}

async fn reload(addr: std::net::SocketAddr, token: Option<&str>) -> (u16, Value) {
    let res = http(
        &addr.to_string(),
        "POST",
        "/api/shops/afu/config/reload",
        token,
        None,
    )
    .await;
    let body = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    (res.status, body)
}

#[tokio::test]
async fn a_supervisor_reloads_the_config_and_a_bad_file_changes_nothing() {
    let dir = TempDir::new("reload");
    let file = dir.write("qin.toml", DEMO);
    let (node, addr) = node_with_file(&file).await;
    assert_eq!(greeting_of_a_new_chat(addr).await, GREETING);
    let boss = login(addr, "zhuguan").await;
    let agent = login(addr, "anhong").await;

    assert_eq!(reload(addr, None).await.0, 401);
    assert_eq!(reload(addr, Some(&agent)).await.0, 403);
    let (status, body) = reload(addr, Some(&boss)).await;
    assert_eq!(
        (status, &body["shops"]),
        (200, &serde_json::json!(["afu"])),
        "{body}"
    );

    // A new greeting is in force for the very next chat, without a restart: once the reload
    // is answered, no worker of the old config is left to greet it. Back and forth, as a
    // race with the old workers would show on any round.
    for round in 0..3 {
        let new = format!("亲～淑女组换新装啦（第{round}版），有什么可以帮您？");
        dir.write("qin.toml", &DEMO.replace(GREETING, &new));
        let (status, body) = reload(addr, Some(&boss)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(greeting_of_a_new_chat(addr).await, new, "round {round}");
    }

    // A broken file is refused naming the key; the reloaded config stays.
    dir.write(
        "qin.toml",
        &DEMO.replace("max_chats = 5\n", "max_chat = 5\n"),
    );
    let (status, body) = reload(addr, Some(&boss)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("max_chat"), "{body}");
    assert!(greeting_of_a_new_chat(addr).await.contains("第2版"));
    node.stop().await;
}

#[tokio::test]
async fn a_node_without_a_config_file_says_so() {
    let (node, addr) = embedded(demo_config()).await;
    let boss = login(addr, "zhuguan").await;
    assert_eq!(reload(addr, Some(&boss)).await.0, 409);
    node.stop().await;
}

#[tokio::test]
async fn sighup_reloads_a_running_process() {
    let text = DEMO.replace("data_dir = \"data\"", "data_dir = \"\"");
    let dir = TempDir::new("reload");
    let file = dir.write("qin.toml", &text);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_qin"));
    let qin = QinProcess::serve(
        &bin,
        &file,
        "gateway,router,autoreply",
        None,
        &unique_prefix(),
    );
    let addr = qin.wait_ready().await;
    let group_name = |welcome: &Value| {
        welcome["groups"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/shopper")).await;
    let welcome = ws.hello("afu", None).await;
    assert_eq!(group_name(&welcome), "淑女组");

    dir.write(
        "qin.toml",
        &text.replace("name = \"淑女组\"", "name = \"淑女组·新\""),
    );
    qin.signal("HUP");
    eventually("a new widget sees the renamed group", async || {
        let mut probe = WsClient::connect(&format!("ws://{addr}/ws/shopper")).await;
        let name = group_name(&probe.hello("afu", None).await);
        probe.close().await;
        if name == "淑女组·新" {
            Ok(())
        } else {
            Err(name)
        }
    })
    .await;
}
