//! Test helpers shared by the gateway's unit tests: the demo shop, and a gateway's state over
//! an in-memory store and bus with connections that have no socket behind them.

use crate::conn::Conn;
use crate::hub::{Next, Outbox, Outgoing};
use crate::state::GatewayState;
use qin_bus::MemoryBus;
use qin_config::{Config, ShopConfig};
use qin_store::MemoryStore;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub use qin_testkit::WAIT;

/// The demo config (`config/qin.toml`).
pub fn demo_config() -> Config {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
    Config::load(std::path::Path::new(path)).expect("demo config")
}

/// The demo shop `afu` from `config/qin.toml`.
pub fn demo_shop() -> ShopConfig {
    demo_config().shops[0].clone()
}

/// A gateway's state over a fresh in-memory store and bus, for the demo config.
pub struct Gateway {
    pub state: GatewayState,
    pub store: Arc<MemoryStore>,
    pub bus: Arc<MemoryBus>,
}

impl Gateway {
    pub fn new() -> Self {
        Self::with_config(demo_config())
    }

    /// The same over `config`.
    pub fn with_config(config: Config) -> Self {
        let store = Arc::new(MemoryStore::new());
        let bus = Arc::new(MemoryBus::new());
        let state = GatewayState::new(
            Arc::new(config),
            store.clone(),
            bus.clone(),
            b"gateway-unit-test-secret",
            CancellationToken::new(),
        );
        Self { state, store, bus }
    }

    /// A connection with no socket: what its session replies stays in `conn.replies`, what
    /// the hub hands it waits in the returned outbox.
    pub fn conn(&self) -> (Conn, Arc<Outbox>) {
        let outbox = Arc::new(Outbox::new(64));
        let client = std::net::Ipv4Addr::LOCALHOST.into();
        (
            Conn::new(self.state.clone(), outbox.clone(), client),
            outbox,
        )
    }
}

/// The frames a session queued for its socket since the last call, as JSON.
pub fn replies(conn: &mut Conn) -> Vec<Value> {
    conn.replies
        .drain(..)
        .map(|text| serde_json::from_str(text.as_str()).expect("JSON frame"))
        .collect()
}

/// The next frame the hub hands `outbox` (panics after [`WAIT`] or on anything else).
pub async fn next_frame(outbox: &Outbox) -> Value {
    match tokio::time::timeout(WAIT, outbox.recv()).await {
        Ok(Next::Item(Outgoing::Frame(text))) => {
            serde_json::from_str(text.as_str()).expect("JSON frame")
        }
        Ok(other) => panic!("expected a frame, got {other:?}"),
        Err(_) => panic!("no frame within {WAIT:?}"),
    }
}
