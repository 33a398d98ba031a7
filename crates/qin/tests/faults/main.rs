//! Fault tests: Qin's delivery guarantees (docs/protocol.md, "Delivery contract") hold while
//! things break on purpose. Each test is bounded in time, prints its counters (lost,
//! duplicated, out of order, unexpected — per conversation against the server's `seq`) and
//! requires them all to be zero. They run one at a time: each loads the machine.

#[path = "../common/mod.rs"]
mod common;
mod setup;

mod cid_race;
mod gateway_crash;
mod mass_reconnect;
mod redis_crash;
mod router_crash;
mod slow_consumer;
