//! Conformance checks for [`Notes`]: notes kept in order with every field byte for byte, the
//! limit refusing (not dropping), and conversations kept apart.

use super::{ODD, agent_id, agent_party, conv_id};
use crate::Notes;
use crate::notes::{MAX_NOTES, Note};
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; notes: Notes;
            notes_are_kept_in_order_as_written,
            notes_stop_at_the_limit_without_dropping_any,
            notes_are_per_conversation,
        }
    };
}
pub(crate) use suite;

fn note(after_seq: u64, text: &str) -> Note {
    Note {
        after_seq,
        text: text.to_owned(),
        from: agent_party(&agent_id("anhong")),
        ts: 1_796_000_000_123 + after_seq as i64,
    }
}

/// None at first; then every note, oldest first, each field as written (odd text too).
pub async fn notes_are_kept_in_order_as_written(store: &Arc<dyn Notes>) {
    let conv = conv_id("notes");
    assert!(store.notes(&conv).await.expect("read").is_empty());
    let mut written = vec![note(0, "老顾客，要发票")];
    written.extend(ODD.iter().enumerate().map(|(i, t)| note(i as u64 + 1, t)));
    written.push(note(3, "same place as another"));
    for n in &written {
        assert!(store.add_note(&conv, n).await.expect("add"), "{n:?}");
    }
    assert_eq!(store.notes(&conv).await.expect("read"), written);
}

/// The note past [`MAX_NOTES`] is refused and the ones kept stay as they were.
pub async fn notes_stop_at_the_limit_without_dropping_any(store: &Arc<dyn Notes>) {
    let conv = conv_id("full");
    for i in 0..MAX_NOTES {
        assert!(
            store
                .add_note(&conv, &note(i as u64, "n"))
                .await
                .expect("add")
        );
    }
    let over = note(MAX_NOTES as u64, "one too many");
    assert!(!store.add_note(&conv, &over).await.expect("add"), "refused");
    let kept = store.notes(&conv).await.expect("read");
    assert_eq!(kept.len(), MAX_NOTES);
    assert_eq!(kept[0].after_seq, 0, "the oldest is kept");
    assert!(!kept.contains(&over));
}

/// A note on one conversation is not on another.
pub async fn notes_are_per_conversation(store: &Arc<dyn Notes>) {
    let (conv, other) = (conv_id("mine"), conv_id("other"));
    store.add_note(&conv, &note(1, "VIP")).await.expect("add");
    assert!(store.notes(&other).await.expect("read").is_empty());
}
