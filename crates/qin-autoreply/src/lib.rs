//! Qin's auto-reply / away service: nobody waits in silence, nobody gets spammed.
//!
//! The engine ([`Engine`], rules in [`rules`]) is pure — a shop event, the conversation's
//! memory ([`Chat`]) and a few facts in, bot replies out; no I/O, no clock. Its rules and their
//! order are documented in [`rules`] and, for shop operators, in `docs/auto-reply.md`:
//! first contact → keyword / FAQ answers → busy (queue place and estimate) → agents' personal
//! auto-replies → away and off-hours (leave a message), plus no-reply holding messages on
//! the clock.
//!
//! Each reply carries a deterministic `cid` naming its occasion (`auto:greeting`,
//! `auto:kw:<rule>`, `auto:hold:<seq>:<after_s>`, …), so the store's `cid` deduplication
//! posts it once, however many workers see the event.
//!
//! The [`worker`] follows the shop's events, keeps each open chat's memory and holding
//! timers, appends replies to the conversation's log as the shop's bot (role `bot`) and
//! publishes each one to the conversation's parties — only the worker whose append was new
//! publishes.

pub mod chat;
pub mod engine;
pub mod rules;
mod text;
pub mod worker;

pub use chat::{Chat, Wait};
pub use engine::{Engine, Facts};
pub use rules::{Reply, Rule};
pub use worker::{AutoReplyError, BOT_ID, Worker, run};
