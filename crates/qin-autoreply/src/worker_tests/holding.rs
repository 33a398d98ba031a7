//! Holding messages under paused tokio time: the worker's timers fire at the thresholds of
//! each wait, once per threshold, never after an agent's answer — also when the answer's
//! event was lost, when two workers run, and after a worker restarts.

use super::*;
use tokio::time::Instant;

/// Seconds from `start` to now, in tokio's (paused) time.
fn after(start: Instant) -> u64 {
    start.elapsed().as_secs()
}

#[tokio::test(start_paused = true)]
async fn holding_messages_at_each_threshold_once_per_wait() {
    let s = Setup::new(1).await;
    let (conv, mut sub) = s.chat_of("c1", ConvState::Assigned, Some("xiaoya")).await;
    let start = Instant::now();
    let first = s.shopper_says(&conv, "在吗").await;
    s.shopper_says(&conv, "有人吗").await; // the same wait
    let m = next_message(&mut sub).await;
    assert_eq!((m.cid, after(start)), (format!("auto:hold:{first}:30"), 30));
    assert_eq!(m.body, "亲，客服正在快马加鞭赶来～");
    let m = next_message(&mut sub).await;
    assert_eq!((m.cid, after(start)), (format!("auto:hold:{first}:90"), 90));
    // The agent answers; the wait is over. The next message starts a new one.
    s.agent_says(&conv, "xiaoya", false).await;
    tokio::time::sleep(Duration::from_secs(300)).await;
    let again = s.shopper_says(&conv, "还有个问题").await;
    let restart = Instant::now();
    let m = next_message(&mut sub).await;
    assert_eq!(
        (m.cid, after(restart)),
        (format!("auto:hold:{again}:30"), 30)
    );
    // Nothing else was posted in between: 2 shopper, 2 holding, 1 agent, 1 shopper, 1 holding.
    assert_eq!(s.store.last_seq(&conv).await.unwrap(), 7);
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn no_holding_message_after_an_answer_whose_event_was_lost() {
    let s = Setup::new(1).await;
    let (conv, mut sub) = s.chat_of("c1", ConvState::Assigned, Some("xiaoya")).await;
    s.shopper_says(&conv, "在吗").await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    s.agent_says(&conv, "xiaoya", true).await; // stored, but its event never arrives
    tokio::time::sleep(Duration::from_secs(200)).await;
    // Something that is answered, to see what came before it.
    s.shopper_says(&conv, "包邮吗").await;
    let m = next_message(&mut sub).await;
    assert!(
        m.cid.starts_with("auto:kw:"),
        "no holding message came first: {}",
        m.cid
    );
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn two_workers_hold_once() {
    let s = Setup::new(2).await;
    let (conv, mut sub) = s.chat_of("c1", ConvState::Assigned, Some("xiaoya")).await;
    let seq = s.shopper_says(&conv, "在吗").await;
    let m = next_message(&mut sub).await;
    assert_eq!(m.cid, format!("auto:hold:{seq}:30"));
    let m = next_message(&mut sub).await;
    assert_eq!(m.cid, format!("auto:hold:{seq}:90"));
    let (store, _bus) = (s.store.clone(), s.bus.clone());
    s.stop().await;
    assert_eq!(store.last_seq(&conv).await.unwrap(), 3, "each stored once");
    let extra = tokio::time::timeout(Duration::ZERO, sub.recv()).await;
    assert!(
        extra.is_err(),
        "a holding message was delivered twice: {extra:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_restarted_worker_resumes_the_wait_from_the_store() {
    // The shopper wrote while no worker ran (e.g. during a config reload).
    let s = Setup::new(0).await;
    let (conv, mut sub) = s.chat_of("c1", ConvState::Queued, None).await;
    let seq = s.store_message(&conv, shopper(), "w-1", "有人吗").await;
    let start = Instant::now();
    let s = s.add_workers(1, None).await;
    let m = next_message(&mut sub).await;
    assert_eq!(m.cid, format!("auto:hold:{seq}:30"));
    assert!(
        after(start) <= 30,
        "counted from the message, not the restart"
    );
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn nobody_online_means_no_holding_promise() {
    let s = Setup::new(1).await;
    let (conv, mut sub) = s.chat("c1", ConvState::Queued).await;
    s.publish(&queued(&conv, 0)).await;
    assert_eq!(next_message(&mut sub).await.cid, "auto:away");
    s.shopper_says(&conv, "我留个言：要30ml的").await; // a keyword: 尺码
    assert!(next_message(&mut sub).await.cid.starts_with("auto:kw:"));
    tokio::time::sleep(Duration::from_secs(200)).await;
    // An agent comes back and takes the chat: someone is here, no holding in between.
    s.publish(&assigned(&conv, "anhong")).await;
    assert_eq!(next_message(&mut sub).await.cid, "auto:back:away");
    s.stop().await;
}
