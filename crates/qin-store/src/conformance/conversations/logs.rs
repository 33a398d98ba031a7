//! Conformance checks for message logs: gap-free seq, idempotent cid, paging, concurrency.

use super::super::{agent_id, agent_party, conv_id, shopper};
use super::{saved_conversation, text};
use crate::{Appended, Conversations, NewMessage, StoreError};
use qin_proto::{ConvState, Message, MessageKind};
use std::collections::HashSet;
use std::sync::Arc;

async fn append(
    store: &Arc<dyn Conversations>,
    conv: &qin_proto::ConvId,
    msg: NewMessage,
) -> Appended {
    store.append(conv, msg).await.expect("append")
}

async fn all_messages(store: &Arc<dyn Conversations>, conv: &qin_proto::ConvId) -> Vec<Message> {
    store
        .messages_after(conv, 0, 10_000)
        .await
        .expect("messages")
}

/// Appends are numbered 1, 2, 3, … and read back exactly as sent (sender, kind, body, ts).
pub async fn append_numbers_from_one(store: &Arc<dyn Conversations>) {
    let conv = saved_conversation(store).await;
    assert_eq!(store.last_seq(&conv.id).await.expect("last seq"), 0);
    let agent = agent_party(&agent_id("anhong"));
    let image = NewMessage {
        cid: "img-1".into(),
        from: agent.clone(),
        kind: MessageKind::Image,
        body: "https://img.example/oil.png".into(),
        ts: -1,
    };
    let sent = [
        text(&conv.shopper, "c1", "亲，在吗？"),
        text(&agent, "a1", "在的亲 😊 \"quotes\" \\ and\nnewline"),
        image,
    ];
    let mut stored = Vec::new();
    for (i, msg) in sent.iter().enumerate() {
        let appended = append(store, &conv.id, msg.clone()).await;
        assert!(!appended.duplicate);
        let expected = Message {
            conv: conv.id.clone(),
            seq: i as u64 + 1,
            cid: msg.cid.clone(),
            from: msg.from.clone(),
            kind: msg.kind,
            body: msg.body.clone(),
            ts: msg.ts,
        };
        assert_eq!(appended.message, expected);
        stored.push(expected);
    }
    assert_eq!(store.last_seq(&conv.id).await.expect("last seq"), 3);
    assert_eq!(all_messages(store, &conv.id).await, stored);
}

/// Appending to a conversation that was never saved fails and stores nothing.
pub async fn append_to_unknown_conversation_fails(store: &Arc<dyn Conversations>) {
    let unknown = conv_id("ghost");
    match store
        .append(&unknown, text(&shopper("v1"), "c1", "hi"))
        .await
    {
        Err(StoreError::NotFound(id)) => assert_eq!(id, unknown),
        other => panic!("append to unknown conversation gave {other:?}"),
    }
    assert_eq!(store.last_seq(&unknown).await.expect("last seq"), 0);
    assert!(all_messages(store, &unknown).await.is_empty());
}

/// A retried `(from.id, cid)` gets the original message back and stores nothing new.
pub async fn duplicate_cid_returns_the_original(store: &Arc<dyn Conversations>) {
    let conv = saved_conversation(store).await;
    let first = append(store, &conv.id, text(&conv.shopper, "c1", "first")).await;
    append(store, &conv.id, text(&conv.shopper, "c2", "second")).await;
    let mut retry = text(&conv.shopper, "c1", "first, edited by a buggy client");
    retry.ts += 5_000;
    let again = append(store, &conv.id, retry).await;
    assert!(again.duplicate);
    assert_eq!(again.message, first.message);
    assert_eq!(store.last_seq(&conv.id).await.expect("last seq"), 2);
    assert_eq!(all_messages(store, &conv.id).await.len(), 2);
}

/// The same cid from another sender is another message.
pub async fn same_cid_from_another_sender_is_new(store: &Arc<dyn Conversations>) {
    let conv = saved_conversation(store).await;
    let agent = agent_party(&agent_id("anhong"));
    let from_shopper = append(store, &conv.id, text(&conv.shopper, "1", "hi")).await;
    let from_agent = append(store, &conv.id, text(&agent, "1", "hello")).await;
    assert!(!from_agent.duplicate);
    assert_eq!((from_shopper.message.seq, from_agent.message.seq), (1, 2));
    // Sender and cid must not run together: ("v1", "1:x") is not ("v1:1", "x").
    let mut tricky = shopper("v1:1");
    tricky.name = "tricky".into();
    let odd = append(store, &conv.id, text(&tricky, "x", "a")).await;
    let odd_too = append(store, &conv.id, text(&shopper("v1"), "1:x", "b")).await;
    assert!(!odd.duplicate && !odd_too.duplicate);
    assert_eq!(store.last_seq(&conv.id).await.expect("last seq"), 4);
}

/// A closed conversation takes no more messages, but a retry of one stored before the close
/// still gets its original.
pub async fn append_after_close_is_refused(store: &Arc<dyn Conversations>) {
    let mut conv = saved_conversation(store).await;
    let before = append(store, &conv.id, text(&conv.shopper, "c1", "hi")).await;
    conv.state = ConvState::Closed;
    conv.closed_at = Some(conv.opened_at + 1);
    store.save_conversation(&conv).await.expect("close");
    let refused = store
        .append(&conv.id, text(&conv.shopper, "c2", "bye"))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Closed(ref id)) if *id == conv.id),
        "{refused:?}"
    );
    let retried = append(store, &conv.id, text(&conv.shopper, "c1", "hi")).await;
    assert!(retried.duplicate);
    assert_eq!(retried.message, before.message);
    assert_eq!(store.last_seq(&conv.id).await.expect("last seq"), 1);
}

/// `messages_after` returns at most `limit` messages with `seq > after`, ascending.
pub async fn messages_after_pages(store: &Arc<dyn Conversations>) {
    let conv = saved_conversation(store).await;
    for i in 1..=10 {
        let cid = format!("c{i}");
        append(store, &conv.id, text(&conv.shopper, &cid, &cid)).await;
    }
    let page = |after, limit| {
        let id = conv.id.clone();
        async move {
            let messages = store.messages_after(&id, after, limit).await.expect("page");
            messages.into_iter().map(|m| m.seq).collect::<Vec<_>>()
        }
    };
    assert_eq!(page(0, 3).await, vec![1, 2, 3]);
    assert_eq!(page(3, 3).await, vec![4, 5, 6]);
    assert_eq!(page(9, 5).await, vec![10]);
    assert_eq!(page(10, 5).await, Vec::<u64>::new());
    assert_eq!(page(2, 0).await, Vec::<u64>::new());
    assert_eq!(page(u64::MAX, 5).await, Vec::<u64>::new());
    assert_eq!(page(0, usize::MAX).await, (1..=10).collect::<Vec<_>>());
}

/// 50 appends from 50 tasks at once get exactly the seqs 1..=50.
pub async fn concurrent_appends_are_gap_free(store: &Arc<dyn Conversations>) {
    append_concurrently(std::slice::from_ref(store), 50, 1).await;
}

/// Two handles on one backend (two gateways) appending to one conversation at once still
/// produce one gap-free log. For Redis, pass two separately connected stores.
pub async fn append_concurrent_across_stores(
    a: &Arc<dyn Conversations>,
    b: &Arc<dyn Conversations>,
) {
    append_concurrently(&[a.clone(), b.clone()], 40, 5).await;
}

async fn append_concurrently(stores: &[Arc<dyn Conversations>], tasks: usize, per_task: usize) {
    let conv = saved_conversation(&stores[0]).await;
    let mut handles = Vec::new();
    for task in 0..tasks {
        let store = stores[task % stores.len()].clone();
        let (id, from) = (conv.id.clone(), conv.shopper.clone());
        handles.push(tokio::spawn(async move {
            let mut appended = Vec::new();
            for i in 0..per_task {
                let cid = format!("t{task}-{i}");
                appended.push(append(&store, &id, text(&from, &cid, &cid)).await);
            }
            appended
        }));
    }
    let mut returned = Vec::new();
    for handle in handles {
        returned.extend(handle.await.expect("append task"));
    }
    let total = (tasks * per_task) as u64;
    assert!(returned.iter().all(|a| !a.duplicate));
    let mut seqs: Vec<u64> = returned.iter().map(|a| a.message.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>());

    let mut log = all_messages(&stores[0], &conv.id).await;
    assert_eq!(log.len() as u64, total);
    assert!(log.iter().zip(1..).all(|(m, seq)| m.seq == seq));
    let mut sent: Vec<Message> = returned.into_iter().map(|a| a.message).collect();
    sent.sort_by_key(|m| m.seq);
    log.sort_by_key(|m| m.seq);
    assert_eq!(
        log, sent,
        "the log holds exactly what each appender was told"
    );
    assert_eq!(stores[0].last_seq(&conv.id).await.expect("last seq"), total);
}

/// 20 tasks sending the same `(from.id, cid)` at once store it exactly once.
pub async fn concurrent_same_cid_is_stored_once(store: &Arc<dyn Conversations>) {
    let conv = saved_conversation(store).await;
    let mut handles = Vec::new();
    for task in 0..20 {
        let (store, id, from) = (store.clone(), conv.id.clone(), conv.shopper.clone());
        handles.push(tokio::spawn(async move {
            append(&store, &id, text(&from, "same", &format!("try {task}"))).await
        }));
    }
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("append task"));
    }
    let originals: Vec<&Appended> = results.iter().filter(|a| !a.duplicate).collect();
    assert_eq!(originals.len(), 1, "exactly one send is stored");
    let distinct: HashSet<_> = results.iter().map(|a| format!("{:?}", a.message)).collect();
    assert_eq!(distinct.len(), 1, "every retry sees the stored message");
    assert_eq!(
        all_messages(store, &conv.id).await,
        vec![originals[0].message.clone()]
    );
}
