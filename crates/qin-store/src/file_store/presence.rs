//! Agents' statuses and the live group availability in the file store: the
//! `agent_statuses` table (`(shop, agent)` → status name) and `groups_live` (shop → JSON).

use super::FileStore;
use super::schema::{AGENT_STATUSES, DbResult, GROUPS_LIVE};
use crate::codec::{decode_json, encode_json};
use crate::{Presence, Result, StoreError};
use async_trait::async_trait;
use qin_proto::{AgentId, AgentStatus, GroupLive, ShopId};
use redb::{ReadTransaction, WriteTransaction};
use std::collections::HashMap;

#[async_trait]
impl Presence for FileStore {
    async fn set_agent_status(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()> {
        let (shop, agent) = (shop.clone(), agent.clone());
        self.write(move |txn| set_agent_status(txn, shop.as_str(), &agent, status))
            .await
    }

    async fn agent_statuses(&self, shop: &ShopId) -> Result<HashMap<AgentId, AgentStatus>> {
        let shop = shop.clone();
        self.read(move |txn| agent_statuses(txn, shop.as_str()))
            .await
    }

    async fn set_groups_live(&self, shop: &ShopId, groups: &[GroupLive]) -> Result<()> {
        let (shop, groups) = (shop.clone(), groups.to_vec());
        self.write(move |txn| set_groups_live(txn, shop.as_str(), &groups))
            .await
    }

    async fn groups_live(&self, shop: &ShopId) -> Result<Vec<GroupLive>> {
        let shop = shop.clone();
        self.read(move |txn| groups_live(txn, shop.as_str())).await
    }
}

/// Records an agent's status under its wire name.
fn set_agent_status(
    txn: &WriteTransaction,
    shop: &str,
    agent: &AgentId,
    status: AgentStatus,
) -> Result<()> {
    let name = match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => name,
        other => return Err(StoreError::Corrupt(format!("agent status as {other:?}"))),
    };
    let mut statuses = txn.open_table(AGENT_STATUSES).db()?;
    statuses
        .insert((shop, agent.as_str()), name.as_str())
        .db()?;
    Ok(())
}

/// Every recorded agent status of a shop.
fn agent_statuses(txn: &ReadTransaction, shop: &str) -> Result<HashMap<AgentId, AgentStatus>> {
    let statuses = txn.open_table(AGENT_STATUSES).db()?;
    let mut found = HashMap::new();
    // Keys sort by shop first, so the shop's agents are one run starting at `(shop, "")`.
    for entry in statuses.range((shop, "")..).db()? {
        let (key, status) = entry.db()?;
        let (key_shop, agent) = key.value();
        if key_shop != shop {
            break;
        }
        let id = AgentId::parse(agent)
            .ok_or_else(|| StoreError::Corrupt(format!("agent id {agent:?}")))?;
        let status = serde_json::from_value(serde_json::Value::String(status.value().into()))
            .map_err(|e| StoreError::Corrupt(format!("status of {agent}: {e}")))?;
        found.insert(id, status);
    }
    Ok(found)
}

/// Replaces the shop's live group availability.
fn set_groups_live(txn: &WriteTransaction, shop: &str, groups: &[GroupLive]) -> Result<()> {
    let mut table = txn.open_table(GROUPS_LIVE).db()?;
    table
        .insert(shop, encode_json("groups", groups)?.as_bytes())
        .db()?;
    Ok(())
}

/// The shop's live group availability as last written (empty if never).
fn groups_live(txn: &ReadTransaction, shop: &str) -> Result<Vec<GroupLive>> {
    let table = txn.open_table(GROUPS_LIVE).db()?;
    let raw = table.get(shop).db()?;
    raw.map_or_else(|| Ok(Vec::new()), |raw| decode_json("groups", raw.value()))
}

#[cfg(test)]
crate::conformance::presence::suite!(super::tests::backend);
