//! Conformance checks for [`Presence`]: agents' statuses and live group availability.

use super::{agent_id, shop_id};
use crate::Presence;
use qin_proto::{AgentStatus, GroupId, GroupLive};
use std::collections::HashMap;
use std::sync::Arc;

/// Every case here, as tests for a backend's fixture or run on a store (see `cases!`).
macro_rules! suite {
    ($($on:tt)+) => {
        $crate::conformance::cases! {$($on)+; presence: Presence;
            agent_statuses_round_trip,
            groups_live_round_trip,
        }
    };
}
pub(crate) use suite;

/// Agent statuses are recorded per shop, the last one wins, other shops see none.
pub async fn agent_statuses_round_trip(store: &Arc<dyn Presence>) {
    let shop = shop_id();
    let other = shop_id();
    let anhong = agent_id("anhong");
    let xiaoxi = agent_id("xiaoxi");
    assert!(
        store
            .agent_statuses(&shop)
            .await
            .expect("statuses")
            .is_empty()
    );
    for (agent, status) in [
        (&anhong, AgentStatus::Online),
        (&xiaoxi, AgentStatus::Busy),
        (&anhong, AgentStatus::Away),
    ] {
        store
            .set_agent_status(&shop, agent, status)
            .await
            .expect("set status");
    }
    store
        .set_agent_status(&other, &anhong, AgentStatus::Offline)
        .await
        .expect("set status");
    let expected = HashMap::from([(anhong, AgentStatus::Away), (xiaoxi, AgentStatus::Busy)]);
    assert_eq!(
        store.agent_statuses(&shop).await.expect("statuses"),
        expected
    );
}

/// Group availability is replaced as a whole and read back exactly; empty if never written.
pub async fn groups_live_round_trip(store: &Arc<dyn Presence>) {
    let shop = shop_id();
    assert!(store.groups_live(&shop).await.expect("groups").is_empty());
    let group = |id: &str, name: &str, online| GroupLive {
        id: GroupId::parse(id).expect("valid id"),
        name: name.into(),
        tagline: "亲，有什么可以帮您？".into(),
        online,
        waiting: 3,
        eta_s: 40,
        opens_at: (online == 0).then_some(1_764_381_600_000),
    };
    let first = vec![group("lady", "淑女组", 2), group("zany", "疯癫组", 0)];
    store.set_groups_live(&shop, &first).await.expect("set");
    assert_eq!(store.groups_live(&shop).await.expect("groups"), first);
    let second = vec![group("fresh", "小清新", 5)];
    store.set_groups_live(&shop, &second).await.expect("set");
    assert_eq!(store.groups_live(&shop).await.expect("groups"), second);
}
