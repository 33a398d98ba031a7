//! Complaint records in the file store: `complaint/<conv>` in the `desk` table.

use super::{FileStore, desk};
use crate::complaints::Complaint;
use crate::{Complaints, Result};
use async_trait::async_trait;
use qin_proto::ConvId;

#[async_trait]
impl Complaints for FileStore {
    async fn save_complaint(&self, conv: &ConvId, complaint: &Complaint) -> Result<()> {
        let key = format!("complaint/{conv}");
        let complaint = complaint.clone();
        self.write(move |txn| {
            desk::update(txn, &key, |kept: &mut Option<Complaint>| {
                *kept = Some(complaint);
            })
        })
        .await
    }

    async fn complaint(&self, conv: &ConvId) -> Result<Option<Complaint>> {
        let key = format!("complaint/{conv}");
        self.read(move |txn| Ok(desk::get::<Option<Complaint>>(txn, &key)?.flatten()))
            .await
    }
}

#[cfg(test)]
crate::conformance::complaints::suite!(super::tests::backend);
