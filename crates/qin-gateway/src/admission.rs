//! Who may connect: the process's connection ceiling (below its open-files limit), the
//! websockets' lower ceiling that keeps room for plain HTTP, connections per client address
//! and websocket upgrades per address per second. A pure ledger behind one lock, and slots
//! that give back what they hold when dropped.

use crate::burst::Burst;
use crate::rate::RateLimit;
use qin_config::ConnectionsConfig;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::time::Instant;

/// Why a connection or a websocket was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The process holds `max_connections` already.
    Full,
    /// Open websockets reached their ceiling (`max_connections - http_reserve`).
    SocketsFull,
    /// The client's address holds `per_address` connections already.
    AddressFull,
    /// The client's address started websockets faster than `upgrades_per_s`.
    TooFast,
}

/// The numbers the ledger enforces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_connections: usize,
    pub max_sockets: usize,
    pub per_address: u32,
    pub upgrades_per_s: u32,
    pub upgrade_burst: u32,
}

/// The most connections a process whose open-files limit is `nofile` should hold: room is
/// left for its own files, logs and Redis connections (64, or a twentieth of the limit).
pub(crate) fn connection_ceiling(nofile: u64) -> usize {
    let room = (nofile / 20).max(64);
    usize::try_from(nofile.saturating_sub(room).max(16)).unwrap_or(usize::MAX)
}

/// The process's open-files limit (`RLIMIT_NOFILE`, soft); `None` when unlimited or unknown.
pub(crate) fn open_files_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

impl Limits {
    /// The limits `config` asks for in a process whose open-files limit is `nofile`
    /// (`None`: unlimited or unknown). A configured `max_connections` above what the limit
    /// allows is lowered to it, with a warning.
    pub fn new(config: &ConnectionsConfig, nofile: Option<u64>) -> Self {
        let ceiling = connection_ceiling(nofile.unwrap_or(1 << 20));
        let max_connections = match config.max_connections {
            0 => ceiling,
            wanted if wanted > ceiling => {
                tracing::warn!(
                    wanted,
                    allowed = ceiling,
                    open_files = nofile,
                    "connections.max_connections is above what the open-files limit allows; lowered"
                );
                ceiling
            }
            wanted => wanted,
        };
        let max_sockets = match max_connections.checked_sub(config.http_reserve) {
            Some(n) if n > 0 => n,
            _ => {
                tracing::warn!(
                    max_connections,
                    http_reserve = config.http_reserve,
                    "connections.http_reserve leaves no room for sockets; keeping half for them"
                );
                max_connections / 2
            }
        };
        Self {
            max_connections,
            max_sockets,
            per_address: u32::try_from(config.per_address).unwrap_or(u32::MAX),
            upgrades_per_s: config.upgrades_per_s,
            upgrade_burst: config.upgrade_burst,
        }
    }
}

/// Counts of what is open, by kind and by address. Pure: time comes in as `now`.
#[derive(Debug)]
pub(crate) struct Ledger {
    limits: Limits,
    /// TCP connections serving HTTP (a connection leaves this count when it becomes a
    /// websocket, which then counts in `sockets`).
    connections: usize,
    sockets: usize,
    /// Per client address: its direct connections and its websockets.
    held: HashMap<IpAddr, u32>,
    upgrades: HashMap<IpAddr, RateLimit>,
    /// Size of `upgrades` at which full buckets are next forgotten.
    prune_at: usize,
}

const PRUNE_FLOOR: usize = 1024;

impl Ledger {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            connections: 0,
            sockets: 0,
            held: HashMap::new(),
            upgrades: HashMap::new(),
            prune_at: PRUNE_FLOOR,
        }
    }

    /// A TCP connection from `peer` was accepted. `per_address`: whether it counts against
    /// the peer's cap (not when the peer is a trusted proxy, which carries many clients).
    pub fn accept(&mut self, peer: IpAddr, per_address: bool) -> Result<(), Refusal> {
        if self.connections + self.sockets >= self.limits.max_connections {
            return Err(Refusal::Full);
        }
        if per_address {
            let held = self.held.entry(peer).or_default();
            if *held >= self.limits.per_address {
                return Err(Refusal::AddressFull);
            }
            *held += 1;
        }
        self.connections += 1;
        Ok(())
    }

    /// A connection accepted with `accept(peer, per_address)` ended (or became a websocket).
    pub fn release_connection(&mut self, peer: IpAddr, per_address: bool) {
        self.connections = self.connections.saturating_sub(1);
        if per_address {
            self.forget_one(peer);
        }
    }

    /// A request from `client` asks for a websocket at `now`. `counted`: its connection
    /// already counts against `client`'s cap (a direct client), so the cap is checked
    /// without it.
    pub fn upgrade(&mut self, client: IpAddr, counted: bool, now: Instant) -> Result<(), Refusal> {
        if self.sockets >= self.limits.max_sockets {
            return Err(Refusal::SocketsFull);
        }
        let held = self.held.get(&client).copied().unwrap_or(0);
        if held - u32::from(counted && held > 0) >= self.limits.per_address {
            return Err(Refusal::AddressFull);
        }
        if self.upgrades.len() >= self.prune_at {
            self.upgrades.retain(|_, bucket| !bucket.is_full(now));
            self.prune_at = (self.upgrades.len() * 2).max(PRUNE_FLOOR);
        }
        let (per_s, burst) = (self.limits.upgrades_per_s, self.limits.upgrade_burst);
        let bucket = self
            .upgrades
            .entry(client)
            .or_insert_with(|| RateLimit::new(per_s, burst));
        if !bucket.allow(now) {
            return Err(Refusal::TooFast);
        }
        *self.held.entry(client).or_default() += 1;
        self.sockets += 1;
        Ok(())
    }

    /// A websocket admitted with `upgrade(client, ..)` closed.
    pub fn release_socket(&mut self, client: IpAddr) {
        self.sockets = self.sockets.saturating_sub(1);
        self.forget_one(client);
    }

    fn forget_one(&mut self, ip: IpAddr) {
        if let Some(held) = self.held.get_mut(&ip) {
            *held -= 1;
            if *held == 0 {
                self.held.remove(&ip);
            }
        }
    }
}

/// The gateway's ledger, shared by the accept loop and the socket handlers; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Admission(Arc<Mutex<(Ledger, Burst)>>);

impl Admission {
    pub fn new(limits: Limits) -> Self {
        Self(Arc::new(Mutex::new((
            Ledger::new(limits),
            Burst::default(),
        ))))
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, (Ledger, Burst)> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.ledger().0.limits
    }

    /// Admits a TCP connection from `peer`; the slot gives it back when dropped.
    pub fn accept(&self, peer: IpAddr, per_address: bool) -> Result<ConnectionSlot, Refusal> {
        self.ledger().0.accept(peer, per_address)?;
        Ok(ConnectionSlot {
            admission: self.clone(),
            peer,
            per_address,
        })
    }

    /// Admits a websocket for `client`; the slot gives it back when dropped. Reaching the
    /// sockets' ceiling is logged (once per burst): the gateway is full.
    pub fn upgrade(&self, client: IpAddr, counted: bool) -> Result<SocketSlot, Refusal> {
        let now = Instant::now();
        let mut guard = self.ledger();
        let (ledger, full) = &mut *guard;
        if let Err(why) = ledger.upgrade(client, counted, now) {
            if why == Refusal::SocketsFull
                && let Some(earlier) = full.note(now)
            {
                let sockets = ledger.limits.max_sockets;
                tracing::warn!(
                    sockets,
                    earlier,
                    "sockets refused: this gateway holds all it may"
                );
            }
            return Err(why);
        }
        drop(guard);
        Ok(SocketSlot {
            admission: self.clone(),
            client,
        })
    }
}

/// One admitted TCP connection, counted until dropped.
#[derive(Debug)]
pub(crate) struct ConnectionSlot {
    admission: Admission,
    peer: IpAddr,
    per_address: bool,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.admission
            .ledger()
            .0
            .release_connection(self.peer, self.per_address);
    }
}

/// One admitted websocket, counted until dropped.
#[derive(Debug)]
pub(crate) struct SocketSlot {
    admission: Admission,
    client: IpAddr,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.admission.ledger().0.release_socket(self.client);
    }
}

#[cfg(test)]
#[path = "admission/tests.rs"]
mod tests;
