//! The in-memory store of embedded mode and tests; mirrors [`RedisStore`](crate::RedisStore),
//! one file per part of the [`Store`].
//!
//! Each part is a plain struct behind its own `std::sync::Mutex`. Every method takes one lock
//! for a few map operations and never across an `.await` (the methods do not await at all),
//! so one process's appends are serialised just as Redis serialises scripts. Each method
//! follows the Redis one step by step; where the two differ it is said here:
//! - a `(conversation, sender, cid)` stays deduplicated for the life of the process, not only
//!   [`CID_TTL_SECS`](crate::CID_TTL_SECS): the log itself is kept forever, so the dedupe
//!   entries do not change how memory grows, and a later retry is better caught than stored.

mod complaints;
mod conversations;
mod customers;
mod fans;
mod leases;
mod notes;
mod phrases;
mod presence;
mod routing;
mod sign_outs;
#[cfg(test)]
mod tests;

pub(crate) use leases::LeaseTable;

use crate::{Result, Store};
use async_trait::async_trait;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Qin's state held in this process only; lost when it exits.
#[derive(Debug, Default)]
pub struct MemoryStore {
    conversations: Mutex<conversations::Chats>,
    presence: Mutex<presence::Floor>,
    fans: Mutex<fans::FanBook>,
    routing: Mutex<routing::Desk>,
    leases: LeaseTable,
    phrases: Mutex<phrases::Texts>,
    customers: Mutex<
        std::collections::HashMap<
            (qin_proto::ShopId, qin_proto::VisitorId),
            crate::customers::ChatList,
        >,
    >,
    customer_notes: Mutex<
        std::collections::HashMap<
            (qin_proto::ShopId, qin_proto::VisitorId),
            Vec<crate::CustomerNote>,
        >,
    >,
    complaints: Mutex<std::collections::HashMap<qin_proto::ConvId, crate::Complaint>>,
    notes: Mutex<std::collections::HashMap<qin_proto::ConvId, Vec<crate::Note>>>,
    sign_outs: Mutex<
        std::collections::HashMap<(qin_proto::ShopId, qin_proto::AgentId), qin_proto::Millis>,
    >,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Takes `lock`. A panic elsewhere while holding it leaves maps that are each still valid,
/// so carry on rather than poisoning every later call.
fn locked<T>(lock: &Mutex<T>) -> MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
crate::conformance::store::suite!(tests::backend);
