//! Conformance checks for [`Phrases`]: quick phrases ordered by shortcut, upsert, delete,
//! separation by shop and owner, any text kept exactly, and the per-owner cap, also under
//! concurrent saves; and agents' personal auto-replies.

use super::{agent_id, shop_id};
use crate::{PhraseSaved, Phrases};
use qin_proto::{AgentId, MAX_PHRASES, Phrase, ShopId};
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; phrases: Phrases;
            phrases_round_trip,
            phrase_text_round_trips,
            phrases_are_capped_per_owner,
            concurrent_phrase_saves_respect_the_cap,
            agent_auto_replies_round_trip,
        }
    };
}
pub(crate) use suite;

fn phrase(shortcut: &str, text: &str) -> Phrase {
    Phrase {
        shortcut: shortcut.into(),
        text: text.into(),
    }
}

async fn set(
    store: &Arc<dyn Phrases>,
    shop: &ShopId,
    owner: Option<&AgentId>,
    p: &Phrase,
) -> PhraseSaved {
    store.set_phrase(shop, owner, p).await.expect("set phrase")
}

async fn list(store: &Arc<dyn Phrases>, shop: &ShopId, owner: Option<&AgentId>) -> Vec<Phrase> {
    store.phrases(shop, owner).await.expect("phrases")
}

async fn shortcuts(
    store: &Arc<dyn Phrases>,
    shop: &ShopId,
    owner: Option<&AgentId>,
) -> Vec<String> {
    list(store, shop, owner)
        .await
        .into_iter()
        .map(|p| p.shortcut)
        .collect()
}

/// Phrases read back ordered by shortcut (code points: ASCII capitals, then small letters,
/// then CJK); saving a shortcut again replaces its text; deleting says whether it was there;
/// each (shop, owner) has its own book.
pub async fn phrases_round_trip(store: &Arc<dyn Phrases>) {
    let (shop, other_shop) = (shop_id(), shop_id());
    let (me, you) = (agent_id("anhong"), agent_id("xiaoya"));
    assert!(list(store, &shop, None).await.is_empty());
    assert!(list(store, &shop, Some(&me)).await.is_empty());

    for (shortcut, text) in [
        ("发货", "亲，今天就发～"),
        ("hi", "亲，在的～"),
        ("Bye", "再见亲"),
    ] {
        let saved = set(store, &shop, None, &phrase(shortcut, text)).await;
        assert_eq!(saved, PhraseSaved::Added, "{shortcut}");
    }
    assert_eq!(shortcuts(store, &shop, None).await, ["Bye", "hi", "发货"]);
    assert_eq!(
        set(store, &shop, None, &phrase("hi", "亲，在的，请讲～")).await,
        PhraseSaved::Replaced
    );
    assert_eq!(
        list(store, &shop, None).await,
        [
            phrase("Bye", "再见亲"),
            phrase("hi", "亲，在的，请讲～"),
            phrase("发货", "亲，今天就发～"),
        ]
    );

    // The same shortcut belongs separately to the shop, each agent and each shop.
    assert_eq!(
        set(store, &shop, Some(&me), &phrase("hi", "安红在呢")).await,
        PhraseSaved::Added
    );
    assert_eq!(
        list(store, &shop, Some(&me)).await,
        [phrase("hi", "安红在呢")]
    );
    assert!(list(store, &shop, Some(&you)).await.is_empty());
    assert!(list(store, &other_shop, None).await.is_empty());
    assert!(list(store, &other_shop, Some(&me)).await.is_empty());
    assert_eq!(list(store, &shop, None).await.len(), 3);

    let deleted = |owner: Option<&AgentId>, shortcut: &str| {
        let (store, shop, owner, shortcut) = (
            store.clone(),
            shop.clone(),
            owner.cloned(),
            shortcut.to_owned(),
        );
        async move {
            store
                .delete_phrase(&shop, owner.as_ref(), &shortcut)
                .await
                .expect("delete phrase")
        }
    };
    assert!(deleted(Some(&me), "hi").await);
    assert!(!deleted(Some(&me), "hi").await);
    assert!(list(store, &shop, Some(&me)).await.is_empty());
    assert_eq!(list(store, &shop, None).await.len(), 3, "shop's kept");
    assert!(!deleted(Some(&you), "hi").await);
    assert!(!deleted(None, "nope").await);
    assert!(deleted(None, "Bye").await);
    assert_eq!(shortcuts(store, &shop, None).await, ["hi", "发货"]);
    // Deleted, then saved again: a new phrase.
    assert_eq!(
        set(store, &shop, None, &phrase("Bye", "拜拜")).await,
        PhraseSaved::Added
    );
    assert_eq!(shortcuts(store, &shop, None).await, ["Bye", "hi", "发货"]);
}

/// Whatever text and shortcut the caller passes is kept byte for byte (checking them is the
/// caller's job), including text a store's own encoding uses.
pub async fn phrase_text_round_trips(store: &Arc<dyn Phrases>) {
    let (shop, me) = (shop_id(), agent_id("anhong"));
    let odd = [
        phrase("a", "多行\n第二行\t\"quoted\" {x}} / : \\"),
        phrase("b", "😀 emoji ～"),
        phrase("c", "\u{0}nul"),
        phrase("with space/slash:colon", " leading and trailing "),
        phrase("长", &"长".repeat(4000)),
    ];
    for p in &odd {
        assert_eq!(set(store, &shop, Some(&me), p).await, PhraseSaved::Added);
    }
    assert_eq!(list(store, &shop, Some(&me)).await, odd);
    assert!(list(store, &shop, None).await.is_empty());
}

/// An owner keeps at most [`MAX_PHRASES`]: a new shortcut past it stores nothing, while
/// replacing one still works and other owners are not affected.
pub async fn phrases_are_capped_per_owner(store: &Arc<dyn Phrases>) {
    let (shop, me) = (shop_id(), agent_id("anhong"));
    for i in 0..MAX_PHRASES {
        let saved = set(store, &shop, Some(&me), &phrase(&format!("p{i:03}"), "亲")).await;
        assert_eq!(saved, PhraseSaved::Added, "phrase {i}");
    }
    let full = set(store, &shop, Some(&me), &phrase("one-more", "亲")).await;
    assert_eq!(full, PhraseSaved::Full);
    let book = list(store, &shop, Some(&me)).await;
    assert_eq!(book.len(), MAX_PHRASES);
    assert!(book.iter().all(|p| p.shortcut != "one-more"));
    assert_eq!(
        set(store, &shop, Some(&me), &phrase("p007", "改过")).await,
        PhraseSaved::Replaced
    );
    assert_eq!(
        list(store, &shop, Some(&me)).await[7],
        phrase("p007", "改过")
    );
    assert_eq!(
        set(store, &shop, None, &phrase("one-more", "亲")).await,
        PhraseSaved::Added
    );
    assert!(
        store
            .delete_phrase(&shop, Some(&me), "p000")
            .await
            .expect("delete")
    );
    assert_eq!(
        set(store, &shop, Some(&me), &phrase("one-more", "亲")).await,
        PhraseSaved::Added
    );
    assert_eq!(list(store, &shop, Some(&me)).await.len(), MAX_PHRASES);
}

/// Saves racing for the last free places never pass the cap: exactly as many are added as
/// there was room for.
pub async fn concurrent_phrase_saves_respect_the_cap(store: &Arc<dyn Phrases>) {
    let shop = shop_id();
    let room = 5;
    for i in 0..MAX_PHRASES - room {
        set(store, &shop, None, &phrase(&format!("p{i:03}"), "亲")).await;
    }
    let mut handles = Vec::new();
    for task in 0..20 {
        let (store, shop) = (store.clone(), shop.clone());
        handles.push(tokio::spawn(async move {
            let p = phrase(&format!("race{task}"), "亲");
            store.set_phrase(&shop, None, &p).await.expect("set phrase")
        }));
    }
    let mut added = 0;
    for handle in handles {
        match handle.await.expect("save task") {
            PhraseSaved::Added => added += 1,
            PhraseSaved::Full => {}
            PhraseSaved::Replaced => panic!("a new shortcut was reported as replaced"),
        }
    }
    assert_eq!(added, room);
    assert_eq!(list(store, &shop, None).await.len(), MAX_PHRASES);
}

/// An agent's auto-reply is set, replaced and cleared; other agents and shops see their own.
pub async fn agent_auto_replies_round_trip(store: &Arc<dyn Phrases>) {
    let (shop, other_shop) = (shop_id(), shop_id());
    let (anhong, xiaoya) = (agent_id("anhong"), agent_id("xiaoya"));
    let get = |shop, agent| {
        let store = store.clone();
        async move {
            store
                .agent_auto_reply(&shop, &agent)
                .await
                .expect("read auto-reply")
        }
    };
    assert_eq!(get(shop.clone(), anhong.clone()).await, None);
    store
        .set_agent_auto_reply(&shop, &anhong, None)
        .await
        .expect("clearing an unset auto-reply");
    let text = "我在仓库盘点，10分钟后回来～ \"quotes\" \\ {json} 🌸\n第二行";
    store
        .set_agent_auto_reply(&shop, &anhong, Some(text))
        .await
        .expect("set auto-reply");
    assert_eq!(
        get(shop.clone(), anhong.clone()).await.as_deref(),
        Some(text)
    );
    assert_eq!(get(shop.clone(), xiaoya.clone()).await, None, "per agent");
    assert_eq!(
        get(other_shop.clone(), anhong.clone()).await,
        None,
        "per shop"
    );
    store
        .set_agent_auto_reply(&shop, &anhong, Some("马上回来"))
        .await
        .expect("replace auto-reply");
    assert_eq!(
        get(shop.clone(), anhong.clone()).await.as_deref(),
        Some("马上回来")
    );
    store
        .set_agent_auto_reply(&shop, &xiaoya, Some("午休中"))
        .await
        .expect("another agent's");
    store
        .set_agent_auto_reply(&shop, &anhong, None)
        .await
        .expect("clear auto-reply");
    assert_eq!(get(shop.clone(), anhong).await, None);
    assert_eq!(get(shop, xiaoya).await.as_deref(), Some("午休中"));
}
