//! The router's desk in the file store: `routing/<conv>`, `requests/<shop>` and
//! `profile/<shop>` in the `desk` table.

use super::{FileStore, desk};
use crate::{MAX_ROUTING_RECORDS, Result, RoutingDesk};
use async_trait::async_trait;
use qin_proto::{ConvId, ShopId};

#[async_trait]
impl RoutingDesk for FileStore {
    async fn append_routing(&self, conv: &ConvId, record: &str) -> Result<()> {
        let key = format!("routing/{conv}");
        let record = record.to_owned();
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<String>| {
                list.push(record);
                let over = list.len().saturating_sub(MAX_ROUTING_RECORDS);
                list.drain(..over);
            })
        })
        .await
    }

    async fn routing(&self, conv: &ConvId) -> Result<Vec<String>> {
        let key = format!("routing/{conv}");
        self.read(move |txn| Ok(desk::get(txn, &key)?.unwrap_or_default()))
            .await
    }

    async fn push_request(&self, shop: &ShopId, request: &str) -> Result<()> {
        let key = format!("requests/{shop}");
        let request = request.to_owned();
        self.write(move |txn| desk::update(txn, &key, |list: &mut Vec<String>| list.push(request)))
            .await
    }

    async fn requests(&self, shop: &ShopId, max: usize) -> Result<Vec<String>> {
        let key = format!("requests/{shop}");
        self.read(move |txn| {
            let list: Vec<String> = desk::get(txn, &key)?.unwrap_or_default();
            Ok(list.into_iter().take(max).collect())
        })
        .await
    }

    async fn ack_requests(&self, shop: &ShopId, n: usize) -> Result<()> {
        let key = format!("requests/{shop}");
        self.write(move |txn| {
            desk::update(txn, &key, |list: &mut Vec<String>| {
                list.drain(..n.min(list.len()));
            })
        })
        .await
    }

    async fn set_profile(&self, shop: &ShopId, profile: Option<&str>) -> Result<()> {
        let key = format!("profile/{shop}");
        let profile = profile.map(str::to_owned);
        self.write(move |txn| desk::update(txn, &key, |v: &mut Option<String>| *v = profile))
            .await
    }

    async fn profile(&self, shop: &ShopId) -> Result<Option<String>> {
        let key = format!("profile/{shop}");
        self.read(move |txn| Ok(desk::get::<Option<String>>(txn, &key)?.flatten()))
            .await
    }
}

#[cfg(test)]
crate::conformance::routing::suite!(super::tests::backend);
