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

/// A `qin serve` child on `config` with its standard output (logs and banner) in a file.
struct Served {
    _child: tokio::process::Child,
    log: std::path::PathBuf,
}

impl Served {
    fn start(dir: &TempDir, config: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let log = dir.path().join("qin.log");
        let file = std::fs::File::create(&log).expect("log file");
        let child = tokio::process::Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .args(args)
            .env_remove("QIN_SECRET")
            .envs(env.iter().copied())
            .stdout(file)
            .kill_on_drop(true)
            .spawn()
            .expect("qin runs");
        Self { _child: child, log }
    }

    /// What it wrote up to and including its banner, and where it listens.
    async fn banner(&self) -> (String, std::net::SocketAddr) {
        let text = eventually("qin's banner", async || {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if text.contains("Stop with Ctrl-C") {
                Ok(text)
            } else {
                Err(text)
            }
        })
        .await;
        let (_, url) = text.split_once("http://").expect("an address");
        let addr = url.split('/').next().unwrap().parse().expect("host:port");
        (text, addr)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// The demo config as a shop's own: another shop id, the same staff and hashes.
fn own_shop_config(dir: &TempDir) -> std::path::PathBuf {
    let text = std::fs::read_to_string(CONFIG)
        .unwrap()
        .replace("id = \"afu\"", "id = \"myshop\"");
    dir.write("own.toml", &text)
}

#[tokio::test]
async fn a_short_secret_is_refused_at_start_saying_how_to_make_one() {
    for short in ["changeme", "x"] {
        let refused = tokio::process::Command::new(BIN)
            .args(["serve", "--config", CONFIG, "--listen", "127.0.0.1:0"])
            .args(["--data-dir", ""])
            .env("QIN_SECRET", short)
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(WAIT, refused)
            .await
            .expect("qin started serving with a short secret")
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("QIN_SECRET")
                && err.contains("at least 32")
                && err.contains("qin gen-secret"),
            "{err}"
        );
        let out = qin()
            .args(["check-config", CONFIG])
            .env("QIN_SECRET", short)
            .output()
            .unwrap();
        assert!(!out.status.success(), "check-config accepts {short:?}");
    }
}

#[test]
fn gen_secret_prints_a_fresh_secret_long_enough() {
    let secret = || {
        let out = qin().arg("gen-secret").output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let (a, b) = (secret(), secret());
    assert_ne!(a, b);
    assert!(
        a.len() >= 32 && a.chars().all(|c| c.is_ascii_hexdigit()),
        "{a}"
    );
    let out = qin()
        .args(["check-config", CONFIG])
        .env("QIN_SECRET", &a)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_config_warns_of_demo_passwords_and_shared_hashes_outside_the_demo() {
    let out = qin()
        .args(["check-config", CONFIG])
        .env_remove("QIN_SECRET")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("warning"), "the demo is warned about: {err}");

    let dir = TempDir::new("cli");
    let own = std::fs::read_to_string(own_shop_config(&dir)).unwrap();
    // Two of her staff share one hash.
    let xiaoya_hash = "J+n76zmv4Nd+Naj+FQhKxQ$t1CQd1ajqqrShfnSPFuOko2SsYanlJgE20ZQggmGHVU";
    let shared = own.replace(
        "MYXw5DSuj3ZW+fUENpT2TA$MQ9HgK8mEVSMzRXbRSbtwnLXK1vtl7rKNXKN6ifmb9w",
        xiaoya_hash,
    );
    assert_ne!(shared, own, "zhuguan's hash is in the demo");
    let file = dir.write("shared.toml", &shared);
    let out = qin()
        .arg("check-config")
        .arg(&file)
        .env_remove("QIN_SECRET")
        .output()
        .unwrap();
    assert!(out.status.success(), "warnings are not errors");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "warning: shops[0].agents[0] (myshop/anhong) still has the demo password qin-demo"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "(myshop/zhuguan) has the same password_hash as shops[0].agents[1] (myshop/xiaoya)"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn the_banner_names_the_demo_password_only_for_the_demo() {
    let dir = TempDir::new("banner");
    let demo = Served::start(&dir, Path::new(CONFIG), &["--data-dir", ""], &[]);
    let (banner, _) = demo.banner().await;
    assert!(banner.contains("password qin-demo"), "{banner}");
    drop(demo);

    let dir = TempDir::new("banner");
    let own = own_shop_config(&dir);
    let served = Served::start(&dir, &own, &["--data-dir", ""], &[]);
    let (banner, _) = served.banner().await;
    assert!(banner.contains("/console"), "{banner}");
    assert!(!banner.contains("qin-demo"), "{banner}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = TempDir::new("data-modes");
    // One made by Qin, one made before by someone else too widely.
    let fresh = dir.path().join("fresh");
    let wide = dir.path().join("wide");
    std::fs::create_dir(&wide).unwrap();
    std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o755)).unwrap();
    for data in [&fresh, &wide] {
        let served = Served::start(
            &dir,
            Path::new(CONFIG),
            &["--data-dir", data.to_str().unwrap()],
            &[],
        );
        served.banner().await;
        assert_eq!(mode(data), 0o700, "{}", data.display());
        assert_eq!(mode(&data.join("qin.redb")), 0o600);
        assert_eq!(mode(&data.join("token-secret")), 0o600);
    }
}

#[tokio::test]
async fn failed_logins_lock_out_with_retry_after_and_are_audited_without_the_password() {
    let dir = TempDir::new("audit");
    let text = std::fs::read_to_string(CONFIG)
        .unwrap()
        .replace("agent_failures = 5", "agent_failures = 2");
    let config = dir.write("qin.toml", &text);
    let served = Served::start(
        &dir,
        &config,
        &["--data-dir", ""],
        &[("QIN_LOG", "qin::audit=info")],
    );
    let (_, addr) = served.banner().await;
    let host = addr.to_string();
    let guess = serde_json::json!({"shop": "afu", "agent": "anhong", "password": "hunter2-guess"});
    for _ in 0..2 {
        let res = qin_testkit::http(&host, "POST", "/api/login", None, Some(&guess)).await;
        assert_eq!(res.status, 401, "{}", res.body);
    }
    let right = serde_json::json!({"shop": "afu", "agent": "anhong", "password": "qin-demo"});
    let res = qin_testkit::http(&host, "POST", "/api/login", None, Some(&right)).await;
    assert_eq!(res.status, 429, "{}", res.body);
    assert_eq!(res.json()["error"]["code"], "rate_limited");
    let retry: u64 = res
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let log = eventually("the lockout in the audit log", async || {
        let log = served.log();
        if log.contains("locked_out") {
            Ok(log)
        } else {
            Err(log)
        }
    })
    .await;
    let refused: Vec<_> = log
        .lines()
        .filter(|l| l.contains("login refused"))
        .collect();
    assert_eq!(refused.len(), 2, "{log}");
    for line in log.lines().filter(|l| l.contains("qin::audit")) {
        assert!(
            line.contains("anhong") && line.contains("127.0.0.1") && line.contains("afu"),
            "{line}"
        );
    }
    assert!(!log.contains("hunter2"), "a password in the log: {log}");
}
