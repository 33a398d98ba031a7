//! Redis-only behaviour: one pub/sub connection per node, upstream unsubscribe, recovery
//! from killed connections and restarted servers, prompt failure while Redis is down.

use super::RedisBus;
use super::driver::Timing;
use crate::conformance::{WAIT, next, publish, subscribe};
use crate::{Bus, BusError, Subscription};
use bytes::Bytes;
use qin_testkit::{RedisServer, eventually, poll_until, unique_prefix};
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use tokio::time::timeout;

/// How long a call may take while Redis is down before it counts as hanging.
const PROMPT: Duration = Duration::from_secs(5);

async fn bus(server: &RedisServer, prefix: &str) -> RedisBus {
    timeout(WAIT, RedisBus::connect(&server.url(), prefix))
        .await
        .expect("connect timed out")
        .expect("connect")
}

async fn admin(server: &RedisServer) -> MultiplexedConnection {
    let client = redis::Client::open(server.url()).expect("redis url");
    timeout(WAIT, client.get_multiplexed_async_connection())
        .await
        .expect("admin connect timed out")
        .expect("admin connect")
}

async fn pubsub_clients(mut conn: MultiplexedConnection) -> usize {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut conn)
        .await
        .expect("CLIENT LIST");
    list.lines().filter(|line| !line.trim().is_empty()).count()
}

async fn numsub(mut conn: MultiplexedConnection, channel: String) -> i64 {
    let (_, count): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(&channel)
        .query_async(&mut conn)
        .await
        .expect("PUBSUB NUMSUB");
    count
}

/// Publishes probes until `sub` receives one: the way to tell that a subscription is live
/// again after an outage, since probes sent before that are lost by design.
async fn publish_until_received(bus: &RedisBus, sub: &mut Subscription) {
    let topic = sub.topic().to_owned();
    eventually(&format!("{topic}: a delivery"), async || {
        let _ = bus.publish(&topic, Bytes::from_static(b"probe")).await;
        match timeout(Duration::from_millis(100), sub.recv()).await {
            Ok(Some(_)) => true,
            Ok(None) => panic!("{topic}: bus closed"),
            Err(_) => false,
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_holds_one_pubsub_connection_and_one_upstream_subscription_per_topic() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let node = bus(&server, &prefix).await;
    let mut subs = Vec::new();
    for topic in 0..30 {
        for _ in 0..3 {
            subs.push(subscribe(&node, &format!("topic:{topic}")).await);
        }
    }
    let conn = admin(&server).await;
    assert_eq!(pubsub_clients(conn.clone()).await, 1);
    assert_eq!(numsub(conn, format!("{prefix}topic:7")).await, 1);
    publish(&node, "topic:7", "x").await;
    for sub in subs.iter_mut().filter(|s| s.topic() == "topic:7") {
        assert_eq!(next(sub).await, "x");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_local_drop_unsubscribes_upstream() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let node = bus(&server, &prefix).await;
    let conn = admin(&server).await;
    let channel = format!("{prefix}conv:1");

    let first = subscribe(&node, "conv:1").await;
    let second = subscribe(&node, "conv:1").await;
    drop(first);
    // A subscribe goes through the driver after the release above, so the release has
    // been looked at by the time it returns.
    let _other = subscribe(&node, "conv:2").await;
    assert_eq!(numsub(conn.clone(), channel.clone()).await, 1);

    drop(second);
    eventually("upstream unsubscribe", async || {
        numsub(conn.clone(), channel.clone()).await == 0
    })
    .await;

    // Thousands of conversations coming and going leave nothing subscribed behind.
    for i in 0..2000 {
        drop(subscribe(&node, &format!("churn:{i}")).await);
    }
    let churn = format!("{prefix}churn:*");
    eventually("churn unsubscribed", async || {
        let left: Vec<String> = redis::cmd("PUBSUB")
            .arg("CHANNELS")
            .arg(&churn)
            .query_async(&mut conn.clone())
            .await
            .expect("PUBSUB CHANNELS");
        left.is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribes_after_the_connection_is_killed() {
    let server = RedisServer::start();
    let node = bus(&server, &unique_prefix()).await;
    let mut sub = subscribe(&node, "conv:kill").await;
    let conn = admin(&server).await;

    let mut killer = conn.clone();
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut killer)
        .await
        .expect("CLIENT KILL");
    assert_eq!(killed, 1);

    // Subscribers hear that payloads may have been lost before delivery resumes.
    let gap = timeout(WAIT, sub.next()).await.expect("a gap in time");
    assert_eq!(gap, Some(crate::Received::Gap));
    assert!(node.is_connected());
    publish_until_received(&node, &mut sub).await;
    assert_eq!(pubsub_clients(conn).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_resume_after_a_server_restart() {
    let mut server = RedisServer::start();
    let prefix = unique_prefix();
    let node = bus(&server, &prefix).await;
    let other = bus(&server, &prefix).await;
    let mut sub = subscribe(&node, "conv:restart").await;

    server.kill();
    server.restart();

    publish_until_received(&node, &mut sub).await;
    // The other node, its publisher reconnected too, reaches the same subscription (its
    // publisher may still be reconnecting at first).
    eventually("the other node publishes", async || {
        other
            .publish("conv:restart", Bytes::from("from other"))
            .await
    })
    .await;
    let mut payload = next(&mut sub).await;
    while payload == "probe" {
        payload = next(&mut sub).await;
    }
    assert_eq!(payload, "from other");
    // New topics subscribe normally on the new connection.
    let mut fresh = subscribe(&node, "conv:after").await;
    publish(&other, "conv:after", "hi").await;
    assert_eq!(next(&mut fresh).await, "hi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_fail_promptly_while_redis_is_down() {
    let mut server = RedisServer::start();
    let node = bus(&server, &unique_prefix()).await;
    let _sub = subscribe(&node, "conv:down").await;
    server.kill();

    // Twice: the first hits the broken connection, the second the reconnect path.
    for attempt in 0..2 {
        let outcome = timeout(PROMPT, node.publish("conv:down", Bytes::from("x")))
            .await
            .unwrap_or_else(|_| panic!("publish {attempt} hung while redis is down"));
        assert!(
            matches!(outcome, Err(BusError::Unavailable(_))),
            "publish {attempt}: {outcome:?}"
        );
    }
    let outcome = timeout(PROMPT, node.subscribe("conv:new"))
        .await
        .expect("subscribe hung while redis is down");
    assert!(
        matches!(outcome, Err(BusError::Unavailable(_))),
        "subscribe: {outcome:?}"
    );
}

/// The id of the server's only pub/sub client.
async fn pubsub_client_id(mut conn: MultiplexedConnection) -> String {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut conn)
        .await
        .expect("CLIENT LIST");
    let ids: Vec<&str> = list
        .split_whitespace()
        .filter_map(|field| field.strip_prefix("id="))
        .collect();
    assert_eq!(ids.len(), 1, "pub/sub clients: {list}");
    ids[0].to_owned()
}

/// The process id of the redis-server behind `conn`.
async fn server_pid(conn: &mut MultiplexedConnection) -> String {
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(conn)
        .await
        .expect("INFO");
    info.lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .expect("process_id in INFO")
        .trim()
        .to_owned()
}

/// Sends `signal` (e.g. `-STOP`) to process `pid`.
fn signal(pid: &str, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, pid])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {signal} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silently_dead_connection_is_noticed_by_ping_and_replaced() {
    let server = RedisServer::start();
    let timing = Timing {
        ping_every: Duration::from_millis(200),
        op_timeout: Duration::from_millis(300),
    };
    let node = timeout(
        WAIT,
        RedisBus::connect_with(&server.url(), &unique_prefix(), timing),
    )
    .await
    .expect("connect timed out")
    .expect("connect");
    let mut sub = subscribe(&node, "conv:silent").await;
    let mut conn = admin(&server).await;
    let before = pubsub_client_id(conn.clone()).await;
    let pid = server_pid(&mut conn).await;

    // A stopped server keeps its sockets open but answers nothing, like a peer lost behind
    // a silent network. Only the PING can tell.
    signal(&pid, "-STOP");
    // Joining a topic that is already subscribed needs no Redis round trip, so it turns
    // unavailable only once the driver's PING has given the connection up.
    let noticed = poll_until(WAIT, async || node.subscribe("conv:silent").await.is_err()).await;
    signal(&pid, "-CONT");
    noticed.expect("dead connection not noticed");

    publish_until_received(&node, &mut sub).await;
    eventually("old connection closed", async || {
        pubsub_clients(conn.clone()).await == 1
    })
    .await;
    assert_ne!(pubsub_client_id(conn).await, before);
}

#[tokio::test]
async fn connect_fails_fast_when_redis_is_unreachable() {
    let mut server = RedisServer::start();
    let url = server.url();
    server.kill();
    let outcome = timeout(PROMPT, RedisBus::connect(&url, &unique_prefix()))
        .await
        .expect("connect hung");
    assert!(matches!(outcome, Err(BusError::Unavailable(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_bus_stops_the_driver() {
    let server = RedisServer::start();
    let node = bus(&server, &unique_prefix()).await;
    let clone = node.clone();
    let mut sub = subscribe(&node, "conv:gone").await;
    drop(node);
    // A clone keeps the node alive.
    publish(&clone, "conv:gone", "still here").await;
    assert_eq!(next(&mut sub).await, "still here");

    drop(clone);
    let end = timeout(WAIT, sub.recv()).await.expect("recv hung");
    assert_eq!(end, None);
    let conn = admin(&server).await;
    eventually("pub/sub connection closed", async || {
        pubsub_clients(conn.clone()).await == 0
    })
    .await;
}
