//! Shoppers' followed agents and last agent in the file store: `follows/<shop>/<visitor>` and
//! `last/<shop>/<visitor>` in the `desk` table.

use super::{FileStore, desk};
use crate::fans::follow_in;
use crate::{Fans, Result};
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId, VisitorId};

#[async_trait]
impl Fans for FileStore {
    async fn follow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let key = format!("follows/{shop}/{visitor}");
        let agent = agent.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<AgentId>| follow_in(list, &agent))
        })
        .await
    }

    async fn unfollow(&self, shop: &ShopId, visitor: &VisitorId, agent: &AgentId) -> Result<()> {
        let key = format!("follows/{shop}/{visitor}");
        let agent = agent.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<AgentId>| {
                list.retain(|a| *a != agent);
            })
        })
        .await
    }

    async fn following(&self, shop: &ShopId, visitor: &VisitorId) -> Result<Vec<AgentId>> {
        let key = format!("follows/{shop}/{visitor}");
        self.read(move |txn| Ok(desk::get(txn, &key)?.unwrap_or_default()))
            .await
    }

    async fn set_last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        agent: &AgentId,
        at: Millis,
    ) -> Result<()> {
        let key = format!("last/{shop}/{visitor}");
        let value = Some((agent.clone(), at));
        self.write(move |txn| {
            desk::update(txn, &key, |v: &mut Option<(AgentId, Millis)>| *v = value)
        })
        .await
    }

    async fn last_agent(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
    ) -> Result<Option<(AgentId, Millis)>> {
        let key = format!("last/{shop}/{visitor}");
        self.read(move |txn| desk::get(txn, &key)).await
    }
}

#[cfg(test)]
crate::conformance::fans::suite!(super::tests::backend);
