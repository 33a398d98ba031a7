//! Qin's auto-reply / away service: nobody waits in silence.
//!
//! The rules engine ([`rules`]) is pure — shop events in, bot replies out, no I/O, no clock.
//! Its rules are tried in this order, and every rule that fires adds one reply:
//! 1. **greeting** — when a chat opens, the persona group's greeting, in the group's voice
//!    (a group the shop does not know gets the default group's);
//! 2. **keywords** — for each shopper text message, the first matching keyword rule
//!    (case-insensitive substring; a rule may be limited to some groups), at most one answer;
//! 3. **away** — when the router queues a chat and nobody in its group is online, the
//!    group's away message (else the shop's).
//!
//! Agents' and the bot's own messages never get a reply. Each reply records the [`Rule`]
//! that produced it and carries a deterministic `cid` (`auto:greeting`, `auto:kw:<seq>`,
//! `auto:away`), so the store's `cid` deduplication makes it fire once per occasion, even
//! with several workers or a re-published event.
//!
//! The [`worker`] follows the shop's events, skips closed chats, appends replies to the
//! conversation's log as the shop's bot (role `bot`) and publishes each one to the
//! conversation's parties — only the worker whose append was new publishes.

pub mod rules;
pub mod worker;

pub use rules::{Context, Reply, Rule, candidate, replies};
pub use worker::{AutoReplyError, BOT_ID, Worker, run};
