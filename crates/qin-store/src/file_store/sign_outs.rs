//! Agents' sign-out times in the file store: `signout/<shop>/<agent>` in the `desk` table.

use super::{FileStore, desk};
use crate::{Result, SignOuts};
use async_trait::async_trait;
use qin_proto::{AgentId, Millis, ShopId};

#[async_trait]
impl SignOuts for FileStore {
    async fn sign_out(&self, shop: &ShopId, agent: &AgentId, at: Millis) -> Result<()> {
        let key = format!("signout/{shop}/{agent}");
        self.write(move |txn| {
            desk::update(txn, &key, |time: &mut Option<Millis>| {
                *time = Some(time.map_or(at, |t| t.max(at)));
            })
        })
        .await
    }

    async fn signed_out_at(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<Millis>> {
        let key = format!("signout/{shop}/{agent}");
        self.read(move |txn| Ok(desk::get::<Option<Millis>>(txn, &key)?.flatten()))
            .await
    }
}

#[cfg(test)]
crate::conformance::sign_outs::suite!(super::tests::backend);
