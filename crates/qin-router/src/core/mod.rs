//! The routing decision as a pure, deterministic state machine: events in, decisions out.
//!
//! No I/O, no clock, no randomness: the caller passes `now` with every event (and sends
//! [`RouterEvent::Tick`] regularly), so the same events always give the same decisions.
//! The worker (`crate::worker`) feeds it from the bus and the store and applies its
//! decisions; tests and the benchmark drive it directly.

mod book;
mod capacity;
mod decision;
mod eta;
mod event;
mod open;
mod presence;
mod requests;
mod settings;
mod state;
mod tick;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

pub use decision::{Candidates, Decision, Load, Rule};
pub use eta::{group_eta_s, queue_eta_s};
pub use event::{Actor, Prefs, RestoredConv, RouterEvent, Snapshot, Target};
pub use state::{Placed, RouterState};
