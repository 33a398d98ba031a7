//! Tests of the file store, each in its own temporary data directory: restarts, a writer
//! killed mid-traffic, a second open of the same file, foreign files. (The conformance suite
//! runs from each part's file, one test per case, on a fresh store from [`backend`].)

use super::FileStore;
use super::schema::{META, store_error};
use crate::conformance;
use crate::{Conversation, Conversations, NewMessage, Presence, Store, StoreError};
use qin_proto::{
    AgentId, AgentStatus, ConvId, ConvState, GroupId, GroupLive, MessageKind, Party, Role, ShopId,
    VisitorId,
};
use qin_testkit::TempDir;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Bound for a run of many appends (every write is fsynced, so it is slower than memory).
const SUITE_WAIT: Duration = Duration::from_secs(60);
/// Bound for one step.
const WAIT: Duration = Duration::from_secs(10);

fn open(dir: &Path) -> FileStore {
    FileStore::open(dir).expect("open file store")
}

fn conversation(id: &str, opened_at: i64, agent: Option<&str>) -> Conversation {
    Conversation {
        id: ConvId::parse(id).expect("valid id"),
        shop: ShopId::parse("afu").expect("valid id"),
        shopper: Party {
            role: Role::Shopper,
            id: "v1".into(),
            name: "亲".into(),
        },
        group: GroupId::parse("lady").expect("valid id"),
        requested_agent: None,
        group_chosen: false,
        state: if agent.is_some() {
            ConvState::Assigned
        } else {
            ConvState::Queued
        },
        agent: agent.and_then(AgentId::parse),
        opened_at,
        closed_at: None,
        tags: Vec::new(),
        rating: None,
        disposition: None,
    }
}

fn text(from: &Party, cid: &str, body: &str) -> NewMessage {
    NewMessage {
        cid: cid.into(),
        from: from.clone(),
        kind: MessageKind::Text,
        body: body.into(),
        ts: 1_700_000_000_000,
    }
}

/// A fresh store for one conformance case, in a data directory of its own that goes with it.
pub(super) async fn backend() -> (TempDir, Arc<FileStore>) {
    let dir = TempDir::new("file-store");
    let store = Arc::new(open(dir.path()));
    (dir, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_handles_append_gap_free() {
    let dir = TempDir::new("file-store");
    let store = open(dir.path());
    let (a, b): (Arc<dyn Conversations>, Arc<dyn Conversations>) =
        (Arc::new(store.clone()), Arc::new(store));
    let run = conformance::conversations::append_concurrent_across_stores(&a, &b);
    tokio::time::timeout(SUITE_WAIT, run)
        .await
        .expect("timed out");
}

/// Everything written before the store is dropped is there when the directory is reopened,
/// and the logs, cids and indexes carry on from where they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_the_directory_keeps_everything() {
    let dir = TempDir::new("file-store");
    let shop = ShopId::parse("afu").expect("valid id");
    let anhong = AgentId::parse("anhong").expect("valid id");
    let open_conv = conversation("c-open", 200, Some("anhong"));
    let queued = conversation("c-queued", 100, None);
    let mut closed = conversation("c-closed", 50, Some("anhong"));
    let groups = vec![GroupLive {
        id: GroupId::parse("lady").expect("valid id"),
        name: "淑女组".into(),
        tagline: "温柔".into(),
        online: 1,
        waiting: 2,
        eta_s: 30,
        opens_at: None,
    }];
    let first_sent;
    {
        let store = open(dir.path());
        for conv in [&open_conv, &queued, &closed] {
            store.save_conversation(conv).await.expect("save");
        }
        closed.state = ConvState::Closed;
        closed.closed_at = Some(60);
        store.save_conversation(&closed).await.expect("close");
        let from = &open_conv.shopper;
        first_sent = store
            .append(&open_conv.id, text(from, "s1", "亲，在吗？"))
            .await
            .expect("append")
            .message;
        store
            .append(&open_conv.id, text(from, "s2", "发货了吗"))
            .await
            .expect("append");
        store
            .set_agent_status(&shop, &anhong, AgentStatus::Busy)
            .await
            .expect("status");
        store.set_groups_live(&shop, &groups).await.expect("groups");
    }

    let store = open(dir.path());
    let open_now = store.open_conversations(&shop).await.expect("open");
    assert_eq!(open_now, vec![queued.clone(), open_conv.clone()]);
    let of_agent = store
        .open_conversations_of_agent(&shop, &anhong)
        .await
        .expect("agent's open");
    assert_eq!(of_agent, vec![open_conv.clone()]);
    let of_shopper = store
        .open_conversations_of_shopper(&shop, &VisitorId::parse("v1").expect("valid id"))
        .await
        .expect("shopper's open");
    assert_eq!(of_shopper.len(), 2);
    let read_closed = store.conversation(&closed.id).await.expect("read");
    assert_eq!(read_closed.as_ref(), Some(&closed));
    let mut reopened = closed.clone();
    reopened.state = ConvState::Assigned;
    assert!(matches!(
        store.save_conversation(&reopened).await,
        Err(StoreError::Closed(_))
    ));

    assert_eq!(store.last_seq(&open_conv.id).await.expect("last seq"), 2);
    let log = store
        .messages_after(&open_conv.id, 0, 10)
        .await
        .expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0], first_sent);
    let retry = store
        .append(&open_conv.id, text(&open_conv.shopper, "s1", "retry"))
        .await
        .expect("retry");
    assert!(retry.duplicate, "the cid survived the restart");
    assert_eq!(retry.message, first_sent);
    let next = store
        .append(&open_conv.id, text(&open_conv.shopper, "s3", "还在吗"))
        .await
        .expect("append");
    assert_eq!(next.message.seq, 3, "seq continues without a gap");

    let statuses = store.agent_statuses(&shop).await.expect("statuses");
    assert_eq!(statuses, HashMap::from([(anhong, AgentStatus::Busy)]));
    assert_eq!(store.groups_live(&shop).await.expect("groups"), groups);
}

/// redb locks the file: a second open fails clearly instead of sharing (and corrupting) it,
/// the first keeps working, and once it is dropped the directory opens again.
#[tokio::test]
async fn a_second_open_of_the_same_directory_is_refused() {
    let dir = TempDir::new("file-store");
    let first = open(dir.path());
    match FileStore::open(dir.path()) {
        Err(StoreError::Unavailable(why)) => assert!(why.contains("already in use"), "{why}"),
        other => panic!("second open gave {other:?}"),
    }
    first.ping().await.expect("the first handle still works");
    let conv = conversation("c1", 1, None);
    first.save_conversation(&conv).await.expect("save");
    drop(first);
    let again = open(dir.path());
    assert_eq!(
        again.conversation(&conv.id).await.expect("read"),
        Some(conv)
    );
}

#[test]
fn open_creates_the_directory_and_one_file() {
    let dir = TempDir::new("file-store");
    let nested = dir.path().join("a").join("data");
    let store = open(&nested);
    assert_eq!(store.path(), nested.join(FileStore::FILE_NAME));
    let files: Vec<_> = std::fs::read_dir(&nested)
        .expect("dir exists")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(files, vec![std::ffi::OsString::from(FileStore::FILE_NAME)]);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_kept() {
    let dir = TempDir::new("file-store");
    std::fs::create_dir_all(dir.path()).expect("mkdir");
    let file = dir.path().join(FileStore::FILE_NAME);
    let junk = vec![0x5a_u8; 8192];
    std::fs::write(&file, &junk).expect("write junk");
    match FileStore::open(dir.path()) {
        Err(StoreError::Corrupt(why)) => assert!(why.contains(FileStore::FILE_NAME), "{why}"),
        other => panic!("opening junk gave {other:?}"),
    }
    assert_eq!(
        std::fs::read(&file).expect("read back"),
        junk,
        "file untouched"
    );
}

#[test]
fn a_file_of_another_schema_is_refused() {
    let dir = TempDir::new("file-store");
    drop(open(dir.path()));
    {
        let db = redb::Database::create(dir.path().join(FileStore::FILE_NAME)).expect("redb");
        let txn = db.begin_write().expect("txn");
        txn.open_table(META)
            .expect("meta")
            .insert("schema", 99)
            .expect("insert");
        txn.commit().expect("commit");
    }
    match FileStore::open(dir.path()) {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("schema 99"), "{why}"),
        other => panic!("open of schema 99 gave {other:?}"),
    }
}

#[test]
fn redb_errors_map_to_store_errors() {
    let io = std::io::Error::other("disk on fire");
    assert!(matches!(store_error(io), StoreError::Unavailable(_)));
    let corrupt = redb::StorageError::Corrupted("bad page".into());
    assert!(matches!(store_error(corrupt), StoreError::Corrupt(_)));
}

/// Set by [`killed_writer_loses_no_acked_message`] for the child process it kills.
const CHILD_DIR: &str = "QIN_FILE_STORE_CHILD_DIR";
const CHILD_MESSAGES: u64 = 40;

/// A writer process killed with SIGKILL right after its acks loses none of them: reopening
/// (which repairs the uncleanly closed file) finds every acked message, and seq continues.
#[tokio::test]
async fn killed_writer_loses_no_acked_message() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        // This same test, re-run in a child process: be the writer that gets killed.
        return write_until_killed(Path::new(&dir)).await;
    }
    let dir = TempDir::new("file-store");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "file_store::tests::killed_writer_loses_no_acked_message",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("child stdout");
    let acked = tokio::task::spawn_blocking(move || {
        let mut acked = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("child output");
            if let Some(seq) = line.strip_prefix("acked ") {
                acked = seq.parse().expect("seq");
                if acked == CHILD_MESSAGES {
                    break;
                }
            }
        }
        acked
    });
    let acked = tokio::time::timeout(SUITE_WAIT, acked)
        .await
        .expect("the writer never finished")
        .expect("reader task");
    child.kill().expect("kill -9 the writer");
    child.wait().expect("reap the writer");
    assert_eq!(acked, CHILD_MESSAGES);

    let store = tokio::time::timeout(WAIT, async {
        let dir = dir.path().to_owned();
        tokio::task::spawn_blocking(move || open(&dir)).await
    })
    .await
    .expect("reopen timed out")
    .expect("reopen task");
    let conv = ConvId::parse("crash").expect("valid id");
    let log = store
        .messages_after(&conv, 0, usize::MAX)
        .await
        .expect("log");
    let seqs: Vec<u64> = log.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=CHILD_MESSAGES).collect::<Vec<_>>());
    let from = conversation("crash", 1, None).shopper;
    let next = store
        .append(&conv, text(&from, "after", "back"))
        .await
        .expect("append");
    assert_eq!(next.message.seq, CHILD_MESSAGES + 1);
}

/// The child's part of [`killed_writer_loses_no_acked_message`]: appends, prints each ack,
/// then waits to be killed.
async fn write_until_killed(dir: &Path) {
    let store = open(dir);
    let conv = conversation("crash", 1, None);
    store.save_conversation(&conv).await.expect("save");
    for i in 1..=CHILD_MESSAGES {
        let appended = store
            .append(&conv.id, text(&conv.shopper, &format!("c{i}"), "亲"))
            .await
            .expect("append");
        println!("acked {}", appended.message.seq);
    }
    std::future::pending::<()>().await;
}
