//! The routing decision as a pure, deterministic state machine: events in, decisions out.
//!
//! No I/O, no clock, no randomness: the caller passes `now` with every event, so the same
//! events always give the same decisions. The worker (`crate::worker`) feeds it from the bus
//! and applies its decisions to the store and the bus; tests drive it directly.

mod book;
mod decision;
mod eta;
mod event;
mod rules;
mod state;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

pub use decision::{Decision, Load, Loads, Rule};
pub use eta::{group_eta_s, queue_eta_s};
pub use event::{RestoredConv, RouterEvent, Snapshot};
pub use state::{Placed, RouterState};
