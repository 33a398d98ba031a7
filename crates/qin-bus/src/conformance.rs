//! The conformance suite every bus backend passes, so that memory and Redis behave alike.
//!
//! Each case takes two nodes of one deployment (`a`, `b`): two handles of one memory bus, or
//! two Redis buses with the same prefix. Cases use their own topics, so they may run one
//! after another on the same nodes ([`run_all`]). Every wait is bounded by [`WAIT`].

use crate::{Bus, Subscription};
use bytes::Bytes;
use std::time::Duration;
use tokio::time::timeout;

/// How long any single wait in the suite may take before the case fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// Runs every case against two nodes of one deployment.
pub async fn run_all(a: &dyn Bus, b: &dyn Bus) {
    delivers_in_order(a, b).await;
    fans_out_to_every_local_subscriber(a, b).await;
    keeps_topics_apart(a, b).await;
    publish_without_subscribers_is_ok(a, b).await;
    subscribes_again_after_drop(a, b).await;
    subscribe_then_publish_is_never_lost(a, b).await;
    delivers_a_thousand_in_order(a, b).await;
    nodes_see_each_other(a, b).await;
}

/// Subscribes, failing the case on error or after [`WAIT`].
pub async fn subscribe(bus: &dyn Bus, topic: &str) -> Subscription {
    match timeout(WAIT, bus.subscribe(topic)).await {
        Ok(Ok(sub)) => sub,
        Ok(Err(e)) => panic!("subscribe {topic}: {e}"),
        Err(_) => panic!("subscribe {topic}: no answer within {WAIT:?}"),
    }
}

/// Publishes, failing the case on error or after [`WAIT`].
pub async fn publish(bus: &dyn Bus, topic: &str, payload: impl Into<String>) {
    let payload = Bytes::from(payload.into());
    match timeout(WAIT, bus.publish(topic, payload)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("publish {topic}: {e}"),
        Err(_) => panic!("publish {topic}: no answer within {WAIT:?}"),
    }
}

/// The next payload of `sub`, failing the case if none comes within [`WAIT`].
pub async fn next(sub: &mut Subscription) -> Bytes {
    match timeout(WAIT, sub.recv()).await {
        Ok(Some(payload)) => payload,
        Ok(None) => panic!("{}: bus closed", sub.topic()),
        Err(_) => panic!("{}: nothing within {WAIT:?}", sub.topic()),
    }
}

/// A subscriber receives what is published, in publish order.
pub async fn delivers_in_order(a: &dyn Bus, _b: &dyn Bus) {
    let mut sub = subscribe(a, "conf:order").await;
    assert_eq!(sub.topic(), "conf:order");
    for payload in ["one", "two", "three"] {
        publish(a, "conf:order", payload).await;
    }
    for payload in ["one", "two", "three"] {
        assert_eq!(next(&mut sub).await, payload);
    }
}

/// Two local subscribers of one topic both receive every payload.
pub async fn fans_out_to_every_local_subscriber(a: &dyn Bus, _b: &dyn Bus) {
    let mut first = subscribe(a, "conf:fanout").await;
    let mut second = subscribe(a, "conf:fanout").await;
    publish(a, "conf:fanout", "hello").await;
    assert_eq!(next(&mut first).await, "hello");
    assert_eq!(next(&mut second).await, "hello");
}

/// A subscriber sees only its own topic.
pub async fn keeps_topics_apart(a: &dyn Bus, _b: &dyn Bus) {
    let mut left = subscribe(a, "conf:left").await;
    let mut right = subscribe(a, "conf:right").await;
    // Interleaved from one publisher: a leak would arrive before the topic's own payload.
    publish(a, "conf:right", "r1").await;
    publish(a, "conf:left", "l1").await;
    publish(a, "conf:right", "r2").await;
    publish(a, "conf:left", "l2").await;
    assert_eq!(next(&mut left).await, "l1");
    assert_eq!(next(&mut left).await, "l2");
    assert_eq!(next(&mut right).await, "r1");
    assert_eq!(next(&mut right).await, "r2");
}

/// Publishing to a topic nobody listens to succeeds and is dropped.
pub async fn publish_without_subscribers_is_ok(a: &dyn Bus, b: &dyn Bus) {
    publish(a, "conf:nobody", "lost").await;
    publish(b, "conf:nobody", "lost").await;
    // The dropped payloads must not surface for a later subscriber either.
    let mut sub = subscribe(a, "conf:nobody").await;
    publish(a, "conf:nobody", "seen").await;
    assert_eq!(next(&mut sub).await, "seen");
}

/// After the last subscription of a topic is dropped, subscribing again works, whether or
/// not the bus has finished tearing the old one down.
pub async fn subscribes_again_after_drop(a: &dyn Bus, _b: &dyn Bus) {
    for round in 0..20 {
        let mut sub = subscribe(a, "conf:again").await;
        publish(a, "conf:again", format!("round {round}")).await;
        assert_eq!(next(&mut sub).await, format!("round {round}"));
        drop(sub);
    }
}

/// Whatever is published after `subscribe` returned reaches the subscriber, from either node.
pub async fn subscribe_then_publish_is_never_lost(a: &dyn Bus, b: &dyn Bus) {
    for i in 0..100 {
        let topic = format!("conf:fresh:{i}");
        let mut sub = subscribe(a, &topic).await;
        let publisher = if i % 2 == 0 { a } else { b };
        publish(publisher, &topic, format!("first {i}")).await;
        assert_eq!(next(&mut sub).await, format!("first {i}"));
    }
}

/// A thousand payloads arrive complete and in order (published in bursts that fit the
/// local buffer, as a live subscriber reads along).
pub async fn delivers_a_thousand_in_order(a: &dyn Bus, _b: &dyn Bus) {
    let mut sub = subscribe(a, "conf:thousand").await;
    let burst = crate::LOCAL_CAPACITY / 2;
    let mut received = 0;
    for i in 0..1000 {
        publish(a, "conf:thousand", i.to_string()).await;
        if (i + 1) % burst == 0 || i == 999 {
            while received <= i {
                assert_eq!(next(&mut sub).await, received.to_string());
                received += 1;
            }
        }
    }
}

/// Each node receives what the other publishes.
pub async fn nodes_see_each_other(a: &dyn Bus, b: &dyn Bus) {
    let mut on_a = subscribe(a, "conf:to-a").await;
    let mut on_b = subscribe(b, "conf:to-b").await;
    publish(b, "conf:to-a", "from b").await;
    publish(a, "conf:to-b", "from a").await;
    assert_eq!(next(&mut on_a).await, "from b");
    assert_eq!(next(&mut on_b).await, "from a");
}

#[cfg(test)]
mod tests {
    /// One test per case, for the backend whose `nodes()` gives two nodes of one deployment
    /// (and a guard that keeps their backing server alive).
    macro_rules! suite {
        ($($case:ident),* $(,)?) => {$(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (_guard, a, b) = nodes().await;
                crate::conformance::$case(&*a, &*b).await;
            }
        )*};
    }

    macro_rules! all_cases {
        () => {
            suite!(
                delivers_in_order,
                fans_out_to_every_local_subscriber,
                keeps_topics_apart,
                publish_without_subscribers_is_ok,
                subscribes_again_after_drop,
                subscribe_then_publish_is_never_lost,
                delivers_a_thousand_in_order,
                nodes_see_each_other,
                run_all,
            );
        };
    }

    mod memory {
        use crate::{Bus, MemoryBus};
        use std::sync::Arc;

        async fn nodes() -> ((), Arc<dyn Bus>, Arc<dyn Bus>) {
            let bus = MemoryBus::new();
            ((), Arc::new(bus.clone()), Arc::new(bus))
        }

        all_cases!();
    }

    mod redis {
        use crate::{Bus, RedisBus};
        use qin_testkit::{RedisServer, unique_prefix};
        use std::sync::Arc;

        async fn nodes() -> (RedisServer, Arc<dyn Bus>, Arc<dyn Bus>) {
            let server = RedisServer::start();
            let prefix = unique_prefix();
            let a = RedisBus::connect(&server.url(), &prefix).await;
            let b = RedisBus::connect(&server.url(), &prefix).await;
            let (a, b) = (a.expect("connect a"), b.expect("connect b"));
            (server, Arc::new(a), Arc::new(b))
        }

        all_cases!();
    }
}
