//! Qin's auto-reply / away service: nobody waits in silence.
//!
//! The rules engine ([`rules`]) is pure: shop events in, bot replies out, in this order:
//! 1. **greeting** — when a chat opens, the persona group's greeting, in the group's voice;
//! 2. **keywords** — for each shopper text message, the first matching keyword rule
//!    (case-insensitive substring; a rule may be limited to some groups);
//! 3. **away** — when the router queues a chat and nobody in its group is online, the
//!    group's away message (else the shop's).
//!
//! Every reply has a deterministic `cid` (`auto:greeting`, `auto:kw:<seq>`, `auto:away`), so
//! the store's `cid` deduplication makes each fire once per occasion, even with several
//! workers. The [`worker`] appends replies to the conversation's log (role `bot`) and
//! publishes them to its parties.

pub mod rules;
mod worker;

pub use rules::{Reply, Rule, replies};
pub use worker::{AutoReplyError, Worker, run};
