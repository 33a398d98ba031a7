//! Qin over a Redis that asks who is calling and how: a password (`requirepass`), the
//! least-privileged ACL user of `docs/security.md`, TLS from a private CA. Each runs a whole
//! node (gateway, router, auto-reply: store and bus) and a shopper/agent chat through it; a
//! wrong password or an untrusted certificate stops `qin` with a clear error that never shows
//! the password.

mod common;

use common::*;
use qin::{Backend, Node, NodeOptions};
use qin_config::Config;
use qin_testkit::{QinProcess, RedisServer, TestCa, eventually, qin_acl_rules, unique_prefix};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

const PASSWORD: &str = "redis-password-0123456789abcdef0123";
const WRONG: &str = "not-the-password-0123456789abcdef";

fn backend(url: String, key_prefix: &str) -> Backend {
    Backend::Redis {
        url,
        key_prefix: key_prefix.to_owned(),
    }
}

/// A whole node (gateway, router, auto-reply) on `backend`, and its gateway's address.
async fn whole_node(config: Config, backend: Backend) -> (Node, SocketAddr) {
    let node = start(config, "gateway,router,autoreply", backend).await;
    let addr = node.addr.expect("gateway address");
    (node, addr)
}

/// A shopper and an agent chat through the node at `addr`: routed, greeted by the bot, a
/// message each way.
async fn chat(addr: SocketAddr) {
    let (mut agent, _) = online_agent(addr, "shasha").await;
    let (mut shopper, _) = shopper(addr, None).await;
    let conv = open(&mut shopper, "fresh").await;
    conversation_state(&mut shopper, &conv, "assigned").await;
    shopper
        .recv_where(|f| f["type"] == "message" && f["cid"] == "auto:greeting")
        .await
        .expect("the bot's greeting");
    assert_eq!(agent.recv_type("assigned").await["conv"], conv.as_str());
    let seq = shopper.send_message(&conv, "s1", "发货了吗？").await;
    assert_eq!(agent.recv_message(&conv, "发货了吗？").await["seq"], seq);
    let reply = agent.send_message(&conv, "a1", "亲，今天发").await;
    assert_eq!(
        shopper.recv_message(&conv, "亲，今天发").await["seq"],
        reply
    );
}

/// Why `Node::start` refused `backend`, all causes in one line.
async fn refusal(config: Config, backend: Backend) -> String {
    let refused = Node::start(NodeOptions {
        config,
        roles: "gateway,router,autoreply".parse().expect("roles"),
        backend,
        listen: "127.0.0.1:0".into(),
        config_file: None,
    })
    .await
    .expect_err("the node must not start");
    format!("{refused:#}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_over_redis_with_a_password() {
    let redis = RedisServer::start_with_args(&["--requirepass", PASSWORD]);
    let url = redis.url_with_credentials("", PASSWORD);
    let (_node, addr) = whole_node(demo_config(), backend(url, &unique_prefix())).await;
    chat(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_over_redis_as_the_documented_acl_user() {
    let prefix = unique_prefix();
    let redis = RedisServer::builder()
        .acl_user("qin", PASSWORD, &qin_acl_rules(&prefix))
        .start();
    let url = redis.url_with_credentials("qin", PASSWORD);
    let (_node, addr) = whole_node(demo_config(), backend(url, &prefix)).await;
    chat(addr).await;
}

#[test]
fn the_security_doc_gives_the_tested_acl_rules() {
    let doc = include_str!("../../../docs/security.md");
    let rules = qin_acl_rules("qin:").join(" ");
    assert!(
        doc.contains(&format!("ACL SETUSER qin on >CHANGE-ME {rules}")),
        "docs/security.md must give: ACL SETUSER qin on >CHANGE-ME {rules}"
    );
}

#[tokio::test]
async fn a_wrong_password_stops_the_node_without_showing_it() {
    let redis = RedisServer::start_with_args(&["--requirepass", PASSWORD]);
    let url = redis.url_with_credentials("", WRONG);
    let why = refusal(demo_config(), backend(url, &unique_prefix())).await;
    assert!(!why.contains(WRONG), "{why}");
    assert!(why.contains(":***@127.0.0.1"), "names the server: {why}");
    assert!(why.to_lowercase().contains("auth"), "says why: {why}");
}

#[tokio::test]
async fn qin_serve_with_a_wrong_password_exits_with_a_clear_error_without_it() {
    let redis = RedisServer::start_with_args(&["--requirepass", PASSWORD]);
    let url = redis.url_with_credentials("", WRONG);
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_qin"))
        .args(["serve", "--config", config, "--listen", "127.0.0.1:0"])
        .args(["--data-dir", "", "--redis", &url])
        .env("QIN_SECRET", "serve-test-secret-0123456789abcdef0123")
        .env("QIN_KEY_PREFIX", unique_prefix())
        .env("QIN_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run qin");
    let status = eventually("qin exits", async || child.try_wait().expect("wait")).await;
    let output = child.wait_with_output().expect("qin's output");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!status.success(), "qin must refuse to start: {printed}");
    assert!(!printed.contains(WRONG), "the password is shown: {printed}");
    assert!(printed.to_lowercase().contains("auth"), "{printed}");
    assert!(printed.contains("connecting the store to"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_over_tls_redis_trusting_the_configured_ca() {
    let ca = TestCa::new("qin");
    let redis = RedisServer::builder()
        .tls(ca.server_files())
        .args(["--requirepass", PASSWORD])
        .start();
    let url = redis.url_with_credentials("", PASSWORD);
    assert!(url.starts_with("rediss://"), "{url}");
    let mut config = demo_config();
    config.server.redis_ca_file = Some(ca.ca_file().display().to_string());
    let (_node, addr) = whole_node(config, backend(url, &unique_prefix())).await;
    chat(addr).await;
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_is_refused() {
    let (ours, theirs) = (TestCa::new("ours"), TestCa::new("theirs"));
    let redis = RedisServer::builder().tls(theirs.server_files()).start();
    let mut config = demo_config();
    config.server.redis_ca_file = Some(ours.ca_file().display().to_string());
    let why = refusal(config, backend(redis.url(), &unique_prefix())).await;
    assert!(why.contains("certificate"), "says why: {why}");
    assert!(why.contains("UnknownIssuer"), "says why: {why}");
}

#[tokio::test]
async fn an_insecure_tls_url_is_refused() {
    let ca = TestCa::new("qin");
    let redis = RedisServer::builder().tls(ca.server_files()).start();
    let url = format!("{}/#insecure", redis.url());
    let why = refusal(demo_config(), backend(url, &unique_prefix())).await;
    assert!(why.contains("insecure"), "says why: {why}");
}

#[tokio::test]
async fn qin_serve_trusts_the_ca_of_ssl_cert_file() {
    let ca = TestCa::new("qin");
    let redis = RedisServer::builder()
        .tls(ca.server_files())
        .args(["--requirepass", PASSWORD])
        .start();
    let url = redis.url_with_credentials("", PASSWORD);
    let config = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/qin.toml"
    ));
    let ca_file = ca.ca_file().display().to_string();
    let qin = QinProcess::serve_with_env(
        Path::new(env!("CARGO_BIN_EXE_qin")),
        config,
        "gateway,router,autoreply",
        Some(&url),
        &unique_prefix(),
        &[("SSL_CERT_FILE", &ca_file), ("SSL_CERT_DIR", "")],
    );
    // Ready means its store answers over TLS.
    let addr = qin.wait_ready().await;
    chat(addr).await;
}
