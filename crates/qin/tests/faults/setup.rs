//! Shared setup of the fault tests: a config with enough agents and no rate limit in the
//! way, agents and shoppers as self-recovering chat parties, and the final tally against the
//! server's logs.

use qin_config::Config;
use qin_testkit::{ChatParty, Counters, LogEntry, WAIT, WsClient, check_log, fetch_log};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinSet;

pub const SHOP: &str = "afu";
/// Every agent of the demo config (and of these tests) has this password.
pub const PASSWORD: &str = "qin-demo";
/// All test agents work in this group, and every test chat is opened in it.
pub const GROUP: &str = "lady";

/// The demo config with `agents` extra agents `t00`, `t01`, … in [`GROUP`] taking
/// `max_chats` each, no practical rate, flood or per-address limit, logins that wait for
/// their password check, and `outbox_frames` per socket.
pub fn config_text(agents: usize, max_chats: u32, outbox_frames: usize) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
    let demo = std::fs::read_to_string(path).expect("demo config");
    let hash = demo
        .lines()
        .find(|l| l.starts_with("password_hash"))
        .expect("an agent's password hash")
        .to_owned();
    let mut text = demo
        .replace("frames_per_s = 20", "frames_per_s = 100000")
        .replace("frame_burst = 40", "frame_burst = 100000")
        .replace(
            "outbox_frames = 1024",
            &format!("outbox_frames = {outbox_frames}"),
        )
        // Every test shopper comes from 127.0.0.1.
        .replace(
            "new_visitors_per_address = 120",
            "new_visitors_per_address = 0",
        )
        .replace("chats_per_address = 60", "chats_per_address = 0")
        // Many agents log in at once on a loaded machine: wait for a password check.
        .replace("check_wait_ms = 2000", "check_wait_ms = 60000")
        // Thousands of sockets from this one address.
        .replace("per_address = 256", "per_address = 100000")
        .replace("upgrades_per_s = 10", "upgrades_per_s = 100000")
        .replace("upgrade_burst = 100", "upgrade_burst = 100000");
    for i in 0..agents {
        text.push_str(&format!(
            "\n[[shops.agents]]\nid = \"{}\"\nname = \"测试{i}\"\ngroup = \"{GROUP}\"\nmax_chats = {max_chats}\n{hash}\n",
            agent_id(i)
        ));
    }
    text
}

/// [`config_text`] parsed, for in-process nodes.
pub fn config(agents: usize, max_chats: u32, outbox_frames: usize) -> Config {
    let mut config = Config::parse(&config_text(agents, max_chats, outbox_frames), "faults")
        .expect("fault config");
    config.server.secret = "fault-test-secret-0123456789abcdef0123".into();
    config
}

/// The `qin` binary.
pub fn qin_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_qin"))
}

pub fn agent_id(i: usize) -> String {
    format!("t{i:02}")
}

/// What shoppers know test agent `i` of the config `text` by (her handle).
pub fn agent_handle(text: &str, i: usize) -> String {
    let config = Config::parse(text, "qin.toml").expect("test config");
    qin_testkit::handle_in(&config, SHOP, &agent_id(i))
}

/// The fault tests load the machine; they run one at a time.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

/// Agents `t<first>`… online, agent `i` on `addrs[i % addrs.len()]`.
pub async fn agents_online(addrs: &[SocketAddr], ids: std::ops::Range<usize>) -> Vec<ChatParty> {
    let mut set = JoinSet::new();
    for i in ids {
        let addr = addrs[i % addrs.len()];
        set.spawn(async move {
            (
                i,
                ChatParty::online_agent(addr, SHOP, &agent_id(i), PASSWORD).await,
            )
        });
    }
    let mut agents: Vec<_> = set.join_all().await;
    agents.sort_by_key(|(i, _)| *i);
    agents.into_iter().map(|(_, a)| a).collect()
}

/// Waits until the router counts `online` agents in [`GROUP`] (so it will assign chats),
/// watching the `groups` availability a shopper's widget gets.
pub async fn wait_router_sees(addr: SocketAddr, online: u64) {
    let mut probe = WsClient::connect(&format!("ws://{addr}/ws/shopper")).await;
    let enough = |frame: &serde_json::Value| {
        frame["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|g| g["id"] == GROUP && g["online"].as_u64() >= Some(online))
    };
    let welcome = probe.hello(SHOP, None).await;
    if !enough(&welcome) {
        let seen = probe
            .recv_where(|f| f["type"] == "groups" && enough(f))
            .await;
        assert!(
            seen.is_some(),
            "the router never saw {online} agents online"
        );
    }
    probe.close().await;
}

/// `n` shoppers on `addr`, each with a chat in [`GROUP`] that is assigned; `parallel` at a time.
pub async fn shoppers_with_chats(
    addr: SocketAddr,
    n: usize,
    parallel: usize,
) -> Vec<(ChatParty, String)> {
    let gate = Arc::new(tokio::sync::Semaphore::new(parallel));
    let mut set = JoinSet::new();
    for i in 0..n {
        let gate = gate.clone();
        set.spawn(async move {
            let permit = gate.acquire_owned().await.expect("semaphore");
            let shopper = ChatParty::connected_shopper(addr, SHOP).await;
            let conv = shopper.open(GROUP).await;
            drop(permit);
            let agent = shopper.wait_assigned(&conv, WAIT).await;
            assert!(agent.is_some(), "chat {conv} was never assigned");
            (i, shopper, conv)
        });
    }
    let mut shoppers = set.join_all().await;
    shoppers.sort_by_key(|(i, _, _)| *i);
    shoppers.into_iter().map(|(_, s, c)| (s, c)).collect()
}

/// A chat with its shopper and its assigned agent.
#[derive(Clone)]
pub struct Pair {
    pub shopper: ChatParty,
    pub agent: ChatParty,
    pub conv: String,
}

/// Each chat with the agent it was assigned to.
pub async fn pair_up(chats: &[(ChatParty, String)], agents: &[ChatParty]) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for (shopper, conv) in chats {
        let id = shopper.wait_assigned(conv, WAIT).await.expect("assigned");
        let agent = agents.iter().find(|a| a.id() == id).expect("agent");
        pairs.push(Pair {
            shopper: shopper.clone(),
            agent: agent.clone(),
            conv: conv.clone(),
        });
    }
    pairs
}

/// Sends the `n`th message of steady traffic: chats in turn, each round from the shoppers
/// and the next from the agents.
pub fn send_nth(pairs: &[Pair], n: usize) {
    let pair = &pairs[n % pairs.len()];
    let from = if (n / pairs.len()).is_multiple_of(2) {
        &pair.shopper
    } else {
        &pair.agent
    };
    from.send(&pair.conv, &format!("m{n}"));
}

/// The server's log of every chat, read through the REST history with the shoppers' tokens.
pub async fn logs_via_rest(
    addr: SocketAddr,
    chats: &[(ChatParty, String)],
) -> HashMap<String, Vec<LogEntry>> {
    let mut set = JoinSet::new();
    for (shopper, conv) in chats {
        let (token, conv) = (shopper.token().expect("shopper token"), conv.clone());
        set.spawn(async move {
            let log = fetch_log(&addr.to_string(), &token, &conv).await;
            (conv, log)
        });
    }
    set.join_all().await.into_iter().collect()
}

/// Counters of every party against the logs, plus the faults of the logs themselves.
pub fn tally<'a>(
    parties: impl IntoIterator<Item = &'a ChatParty>,
    logs: &HashMap<String, Vec<LogEntry>>,
) -> Counters {
    let mut counters = Counters::default();
    for log in logs.values() {
        counters += check_log(log);
    }
    for party in parties {
        counters += party.check(logs);
    }
    counters
}

/// Waits until every party holds every logged message of its chats; false on timeout.
pub async fn all_hold(parties: &[ChatParty], logs: &HashMap<String, Vec<LogEntry>>) -> bool {
    for party in parties {
        if !party.wait_holds(logs, WAIT).await {
            return false;
        }
    }
    true
}

/// Waits until every party's sends are acked; false on timeout.
pub async fn all_acked(parties: &[ChatParty]) -> bool {
    for party in parties {
        if !party.wait_acked(WAIT).await {
            return false;
        }
    }
    true
}

/// Sums `retries_and_overlap` and error counts over `parties`, for the report.
pub fn recovery_report(parties: &[ChatParty]) -> String {
    let (mut retries, mut overlap) = (0, 0);
    let mut errors: std::collections::BTreeMap<String, u64> = Default::default();
    for party in parties {
        let (r, o) = party.retries_and_overlap();
        retries += r;
        overlap += o;
        for (code, n) in party.errors() {
            *errors.entry(code).or_default() += n;
        }
    }
    format!("resent {retries}, replayed again by sync {overlap}, errors {errors:?}")
}
