//! The `qin` binary as an operator runs it: config checks, and separate gateway and worker
//! processes cooperating over Redis.

mod common;

use common::{conversation_state, online_agent, open, shopper};
use qin_testkit::{QinProcess, RedisServer, TempDir, WAIT, eventually, unique_prefix};
use std::path::Path;
use std::process::Command;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
const BIN: &str = env!("CARGO_BIN_EXE_qin");

fn qin() -> Command {
    Command::new(BIN)
}

/// `qin serve --roles roles` on the demo config (see [`QinProcess::serve`]).
fn serve(roles: &str, redis: Option<&str>, prefix: &str) -> QinProcess {
    QinProcess::serve(Path::new(BIN), Path::new(CONFIG), roles, redis, prefix)
}

#[tokio::test]
async fn logs_written_to_a_file_carry_no_terminal_colour_codes() {
    let dir = TempDir::new("qin-log");
    let log = dir.path().join("qin.log");
    let file = std::fs::File::create(&log).expect("log file");
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--config", CONFIG, "--listen", "127.0.0.1:0"])
        .args(["--data-dir", ""])
        .env("QIN_LOG", "info")
        .env_remove("QIN_SECRET")
        .stdout(file)
        .kill_on_drop(true)
        .spawn()
        .expect("qin runs");
    // A warning (no secret set) and the start line are both written before the banner.
    let text = eventually("qin's banner in its log file", async || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Stop with Ctrl-C") {
            Ok(text)
        } else {
            Err(text)
        }
    })
    .await;
    let _ = child.kill().await;
    assert!(
        text.contains("WARN") && text.contains("qin started"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "escape codes in a log file: {text:?}"
    );
}

#[test]
fn check_config_accepts_the_demo_and_names_a_bad_key() {
    let out = qin().args(["check-config", CONFIG]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));

    let dir = TempDir::new("cli");
    let text = std::fs::read_to_string(CONFIG)
        .unwrap()
        .replace("max_chats = 5", "max_chats = 0");
    let broken = dir.write("broken.toml", &text);
    let out = qin().arg("check-config").arg(&broken).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shops[0].agents[0].max_chats"), "{err}");
}

#[tokio::test]
async fn two_gateway_processes_and_a_worker_process_serve_one_chat() {
    let redis = RedisServer::start();
    let prefix = unique_prefix();
    let _workers = serve("router,autoreply", Some(&redis.url()), &prefix);
    let gw1 = serve("gateway", Some(&redis.url()), &prefix);
    let gw2 = serve("gateway", Some(&redis.url()), &prefix);
    let a1 = gw1.wait_ready().await;
    let a2 = gw2.wait_ready().await;

    let (mut agent, _) = online_agent(a2, "anhong").await;
    let (mut shopper, _) = shopper(a1, None).await;
    let conv = open(&mut shopper, "lady").await;
    conversation_state(&mut shopper, &conv, "assigned").await;
    agent.recv_type("assigned").await;
    shopper.send_message(&conv, "p1", "亲，在吗？").await;
    agent.recv_message(&conv, "亲，在吗？").await;
    agent.send_message(&conv, "p2", "在的亲～").await;
    shopper.recv_message(&conv, "在的亲～").await;
}

/// Redis is reachable, so what stops it is the missing secret, and the error says so.
#[tokio::test]
async fn serve_with_redis_but_no_secret_refuses_to_start() {
    let redis = RedisServer::start();
    let refused = tokio::process::Command::new(BIN)
        .args(["serve", "--config", CONFIG, "--roles", "gateway"])
        .args(["--listen", "127.0.0.1:0", "--redis", &redis.url()])
        .env_remove("QIN_SECRET")
        .env("QIN_KEY_PREFIX", unique_prefix())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(WAIT, refused)
        .await
        .expect("qin started serving without a secret")
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("QIN_SECRET") && err.contains("must be set"),
        "{err}"
    );
}

#[tokio::test]
async fn sigterm_closes_sockets_with_going_away_and_exits_cleanly() {
    let mut qin = serve("gateway,router,autoreply", None, &unique_prefix());
    let addr = qin.wait_ready().await;
    let (mut ws, _) = shopper(addr, None).await;
    qin.signal("TERM");
    assert_eq!(ws.recv_close().await, Some(qin_gateway::CLOSE_GOING_AWAY));
    let exit = qin.wait_exit().await;
    assert!(exit.success(), "{exit}");
}
