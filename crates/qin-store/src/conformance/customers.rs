//! Conformance checks for [`Customers`]: a shopper's chats newest first, noted once, bounded
//! by the limit, and kept apart per shopper and shop; notes about her kept in order, byte for
//! byte, refused (not dropped) past their limit.

use super::{ODD, agent_id, agent_party, conv_id, shop_id, visitor};
use crate::Customers;
use crate::customers::{CustomerNote, MAX_CUSTOMER_CHATS, MAX_CUSTOMER_NOTES};
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; customers: Customers;
            a_customers_chats_come_newest_first_and_once,
            a_customers_chats_stop_at_the_limit,
            customers_are_per_shopper_and_shop,
            customer_notes_are_kept_in_order_for_her_only,
            customer_notes_stop_at_the_limit,
        }
    };
}
pub(crate) use suite;

const T: i64 = 1_796_000_000_000;

/// Nothing at first; then her chats, newest first, each once however often noted.
pub async fn a_customers_chats_come_newest_first_and_once(store: &Arc<dyn Customers>) {
    let (shop, v) = (shop_id(), visitor());
    assert!(
        store
            .chats_of(&shop, &v, 10)
            .await
            .expect("read")
            .is_empty()
    );
    let (first, second, third) = (conv_id("c1"), conv_id("c2"), conv_id("c3"));
    store
        .note_chat(&shop, &v, &second, T + 5)
        .await
        .expect("note");
    store.note_chat(&shop, &v, &first, T).await.expect("note");
    store
        .note_chat(&shop, &v, &third, T + 9)
        .await
        .expect("note");
    store
        .note_chat(&shop, &v, &second, T + 5)
        .await
        .expect("again");
    assert_eq!(
        store.chats_of(&shop, &v, 10).await.expect("read"),
        [third.clone(), second.clone(), first]
    );
    assert_eq!(
        store.chats_of(&shop, &v, 2).await.expect("read"),
        [third, second]
    );
}

/// At most [`MAX_CUSTOMER_CHATS`], the newest, whatever limit is asked.
pub async fn a_customers_chats_stop_at_the_limit(store: &Arc<dyn Customers>) {
    let (shop, v) = (shop_id(), visitor());
    let mut convs = Vec::new();
    for i in 0..=MAX_CUSTOMER_CHATS {
        let conv = conv_id("many");
        store
            .note_chat(&shop, &v, &conv, T + i as i64)
            .await
            .expect("note");
        convs.push(conv);
    }
    let listed = store.chats_of(&shop, &v, 1000).await.expect("read");
    assert_eq!(listed.len(), MAX_CUSTOMER_CHATS);
    assert_eq!(listed[0], convs[MAX_CUSTOMER_CHATS], "the newest first");
    assert!(!listed.contains(&convs[0]), "the oldest left out");
}

/// One shopper's chats are not another's, nor the same visitor id's in another shop.
pub async fn customers_are_per_shopper_and_shop(store: &Arc<dyn Customers>) {
    let (shop, other_shop) = (shop_id(), shop_id());
    let (v, w) = (visitor(), visitor());
    store
        .note_chat(&shop, &v, &conv_id("mine"), T)
        .await
        .expect("note");
    assert!(
        store
            .chats_of(&shop, &w, 10)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        store
            .chats_of(&other_shop, &v, 10)
            .await
            .expect("read")
            .is_empty()
    );
}

fn note(text: &str, at: i64) -> CustomerNote {
    CustomerNote {
        text: text.to_owned(),
        by: agent_party(&agent_id("anhong")),
        at,
    }
}

/// None at first; then every note about her, oldest first, each as written (odd text too);
/// none about another shopper or in another shop.
pub async fn customer_notes_are_kept_in_order_for_her_only(store: &Arc<dyn Customers>) {
    let (shop, other_shop) = (shop_id(), shop_id());
    let (v, w) = (visitor(), visitor());
    assert!(
        store
            .customer_notes(&shop, &v)
            .await
            .expect("read")
            .is_empty()
    );
    let mut written = vec![note("爱用玫瑰精油", T)];
    written.extend(ODD.iter().enumerate().map(|(i, t)| note(t, T + i as i64)));
    for n in &written {
        assert!(store.add_customer_note(&shop, &v, n).await.expect("add"));
    }
    assert_eq!(
        store.customer_notes(&shop, &v).await.expect("read"),
        written
    );
    assert!(
        store
            .customer_notes(&shop, &w)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        store
            .customer_notes(&other_shop, &v)
            .await
            .expect("read")
            .is_empty()
    );
}

/// The note past [`MAX_CUSTOMER_NOTES`] is refused; the ones kept stay.
pub async fn customer_notes_stop_at_the_limit(store: &Arc<dyn Customers>) {
    let (shop, v) = (shop_id(), visitor());
    for i in 0..MAX_CUSTOMER_NOTES {
        let n = note("n", T + i as i64);
        assert!(store.add_customer_note(&shop, &v, &n).await.expect("add"));
    }
    let over = note("one too many", T - 1);
    assert!(
        !store
            .add_customer_note(&shop, &v, &over)
            .await
            .expect("add")
    );
    let kept = store.customer_notes(&shop, &v).await.expect("read");
    assert_eq!(kept.len(), MAX_CUSTOMER_NOTES);
    assert_eq!(kept[0].at, T, "the oldest is kept");
    assert!(!kept.contains(&over));
}
