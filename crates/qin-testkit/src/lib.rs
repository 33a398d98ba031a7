//! Test helpers for Qin: private `redis-server` instances, unique key prefixes and a
//! websocket client that speaks Qin's protocol with a timeout on every wait.

mod http;
mod redis_server;
mod ws_client;

pub use http::{HttpResponse, http};
pub use redis_server::{RedisServer, unique_prefix};
pub use ws_client::WsClient;

use std::time::Duration;

/// How long any single wait in a test may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);
