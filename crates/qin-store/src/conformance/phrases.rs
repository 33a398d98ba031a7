//! Conformance checks for quick phrases: order by shortcut, upsert, delete, separation by
//! shop and owner, any text kept exactly, and the per-owner cap, also under concurrent saves.

use super::{agent_id, shop_id};
use crate::{PhraseSaved, Store};
use qin_proto::{AgentId, MAX_PHRASES, Phrase, ShopId};
use std::sync::Arc;

fn phrase(shortcut: &str, text: &str) -> Phrase {
    Phrase {
        shortcut: shortcut.into(),
        text: text.into(),
    }
}

async fn set(
    store: &Arc<dyn Store>,
    shop: &ShopId,
    owner: Option<&AgentId>,
    p: &Phrase,
) -> PhraseSaved {
    store.set_phrase(shop, owner, p).await.expect("set phrase")
}

async fn list(store: &Arc<dyn Store>, shop: &ShopId, owner: Option<&AgentId>) -> Vec<Phrase> {
    store.phrases(shop, owner).await.expect("phrases")
}

async fn shortcuts(store: &Arc<dyn Store>, shop: &ShopId, owner: Option<&AgentId>) -> Vec<String> {
    list(store, shop, owner)
        .await
        .into_iter()
        .map(|p| p.shortcut)
        .collect()
}

/// Phrases read back ordered by shortcut (code points: ASCII capitals, then small letters,
/// then CJK); saving a shortcut again replaces its text; deleting says whether it was there;
/// each (shop, owner) has its own book.
pub async fn phrases_round_trip(store: &Arc<dyn Store>) {
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
pub async fn phrase_text_round_trips(store: &Arc<dyn Store>) {
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
pub async fn phrases_are_capped_per_owner(store: &Arc<dyn Store>) {
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
pub async fn concurrent_phrase_saves_respect_the_cap(store: &Arc<dyn Store>) {
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
