//! The auto-reply service end to end over real sockets: two auto-reply worker processes on
//! one private Redis post every bot reply once (greeting, away, keywords, someone-is-here,
//! holding messages, an agent's own auto-reply set from the console); queue places follow
//! the router; off-hours chats are told when the shop opens.

mod common;

use common::*;
use qin::Backend;
use qin_testkit::{QinProcess, RedisServer, TempDir, WsClient, eventually, unique_prefix};
use serde_json::{Value, json};
use std::path::PathBuf;

/// The demo config with holding messages after 2 s and 4 s, a 3 s quiet time and every
/// queue change told, so the test waits seconds, not minutes.
fn quick_config_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
    let demo = std::fs::read_to_string(path).expect("demo config");
    let swap = |text: String, from: &str, to: &str| {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text.replacen(from, to, 1)
    };
    let text = swap(demo, "after_s = 30\n", "after_s = 2\n");
    let text = swap(text, "after_s = 90\n", "after_s = 4\n");
    let text = swap(text, "busy_every_s = 60", "busy_every_s = 0");
    swap(text, "quiet_after_agent_s = 60", "quiet_after_agent_s = 3")
}

fn parsed(text: &str) -> qin_config::Config {
    let mut config = qin_config::Config::parse(text, "test").expect("test config");
    config.server.secret = "test-secret-0123456789abcdef0123456789".into();
    config
}

/// Subscribers of a Redis channel.
async fn subscribers(redis: &RedisServer, channel: &str) -> i64 {
    let client = redis::Client::open(redis.url()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut conn)
        .await
        .expect("PUBSUB NUMSUB");
    counts.first().map_or(0, |(_, n)| *n)
}

/// Waits until `channel` has `n` subscribers.
async fn wait_subscribers(redis: &RedisServer, channel: &str, n: i64) {
    eventually(&format!("{channel} has {n} subscribers"), async || {
        subscribers(redis, channel).await >= n
    })
    .await;
}

/// Waits for the bot message with `cid` in `conv`.
async fn bot(ws: &mut WsClient, conv: &str, cid: &str) -> Value {
    ws.recv_where(|f| f["type"] == "message" && f["conv"] == conv && f["cid"] == cid)
        .await
        .unwrap_or_else(|| panic!("no bot message {cid}"))
}

/// Waits for a bot message whose `cid` starts with `prefix`.
async fn bot_like(ws: &mut WsClient, conv: &str, prefix: &str) -> Value {
    let pred = |f: &Value| {
        f["type"] == "message"
            && f["conv"] == conv
            && f["from"]["role"] == "bot"
            && f["cid"].as_str().is_some_and(|c| c.starts_with(prefix))
    };
    ws.recv_where(pred)
        .await
        .unwrap_or_else(|| panic!("no bot message {prefix}…"))
}

/// The whole log of `conv` as `ws` syncs it.
async fn log_of(ws: &mut WsClient, conv: &str) -> Vec<Value> {
    sync(ws, conv, 0, &Value::Null).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_autoreply_processes_post_every_reply_once() {
    let redis = RedisServer::start();
    let prefix = unique_prefix();
    let text = quick_config_text();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: prefix.clone(),
    };
    let front = start(parsed(&text), "gateway,router", backend).await;
    let addr = front.addr.expect("gateway address");
    let channel = format!("{prefix}shop.afu");
    let before = subscribers(&redis, &channel).await;
    let dir = TempDir::new("autoreply");
    let file = dir.write("qin.toml", &text);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_qin"));
    let workers = [
        QinProcess::serve(&bin, &file, "autoreply", Some(&redis.url()), &prefix),
        QinProcess::serve(&bin, &file, "autoreply", Some(&redis.url()), &prefix),
    ];
    wait_subscribers(&redis, &channel, before + 2).await;

    // Nobody of 淑女组 is online: greeting, then leave a message.
    let (mut widget, _) = shopper(addr, None).await;
    let conv = open(&mut widget, "lady").await;
    bot(&mut widget, &conv, "auto:greeting").await;
    let away = bot(&mut widget, &conv, "auto:away").await;
    assert!(away["body"].as_str().unwrap().contains("留言"), "{away}");
    // The shopper leaves questions; FAQ answers come, but no promise that someone comes.
    widget.send_message(&conv, "s1", "包邮吗？").await;
    bot_like(&mut widget, &conv, "auto:kw:").await;
    widget.send_message(&conv, "s2", "有30ml的吗").await;
    let size = bot_like(&mut widget, &conv, "auto:kw:").await;
    assert!(size["body"].as_str().unwrap().contains("规格"), "{size}");

    // 安红 comes online; the router gives her the waiting chat: someone is here.
    let (mut anhong, _) = online_agent(addr, "anhong").await;
    assert_eq!(anhong.recv_type("assigned").await["conv"], conv.as_str());
    let back = bot(&mut widget, &conv, "auto:back:away").await;
    assert!(back["body"].as_str().unwrap().contains("安红"), "{back}");
    let kept = log_of(&mut anhong, &conv).await;
    assert!(
        kept.iter().any(|m| m["body"] == "有30ml的吗"),
        "the message was kept"
    );

    // She answers; the shopper's next message waits: holding messages after the quiet time.
    anhong.send_message(&conv, "a1", "亲，在的～").await;
    let asked = widget.send_message(&conv, "s3", "好的，我等一下").await;
    // The first holding message waits until 3 s after her message (quiet), not 2 s.
    let hold = bot_like(&mut widget, &conv, "auto:hold:").await;
    assert_eq!(hold["cid"], format!("auto:hold:{asked}:2"));
    assert!(hold["seq"].as_u64() > Some(asked));
    bot(&mut widget, &conv, &format!("auto:hold:{asked}:4")).await;

    // She sets a personal auto-reply in the console and goes busy (挂起).
    anhong
        .send(json!({"type": "auto_reply", "text": "在仓库盘点，10分钟回来"}))
        .await;
    assert_eq!(
        anhong.recv_type("auto_reply").await["text"],
        "在仓库盘点，10分钟回来"
    );
    anhong
        .send(json!({"type": "status", "state": "busy"}))
        .await;
    // Her status goes out on the shop's events before her console hears it back, so the
    // workers know it before the shopper's next message.
    anhong.recv_type("status").await;
    widget.send_message(&conv, "s4", "还在吗").await;
    let own = bot(&mut widget, &conv, &format!("auto:agent:anhong:{asked}")).await;
    assert_eq!(own["body"], "【安红的自动回复】在仓库盘点，10分钟回来");

    // Every bot reply is in the log once, whichever worker stored it.
    let log = log_of(&mut widget, &conv).await;
    let seqs: Vec<u64> = log.iter().filter_map(|m| m["seq"].as_u64()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "gap-free"
    );
    let mut bots: Vec<&str> = log
        .iter()
        .filter(|m| m["from"]["role"] == "bot")
        .map(|m| m["cid"].as_str().unwrap_or_default())
        .collect();
    let posted = bots.len();
    bots.sort_unstable();
    bots.dedup();
    assert_eq!(bots.len(), posted, "a bot reply was stored twice: {log:#?}");
    assert_eq!(
        posted, 8,
        "greeting, away, 2 answers, back, 2 holding, own: {bots:?}"
    );
    for mut worker in workers {
        assert!(worker.pid().is_some());
        worker.kill();
    }
    front.stop().await;
}

#[tokio::test]
async fn queue_places_are_told_when_they_change() {
    let mut config = parsed(&quick_config_text());
    let anhong = config.shops[0]
        .agents
        .iter_mut()
        .find(|a| a.id.as_str() == "anhong");
    anhong.expect("anhong").max_chats = 1;
    let (node, addr) = embedded(config).await;
    let (mut anhong, _) = online_agent(addr, "anhong").await;
    let mut widgets = Vec::new();
    for _ in 0..3 {
        let (mut w, _) = shopper(addr, None).await;
        let conv = open(&mut w, "lady").await;
        widgets.push((w, conv));
    }
    let first = anhong.recv_type("assigned").await["conv"]
        .as_str()
        .expect("conv")
        .to_owned();
    assert_eq!(
        first, widgets[0].1,
        "the first chat is hers, the others wait"
    );
    let (w, conv) = &mut widgets[2];
    let place = bot_like(w, conv, "auto:busy:").await;
    assert!(place["body"].as_str().unwrap().contains("第2位"), "{place}");
    // She finishes the first chat: the second is hers, the third moves up and is told.
    anhong.send(json!({"type": "close", "conv": first})).await;
    let moved = bot_like(w, conv, "auto:busy:1:").await;
    assert!(moved["body"].as_str().unwrap().contains("第1位"), "{moved}");
    node.stop().await;
}

#[tokio::test]
async fn off_hours_chats_are_told_when_the_shop_opens() {
    // Closed today and tomorrow (the shop's local dates): the next opening is the day after.
    let mut config = parsed(&quick_config_text());
    let hours = &mut config.shops[0].hours;
    let calendar = hours.calendar().expect("demo hours");
    let now = qin_proto::Millis::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis(),
    )
    .expect("ms");
    hours.holidays = vec![calendar.date(now), calendar.date(now + 86_400_000)];
    let (node, addr) = embedded(config).await;
    let (mut widget, _) = shopper(addr, None).await;
    let conv = open(&mut widget, "bold").await;
    bot(&mut widget, &conv, "auto:greeting").await;
    let closed = bot_like(&mut widget, &conv, "auto:closed:").await;
    let body = closed["body"].as_str().unwrap();
    assert!(body.contains("00:00") && body.contains("留言"), "{body}");
    // What the shopper writes meanwhile is kept, and the notice is not repeated.
    widget.send_message(&conv, "s1", "想买两瓶，记得找我").await;
    widget.send_message(&conv, "s2", "包邮吗").await;
    bot_like(&mut widget, &conv, "auto:kw:").await;
    let log = log_of(&mut widget, &conv).await;
    let notices = log
        .iter()
        .filter(|m| {
            m["cid"]
                .as_str()
                .is_some_and(|c| c.starts_with("auto:closed:"))
        })
        .count();
    assert_eq!(notices, 1);
    assert!(log.iter().any(|m| m["body"] == "想买两瓶，记得找我"));
    node.stop().await;
}
