//! Qin's router: assigns each new chat to a persona group's agent, or queues it.
//!
//! The decision is a pure, deterministic state machine ([`RouterState`]: events in,
//! [`Decision`]s out, no I/O) wrapped by a thin async worker ([`run`]) that feeds it from the
//! shop's bus topic and applies its decisions to the store and the bus.

pub mod core;
mod error;
mod worker;

#[cfg(test)]
mod testing;

pub use crate::core::{
    Decision, Load, Loads, Placed, RestoredConv, RouterEvent, RouterState, Rule, Snapshot,
};
pub use error::RouterError;
pub use worker::run;
