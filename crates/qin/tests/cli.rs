//! The `qin` binary as an operator runs it: config checks, and separate gateway and worker
//! processes cooperating over Redis.

mod common;

use common::{conversation_state, online_agent, open, shopper};
use qin_testkit::{RedisServer, WAIT, http, unique_prefix};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");

fn qin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qin"))
}

#[test]
fn logs_written_to_a_file_carry_no_terminal_colour_codes() {
    let log = std::env::temp_dir().join(format!("qin-log-{}.txt", std::process::id()));
    let file = std::fs::File::create(&log).unwrap();
    let child = qin()
        .args([
            "serve",
            "--config",
            CONFIG,
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            "",
        ])
        .env("QIN_LOG", "info")
        .env_remove("QIN_SECRET")
        .stdout(file)
        .spawn()
        .unwrap();
    let process = Process(child);
    // A warning (no secret set) and the start line are both written before the banner.
    let deadline = std::time::Instant::now() + WAIT;
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Stop with Ctrl-C") {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "qin never started: {text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    drop(process);
    let _ = std::fs::remove_file(&log);
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

    let broken = std::env::temp_dir().join(format!("qin-broken-{}.toml", std::process::id()));
    let text = std::fs::read_to_string(CONFIG)
        .unwrap()
        .replace("max_chats = 5", "max_chats = 0");
    std::fs::write(&broken, text).unwrap();
    let out = qin().arg("check-config").arg(&broken).output().unwrap();
    let _ = std::fs::remove_file(&broken);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shops[0].agents[0].max_chats"), "{err}");
}

/// A `qin serve` child process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn serve(roles: &str, listen: SocketAddr, redis: &str, prefix: &str) -> Process {
    let child = qin()
        .args(["serve", "--config", CONFIG, "--roles", roles])
        .args(["--listen", &listen.to_string(), "--redis", redis])
        .env("QIN_SECRET", "cli-test-secret")
        .env("QIN_KEY_PREFIX", prefix)
        .env("QIN_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Process(child)
}

async fn wait_healthy(addr: SocketAddr) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ok = tokio::net::TcpStream::connect(addr).await.is_ok()
            && http(&addr.to_string(), "GET", "/readyz", None, None)
                .await
                .status
                == 200;
        if ok {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{addr} never became ready"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_gateway_processes_and_a_worker_process_serve_one_chat() {
    let redis = RedisServer::start();
    let prefix = unique_prefix();
    let (a1, a2, w) = (free_addr(), free_addr(), free_addr());
    let _workers = serve("router,autoreply", w, &redis.url(), &prefix);
    let _gw1 = serve("gateway", a1, &redis.url(), &prefix);
    let _gw2 = serve("gateway", a2, &redis.url(), &prefix);
    wait_healthy(a1).await;
    wait_healthy(a2).await;

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

#[test]
fn serve_with_redis_but_no_secret_refuses_to_start() {
    let out = qin()
        .args(["serve", "--config", CONFIG, "--roles", "gateway"])
        .args(["--listen", "127.0.0.1:0", "--redis", "redis://127.0.0.1:1"])
        .env_remove("QIN_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn sigterm_closes_sockets_with_going_away_and_exits_cleanly() {
    let addr = free_addr();
    let mut child = qin()
        .args(["serve", "--config", CONFIG, "--listen", &addr.to_string()])
        .args(["--data-dir", ""])
        .env("QIN_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(addr).await;
    let (mut ws, _) = shopper(addr, None).await;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(ws.recv_close().await, Some(qin_gateway::CLOSE_GOING_AWAY));
    let deadline = std::time::Instant::now() + WAIT;
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "qin did not exit after SIGTERM"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit}");
}
