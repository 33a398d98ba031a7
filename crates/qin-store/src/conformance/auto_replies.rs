//! Conformance checks for agents' personal auto-replies: set, replace, clear, any text kept
//! exactly, separate per shop and agent.

use super::{agent_id, shop_id};
use crate::Store;
use std::sync::Arc;

/// An agent's auto-reply is set, replaced and cleared; other agents and shops see their own.
pub async fn agent_auto_replies_round_trip(store: &Arc<dyn Store>) {
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
