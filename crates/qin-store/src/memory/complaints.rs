//! Complaint records in memory: one per conversation.

use super::{MemoryStore, locked};
use crate::complaints::Complaint;
use crate::{Complaints, Result};
use async_trait::async_trait;
use qin_proto::ConvId;

#[async_trait]
impl Complaints for MemoryStore {
    async fn save_complaint(&self, conv: &ConvId, complaint: &Complaint) -> Result<()> {
        locked(&self.complaints).insert(conv.clone(), complaint.clone());
        Ok(())
    }

    async fn complaint(&self, conv: &ConvId) -> Result<Option<Complaint>> {
        Ok(locked(&self.complaints).get(conv).cloned())
    }
}

#[cfg(test)]
crate::conformance::complaints::suite!(super::tests::backend);
