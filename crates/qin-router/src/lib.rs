//! Qin's router: assigns each new chat to an agent (the shopper's favourite, else their
//! persona group's least loaded), or queues it; moves chats on when agents are slow, gone or
//! off shift, or hand them over.
//!
//! The decision is a pure, deterministic state machine ([`RouterState`]: events in,
//! [`Decision`]s out, no I/O) wrapped by a thin async worker ([`run`]) that feeds it from the
//! shop's bus topic, its request inbox and the clock, and applies its decisions to the store
//! and the bus. One router process at a time routes a shop (a lease in the store).

pub mod core;
mod error;
mod worker;

#[cfg(test)]
mod testing;

pub use crate::core::{
    Actor, Candidates, Decision, Load, Placed, Prefs, RestoredConv, RouterEvent, RouterState, Rule,
    Snapshot, Target,
};
pub use error::RouterError;
pub use worker::run;
