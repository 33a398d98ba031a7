//! Qin's load generator as a library: scenarios (relay, idle, storm, double11) driven over
//! real websockets against Qin or the socket.io peer, with `/proc` sampling of the servers
//! and JSON + HTML reports. The `qin-load` binary and the smoke test use it.

pub mod client;
pub mod connect;
pub mod double11;
pub mod idle;
pub mod procstat;
pub mod qinconf;
pub mod relay;
pub mod report;
pub mod scenario;
pub mod spawn;
pub mod stats;
pub mod target;

use std::sync::OnceLock;
use std::time::Instant;

/// One clock for the whole process: send and receive times are nanoseconds since this.
pub fn now_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
