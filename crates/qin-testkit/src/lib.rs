//! Test helpers for Qin: private `redis-server` instances (with passwords, ACL users or TLS
//! from a throwaway CA), unique key prefixes, a websocket client that speaks Qin's protocol
//! with a timeout on every wait, polling with a deadline (`eventually`), temporary
//! directories, agents' handles, and for fault tests a self-recovering chat party that counts what it lost,
//! `qin serve` child processes and latency percentiles.

mod eventually;
mod handles;
mod http;
mod ledger;
mod party;
mod process;
mod redis_acl;
mod redis_server;
mod stats;
mod temp_dir;
mod test_ca;
mod ws_client;

pub use eventually::{Outcome, eventually, poll_until};
pub use handles::{demo_handle, handle_in};
pub use http::{HttpRequest, HttpResponse, connect_from, http};
pub use ledger::{Counters, LogEntry, check_log, fetch_log};
pub use party::{ChatParty, Side};
pub use process::{QinProcess, tcp_established};
pub use redis_acl::qin_acl_rules;
pub use redis_server::{RedisServer, RedisServerBuilder, unique_prefix};
pub use stats::Percentiles;
pub use temp_dir::TempDir;
pub use test_ca::{TestCa, TlsFiles};
pub use ws_client::WsClient;

use std::time::Duration;

/// How long any single wait in a test may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
