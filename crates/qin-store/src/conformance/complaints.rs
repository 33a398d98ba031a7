//! Conformance checks for [`Complaints`]: none until saved, every field kept byte for byte,
//! a later save replacing the record, and chats kept apart.

use super::{ODD, agent_id, agent_party, conv_id};
use crate::Complaints;
use crate::complaints::{Complaint, ComplaintStatus};
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; complaints: Complaints;
            a_complaint_is_kept_and_replaced_as_the_case_moves_on,
            complaints_are_per_chat,
        }
    };
}
pub(crate) use suite;

fn complaint(cause: &str, status: ComplaintStatus) -> Complaint {
    Complaint {
        cause: cause.to_owned(),
        resolution: "补发一瓶".into(),
        compensation: Some("20 元优惠券".into()),
        status,
        follow_up_due: Some(1_796_100_000_000),
        by: agent_party(&agent_id("anhong")),
        updated_at: 1_796_000_000_123,
    }
}

/// None at first; then the record as saved (odd text too); a later save replaces it.
pub async fn a_complaint_is_kept_and_replaced_as_the_case_moves_on(store: &Arc<dyn Complaints>) {
    let conv = conv_id("complaint");
    assert_eq!(store.complaint(&conv).await.expect("read"), None);
    for cause in ODD {
        let open = complaint(cause, ComplaintStatus::Open);
        store.save_complaint(&conv, &open).await.expect("save");
        assert_eq!(store.complaint(&conv).await.expect("read"), Some(open));
    }
    let mut resolved = complaint("快递破损", ComplaintStatus::Resolved);
    resolved.compensation = None;
    resolved.follow_up_due = None;
    store.save_complaint(&conv, &resolved).await.expect("save");
    assert_eq!(store.complaint(&conv).await.expect("read"), Some(resolved));
}

/// A record on one chat is not on another.
pub async fn complaints_are_per_chat(store: &Arc<dyn Complaints>) {
    let (conv, other) = (conv_id("mine"), conv_id("other"));
    let open = complaint("快递破损", ComplaintStatus::Open);
    store.save_complaint(&conv, &open).await.expect("save");
    assert_eq!(store.complaint(&other).await.expect("read"), None);
}
