//! What a scenario runs against: which server speaks (Qin or the socket.io peer), where its
//! gateways listen, and which processes to charge CPU time and memory to.

use serde::Serialize;
use std::net::SocketAddr;

/// The server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Qin's JSON frames on `/ws/shopper` and `/ws/agent`.
    Qin,
    /// socket.io 4 (engine.io v4 over websocket) on `/socket.io/`.
    Socketio,
}

/// A server process whose CPU time and memory are sampled.
#[derive(Debug, Clone, Serialize)]
pub struct ServerProc {
    /// e.g. `gateway-1`, `router`, `redis`.
    pub name: String,
    /// Process id.
    pub pid: u32,
    /// Whether it holds client connections (its RSS counts for per-connection memory).
    pub gateway: bool,
}

/// A deployment to load.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// Which protocol it speaks.
    pub dialect: Dialect,
    /// Gateway addresses; relay pairs are spread over them (shopper and agent apart).
    pub gateways: Vec<SocketAddr>,
    /// Processes to sample (may be empty: then no CPU or memory figures).
    pub procs: Vec<ServerProc>,
    /// Shop id (Qin).
    pub shop: String,
    /// Agents' password (Qin).
    pub password: String,
}

impl Target {
    /// The gateway pair `i`'s shopper uses in the relay: pairs are spread over the gateways.
    pub fn shopper_gateway(&self, i: usize) -> SocketAddr {
        self.gateways[(2 * i) % self.gateways.len()]
    }

    /// The gateway pair `i`'s agent uses: the next one after the shopper's, so with two or
    /// more gateways shopper and agent are always on different processes and every message
    /// crosses Redis.
    pub fn agent_gateway(&self, i: usize) -> SocketAddr {
        self.gateways[(2 * i + 1) % self.gateways.len()]
    }

    /// PIDs of the gateways.
    pub fn gateway_pids(&self) -> Vec<u32> {
        self.procs
            .iter()
            .filter(|p| p.gateway)
            .map(|p| p.pid)
            .collect()
    }

    /// PIDs of every server process.
    pub fn all_pids(&self) -> Vec<u32> {
        self.procs.iter().map(|p| p.pid).collect()
    }
}
