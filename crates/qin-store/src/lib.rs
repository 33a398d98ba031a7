//! Qin's durable state, in small traits by concern, which together make a [`Store`]:
//!
//! | trait | holds |
//! |---|---|
//! | [`Conversations`] | conversation records, their open indexes, and message logs with gap-free `seq` and idempotent `cid` |
//! | [`Presence`] | agents' statuses and the persona groups' live availability |
//! | [`Fans`] | the agents a shopper follows, and the agent who last served them |
//! | [`RoutingDesk`] | routing records, the router's request inbox, the profile choice |
//! | [`Leases`] | named leases with one holder at a time (`router:<shop>`) |
//! | [`Phrases`] | quick phrases and agents' personal auto-replies |
//! | [`SignOuts`] | when each agent was last signed out, so her older tokens are refused |
//! | [`Notes`] | staff's private notes on conversations, each placed after a message |
//! | [`Complaints`] | a chat's complaint record: cause, what was done, compensation, status, call-back time |
//! | [`Customers`] | what the desk remembers of a shopper across visits: her chats, staff notes about her |
//!
//! Callers hold an `Arc<dyn Store>` (every part's methods are callable on it) or take the
//! narrowest part they need. Three implementations mirror each other, each a folder with one
//! file per trait: [`MemoryStore`] (tests, and embedded mode without a data directory),
//! [`FileStore`] (embedded mode, kept in a local redb file) and [`RedisStore`] (scale-out).
//! How a message is stored, and how a [`NewMessage`] becomes a stored message, is shared by all
//! of them (`codec`). All pass the same conformance suite (`conformance`, a module per trait,
//! public with the `conformance` feature so other crates can run it on their own setups).

use async_trait::async_trait;

mod capped;
mod codec;
mod complaints;
mod conversations;
mod customers;
mod error;
mod fans;
mod leases;
mod model;
mod notes;
mod phrases;
mod presence;
mod routing;
mod sign_outs;
mod view;

mod file_store;
mod memory;
mod redis_store;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use complaints::{Complaint, ComplaintStatus, Complaints};
pub use conversations::{CID_TTL_SECS, Conversations};
pub use customers::{CustomerNote, Customers, MAX_CUSTOMER_CHATS, MAX_CUSTOMER_NOTES};
pub use error::{Result, StoreError};
pub use fans::{Fans, MAX_FOLLOWS};
pub use leases::Leases;
pub use model::{Announcement, Appended, Conversation, NewMessage};
pub use notes::{MAX_NOTES, Note, Notes};
pub use phrases::{PhraseSaved, Phrases};
pub use presence::Presence;
pub use routing::{MAX_ROUTING_RECORDS, RoutingDesk};
pub use sign_outs::SignOuts;

pub use file_store::FileStore;
pub use memory::MemoryStore;
pub use redis_store::RedisStore;

/// Durable state shared by every Qin process of a deployment: every part, and a health check
/// of the backend as a whole.
#[async_trait]
pub trait Store:
    Conversations
    + Presence
    + Fans
    + RoutingDesk
    + Leases
    + Phrases
    + SignOuts
    + Notes
    + Customers
    + Complaints
    + 'static
{
    /// Checks the backend answers (for readiness).
    async fn ping(&self) -> Result<()>;
}
