//! Embedded mode on a data directory: a node is stopped and another started on the same
//! directory; the shopper comes back to the same chat, `sync` replays all of it, and new
//! messages carry on the seq without a gap.

mod common;

use common::*;
use qin::{Backend, Node};
use qin_testkit::{TempDir, WAIT, eventually};
use serde_json::Value;
use std::path::Path;

async fn start_on(dir: &Path) -> Node {
    let backend = Backend::File {
        dir: dir.to_owned(),
    };
    start(demo_config(), "gateway,router,autoreply", backend).await
}

/// Waits until no store of a stopped node holds `dir`'s database any more. `Node::stop`
/// returns once its roles have; websocket sessions (spawned by axum on upgrade) and hub
/// forwarders end just after, each dropping its handle on the store, and the file is
/// unlocked when the last one goes.
async fn released(dir: &Path) {
    let began = std::time::Instant::now();
    let what = format!("the stopped node lets go of {}", dir.display());
    eventually(&what, async || {
        let probe = dir.to_owned();
        tokio::task::spawn_blocking(move || qin_store::FileStore::open(&probe).map(drop))
            .await
            .expect("probe task")
    })
    .await;
    println!("data file released {:?} after stop", began.elapsed());
}

/// What identifies a stored message across the restart.
fn stored(messages: &[Value]) -> Vec<(u64, String, String, String)> {
    messages
        .iter()
        .map(|m| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            let seq = m["seq"].as_u64().expect("seq");
            (
                seq,
                text(&m["cid"]),
                text(&m["from"]["role"]),
                text(&m["body"]),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_on_its_data_directory_loses_nothing() {
    let dir = TempDir::new("restart");

    let node = start_on(dir.path()).await;
    let addr = node.addr.expect("gateway address");
    let (mut agent, _) = online_agent(addr, "anhong").await;
    let (mut widget, welcome) = shopper(addr, None).await;
    let token = welcome["token"].as_str().expect("token").to_owned();
    let conv = open(&mut widget, "lady").await;
    conversation_state(&mut widget, &conv, "assigned").await;
    agent.recv_type("assigned").await;
    widget
        .recv_where(|f| f["type"] == "message" && f["from"]["role"] == "bot")
        .await
        .expect("the group's greeting");
    // The keyword question comes first: the bot keeps quiet while the agent is replying.
    let asked = widget.send_message(&conv, "s1", "什么时候发货呀").await;
    widget
        .recv_where(|f| {
            f["type"] == "message" && f["from"]["role"] == "bot" && f["seq"].as_u64() > Some(asked)
        })
        .await
        .expect("the shipping keyword answer");
    agent.send_message(&conv, "a1", "在的亲～").await;
    widget.recv_message(&conv, "在的亲～").await;
    widget.send_message(&conv, "s2", "亲，在吗？").await;
    agent.recv_message(&conv, "亲，在吗？").await;
    let (before, synced) = sync(&mut widget, &conv, 0, &Value::Null).await;
    let last_seq = synced["upto"].as_u64().expect("upto");
    let epoch = synced["epoch"].clone();
    assert_eq!(last_seq, 5, "greeting, s1, answer, a1, s2: {before:?}");
    assert_eq!(stored(&before).len() as u64, last_seq);

    drop((agent, widget));
    node.stop().await;
    released(dir.path()).await;

    let node = tokio::time::timeout(WAIT, start_on(dir.path()))
        .await
        .expect("restart timed out");
    let addr = node.addr.expect("gateway address");
    let (mut widget, welcome) = shopper(addr, Some(&token)).await;
    let convs = welcome["conversations"].as_array().expect("conversations");
    assert_eq!(convs.len(), 1, "{welcome}");
    assert_eq!(convs[0]["conv"], conv.as_str());
    assert_eq!(convs[0]["state"], "assigned");
    assert_eq!(convs[0]["agent"]["id"], handle_of("anhong"));
    assert_eq!(convs[0]["last_seq"], last_seq);

    let (after, synced) = sync(&mut widget, &conv, 0, &epoch).await;
    assert_eq!(synced["recovered"], true, "{synced}");
    assert_eq!(synced["epoch"], epoch, "the log is the same log");
    assert_eq!(stored(&after), stored(&before));

    // Nobody is connected to a freshly started embedded node, so nobody is online.
    let (mut agent, agent_welcome) = online_agent(addr, "anhong").await;
    assert_eq!(agent_welcome["status"], "offline");
    let next = widget.send_message(&conv, "s3", "好的，谢谢亲").await;
    assert_eq!(next, last_seq + 1, "seq carries on without a gap");
    agent.recv_message(&conv, "好的，谢谢亲").await;
    let reply = agent.send_message(&conv, "a2", "不客气～").await;
    assert_eq!(reply, last_seq + 2);
    widget.recv_message(&conv, "不客气～").await;
    let retry = widget.send_message(&conv, "s1", "什么时候发货呀").await;
    assert_eq!(retry, 2, "a cid from before the restart is still known");

    node.stop().await;
}

#[test]
fn the_config_picks_redis_then_a_data_directory_then_memory() {
    let mut config = demo_config();
    assert!(
        matches!(Backend::from_config(&config), Backend::File { dir } if dir == Path::new("data"))
    );
    config.server.redis = Some("redis://127.0.0.1:6379".into());
    assert!(matches!(
        Backend::from_config(&config),
        Backend::Redis { .. }
    ));
    config.server.redis = None;
    config.server.data_dir = None;
    assert!(matches!(
        Backend::from_config(&config),
        Backend::Memory { .. }
    ));
}
