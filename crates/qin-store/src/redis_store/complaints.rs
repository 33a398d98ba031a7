//! Complaint records in Redis: one JSON string per conversation, in its slot.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::codec::{decode_json, encode_json};
use crate::complaints::Complaint;
use crate::{Complaints, Result};
use async_trait::async_trait;
use qin_proto::ConvId;

#[async_trait]
impl Complaints for RedisStore {
    async fn save_complaint(&self, conv: &ConvId, complaint: &Complaint) -> Result<()> {
        redis::cmd("SET")
            .arg(self.keys.complaint(conv))
            .arg(encode_json("complaint", complaint)?)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn complaint(&self, conv: &ConvId) -> Result<Option<Complaint>> {
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.keys.complaint(conv))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        raw.map(|raw| decode_json("complaint", &raw)).transpose()
    }
}

#[cfg(test)]
crate::conformance::complaints::suite!(super::tests::backend);
