//! Tests of the Redis store against private `redis-server`s: several gateways at once, the
//! key layout, failures and corrupt data. (The conformance suite runs from each part's file,
//! one test per case, on a fresh store from [`backend`].)

use super::RedisStore;
use super::keys::Keys;
use crate::conformance;
use crate::{CID_TTL_SECS, Conversation, Conversations, NewMessage, Presence, Store, StoreError};
use qin_proto::{AgentId, ConvId, ConvState, GroupId, MessageKind, Party, Role, ShopId};
use qin_testkit::{RedisServer, WAIT, eventually, unique_prefix};
use std::sync::Arc;
use std::time::Duration;

/// Bound for a run of many appends.
const SUITE_WAIT: Duration = Duration::from_secs(60);

pub(super) async fn connect(server: &RedisServer, prefix: &str) -> RedisStore {
    tokio::time::timeout(WAIT, RedisStore::connect(&server.url(), prefix))
        .await
        .expect("connect timed out")
        .expect("connect")
}

pub(super) async fn raw_connection(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(server.url()).expect("client");
    tokio::time::timeout(WAIT, client.get_multiplexed_async_connection())
        .await
        .expect("raw connect timed out")
        .expect("raw connect")
}

/// A private server, a store on it under a fresh prefix, its key names, and a raw connection
/// to look at (or spoil) the keys.
pub(super) struct Fixture {
    pub server: RedisServer,
    pub store: RedisStore,
    pub keys: Keys,
    pub raw: redis::aio::MultiplexedConnection,
}

pub(super) async fn fixture() -> Fixture {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    Fixture {
        store: connect(&server, &prefix).await,
        keys: Keys::new(&prefix),
        raw: raw_connection(&server).await,
        server,
    }
}

async fn zset_members(raw: &mut redis::aio::MultiplexedConnection, key: String) -> Vec<String> {
    redis::cmd("ZRANGE")
        .arg(key)
        .arg(0)
        .arg(-1)
        .query_async(raw)
        .await
        .expect("ZRANGE")
}

pub(super) fn sample_conversation() -> Conversation {
    Conversation {
        id: ConvId::parse("c1").expect("valid id"),
        shop: ShopId::parse("afu").expect("valid id"),
        shopper: Party {
            role: Role::Shopper,
            id: "v1".into(),
            name: "亲".into(),
        },
        group: GroupId::parse("lady").expect("valid id"),
        requested_agent: None,
        group_chosen: false,
        state: ConvState::Assigned,
        agent: AgentId::parse("anhong"),
        opened_at: 1_700_000_000_000,
        closed_at: None,
        tags: Vec::new(),
        rating: None,
        disposition: None,
    }
}

fn hello(conv: &Conversation) -> NewMessage {
    NewMessage {
        cid: "c-1".into(),
        from: conv.shopper.clone(),
        kind: MessageKind::Text,
        body: "亲，在吗".into(),
        ts: 1,
    }
}

/// A fresh store for one conformance case: a private server of its own, which the case
/// keeps alive.
pub(super) async fn backend() -> (RedisServer, Arc<RedisStore>) {
    let server = RedisServer::start();
    let store = Arc::new(connect(&server, &unique_prefix()).await);
    (server, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_gateways_append_to_one_conversation_gap_free() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let a: Arc<dyn Conversations> = Arc::new(connect(&server, &prefix).await);
    let b: Arc<dyn Conversations> = Arc::new(connect(&server, &prefix).await);
    let run = conformance::conversations::append_concurrent_across_stores(&a, &b);
    tokio::time::timeout(SUITE_WAIT, run)
        .await
        .expect("concurrent appends timed out");
}

#[tokio::test]
async fn keys_follow_the_documented_layout() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let store = connect(&server, &prefix).await;
    let conv = sample_conversation();
    store.save_conversation(&conv).await.expect("save");
    store.append(&conv.id, hello(&conv)).await.expect("append");
    let keys = Keys::new(&prefix);
    let mut raw = raw_connection(&server).await;

    let mut found: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut raw)
        .await
        .expect("KEYS");
    found.sort();
    let agent = AgentId::parse("anhong").expect("valid id");
    let mut expected = vec![
        keys.conv(&conv.id),
        keys.log(&conv.id),
        keys.cid(&conv.id, "v1", "c-1"),
        keys.open(&conv.shop),
        keys.open_of_shopper(&conv.shop, "v1"),
        keys.open_of_agent(&conv.shop, &agent),
    ];
    expected.sort();
    assert_eq!(found, expected);

    let ids: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(keys.log(&conv.id))
        .arg("-")
        .arg("+")
        .query_async(&mut raw)
        .await
        .expect("XRANGE");
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].0, "1-0");
    let ttl: i64 = redis::cmd("TTL")
        .arg(keys.cid(&conv.id, "v1", "c-1"))
        .query_async(&mut raw)
        .await
        .expect("TTL");
    assert!(ttl > CID_TTL_SECS as i64 - 60 && ttl <= CID_TTL_SECS as i64);
}

#[tokio::test]
async fn unreachable_redis_is_unavailable_within_seconds() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let url = format!("redis://127.0.0.1:{port}");
    let result = tokio::time::timeout(WAIT, RedisStore::connect(&url, "qin:"))
        .await
        .expect("connect to a dead port must not hang");
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "got {result:?}"
    );
}

#[tokio::test]
async fn calls_fail_fast_while_redis_is_down_and_work_after_it_returns() {
    let mut server = RedisServer::start();
    let store = connect(&server, &unique_prefix()).await;
    store.ping().await.expect("ping");

    server.kill();
    let down = tokio::time::timeout(WAIT, store.ping())
        .await
        .expect("ping to a dead server must not hang");
    assert!(
        matches!(down, Err(StoreError::Unavailable(_))),
        "got {down:?}"
    );
    let conv = sample_conversation();
    let save = tokio::time::timeout(WAIT, store.save_conversation(&conv))
        .await
        .expect("save to a dead server must not hang");
    assert!(
        matches!(save, Err(StoreError::Unavailable(_))),
        "got {save:?}"
    );

    server.restart();
    // Each failed call starts a reconnect; poll until one lands.
    eventually("the store reconnects", async || store.ping().await).await;
    store
        .save_conversation(&conv)
        .await
        .expect("save after restart");
}

#[tokio::test]
async fn corrupt_data_is_reported_as_corrupt() {
    let mut f = fixture().await;
    let conv = sample_conversation();
    let set = |key: String, value: &'static str| redis::cmd("SET").arg(key).arg(value).clone();

    set(f.keys.conv(&conv.id), "{not json")
        .exec_async(&mut f.raw)
        .await
        .expect("SET");
    let read = f.store.conversation(&conv.id).await;
    assert!(matches!(read, Err(StoreError::Corrupt(_))), "got {read:?}");
    let save = f.store.save_conversation(&conv).await;
    assert!(matches!(save, Err(StoreError::Corrupt(_))), "got {save:?}");

    redis::cmd("ZADD")
        .arg(f.keys.open(&conv.shop))
        .arg(1)
        .arg(conv.id.as_str())
        .exec_async(&mut f.raw)
        .await
        .expect("ZADD");
    let open = f.store.open_conversations(&conv.shop).await;
    assert!(matches!(open, Err(StoreError::Corrupt(_))), "got {open:?}");

    redis::cmd("XADD")
        .arg(f.keys.log(&conv.id))
        .arg("1-0")
        .arg("m")
        .arg("[]")
        .exec_async(&mut f.raw)
        .await
        .expect("XADD");
    let messages = f.store.messages_after(&conv.id, 0, 10).await;
    assert!(
        matches!(messages, Err(StoreError::Corrupt(_))),
        "got {messages:?}"
    );

    redis::cmd("HSET")
        .arg(f.keys.agent_statuses(&conv.shop))
        .arg("anhong")
        .arg("sleeping")
        .exec_async(&mut f.raw)
        .await
        .expect("HSET");
    let statuses = f.store.agent_statuses(&conv.shop).await;
    assert!(
        matches!(statuses, Err(StoreError::Corrupt(_))),
        "got {statuses:?}"
    );

    set(f.keys.groups_live(&conv.shop), "{}")
        .exec_async(&mut f.raw)
        .await
        .expect("SET");
    let groups = f.store.groups_live(&conv.shop).await;
    assert!(
        matches!(groups, Err(StoreError::Corrupt(_))),
        "got {groups:?}"
    );

    // A key of the wrong type is data this code did not write.
    redis::cmd("HSET")
        .arg(
            f.keys
                .groups_live(&ShopId::parse("other").expect("valid id")),
        )
        .arg("f")
        .arg("v")
        .exec_async(&mut f.raw)
        .await
        .expect("HSET");
    let wrong = f
        .store
        .groups_live(&ShopId::parse("other").expect("valid id"))
        .await;
    assert!(
        matches!(wrong, Err(StoreError::Corrupt(_))),
        "got {wrong:?}"
    );
}

/// The readers skip stale index entries, so the suite alone cannot see an index that keeps
/// them; look at the sorted sets themselves.
#[tokio::test]
async fn indexes_keep_no_stale_entries() {
    let mut f = fixture().await;
    let (anhong, xiaoxi) = (
        AgentId::parse("anhong").expect("valid id"),
        AgentId::parse("xiaoxi").expect("valid id"),
    );
    let mut conv = sample_conversation();
    f.store.save_conversation(&conv).await.expect("assign");
    conv.agent = Some(xiaoxi.clone());
    f.store.save_conversation(&conv).await.expect("transfer");

    let anhong_index = zset_members(&mut f.raw, f.keys.open_of_agent(&conv.shop, &anhong)).await;
    assert!(anhong_index.is_empty());
    let xiaoxi_index = zset_members(&mut f.raw, f.keys.open_of_agent(&conv.shop, &xiaoxi)).await;
    assert_eq!(xiaoxi_index, vec!["c1".to_owned()]);

    conv.state = ConvState::Closed;
    f.store.save_conversation(&conv).await.expect("close");
    let left: usize = redis::cmd("EXISTS")
        .arg(f.keys.open(&conv.shop))
        .arg(f.keys.open_of_shopper(&conv.shop, "v1"))
        .arg(f.keys.open_of_agent(&conv.shop, &anhong))
        .arg(f.keys.open_of_agent(&conv.shop, &xiaoxi))
        .query_async(&mut f.raw)
        .await
        .expect("EXISTS");
    assert_eq!(left, 0, "closing empties every open index");
}

/// A listener that accepts connections and then says `reply` (or nothing) forever.
async fn fake_peer(reply: &'static [u8]) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("redis://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(reply).await;
            held.push(socket);
        }
    });
    url
}

#[tokio::test]
async fn a_peer_that_is_not_redis_is_unavailable() {
    let url = fake_peer(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    let result = tokio::time::timeout(WAIT, RedisStore::connect(&url, "qin:"))
        .await
        .expect("connect must not hang");
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "got {result:?}"
    );
}

#[tokio::test]
async fn a_silent_peer_times_out_instead_of_hanging() {
    let url = fake_peer(b"").await;
    let outcome = tokio::time::timeout(WAIT, async {
        // Whether the handshake or the first command notices, it must end in Unavailable.
        RedisStore::connect(&url, "qin:").await?.ping().await
    })
    .await
    .expect("a silent peer must not hang the caller");
    assert!(
        matches!(outcome, Err(StoreError::Unavailable(_))),
        "got {outcome:?}"
    );
}
