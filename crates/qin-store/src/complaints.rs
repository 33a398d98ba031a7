//! Complaint records: when a chat was a complaint (投诉), what caused it, what was done, any
//! compensation, whether it is resolved, and when to call the customer back (回访). One
//! record per chat, rewritten as the case moves on.

use crate::Result;
use async_trait::async_trait;
use qin_proto::{ConvId, Millis, Party};
use serde::{Deserialize, Serialize};

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Still being handled.
    Open,
    /// Settled with the customer.
    Resolved,
}

/// A chat's complaint record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// What went wrong (原因), e.g. "快递破损".
    pub cause: String,
    /// What was done (处理结果), e.g. "补发一瓶".
    pub resolution: String,
    /// What the customer was given, if anything (赔偿), e.g. "20 元优惠券".
    #[serde(default)]
    pub compensation: Option<String>,
    /// Open or resolved.
    pub status: ComplaintStatus,
    /// When to call the customer back (回访), ms since the epoch.
    #[serde(default)]
    pub follow_up_due: Option<Millis>,
    /// Who wrote this version of the record.
    pub by: Party,
    /// When this version was written.
    pub updated_at: Millis,
}

/// Chats' complaint records.
#[async_trait]
pub trait Complaints: Send + Sync {
    /// Keeps `complaint` as the record of `conv`, replacing any earlier one.
    async fn save_complaint(&self, conv: &ConvId, complaint: &Complaint) -> Result<()>;

    /// The complaint record of `conv`, if it has one.
    async fn complaint(&self, conv: &ConvId) -> Result<Option<Complaint>>;
}
