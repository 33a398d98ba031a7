//! What every request and socket of a gateway shares: config, backends, hub, token keys.

use crate::admission::{Admission, Limits};
use crate::auth::Tokens;
use crate::flood::Flood;
use crate::hub::Hub;
use crate::login;
use crate::presence::Presence;
use qin_bus::Bus;
use qin_config::{Config, ShopConfig};
use qin_proto::{AgentId, Millis, ShopId, VisitorId};
use qin_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Shared gateway state; cheap to clone (two reference counts), and small: every open
/// socket keeps one.
#[derive(Clone)]
pub struct GatewayState {
    shared: Arc<Shared>,
    /// Reloads the config file (`POST /api/shops/{shop}/config/reload`); `None` when the
    /// node was started without one.
    pub reload: Option<Reload>,
}

/// What every clone of a [`GatewayState`] shares; its fields read through the state.
pub struct Shared {
    /// The whole configuration.
    pub config: Arc<Config>,
    /// Durable state.
    pub store: Arc<dyn Store>,
    /// Live fan-out between processes.
    pub bus: Arc<dyn Bus>,
    /// This node's local fan-out to sockets.
    pub hub: Hub,
    /// Token signing and checking.
    pub tokens: Tokens,
    /// Login throttling and the bound on password checks.
    pub(crate) login: login::Guard,
    /// Cancelled when the gateway shuts down: sockets say goodbye and close.
    pub shutdown: CancellationToken,
    /// Every open socket's task, so a shutdown can wait for their goodbyes.
    pub(crate) sockets: TaskTracker,
    shops: Shops,
    /// Agents' consoles on this gateway (the last one closing takes the agent offline).
    pub(crate) agents: Presence<(ShopId, AgentId)>,
    /// Shoppers' widgets on this gateway (the last one closing tells the router she left).
    pub(crate) shoppers: Presence<(ShopId, VisitorId)>,
    /// New visitors and opened chats counted per address and per shop.
    pub(crate) flood: Flood,
    /// Who may connect: ceilings and per-address counts.
    pub(crate) admission: Admission,
}

impl std::ops::Deref for GatewayState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl std::fmt::Debug for GatewayState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayState")
            .field("shops", &self.shops.len())
            .field("hub", &self.hub)
            .finish_non_exhaustive()
    }
}

impl GatewayState {
    /// State for a gateway over `store` and `bus`, signing tokens with `secret`.
    pub fn new(
        config: Arc<Config>,
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        secret: &[u8],
        shutdown: CancellationToken,
    ) -> Self {
        let shops = Shops::default();
        shops.replace(&config.shops);
        let login = login::Guard::new(&config.login);
        let limits = Limits::new(&config.connections, crate::admission::open_files_limit());
        let shared = Shared {
            flood: Flood::new(&config.limits),
            hub: Hub::new(bus.clone(), store.clone()),
            config,
            store,
            bus,
            tokens: Tokens::new(secret),
            login,
            shutdown,
            sockets: TaskTracker::new(),
            shops,
            agents: Presence::default(),
            shoppers: Presence::default(),
            admission: Admission::new(limits),
        };
        Self {
            shared: Arc::new(shared),
            reload: None,
        }
    }

    /// A shop's configuration as now in force (a reload replaces it for later calls).
    pub fn shop(&self, id: &ShopId) -> Option<Arc<ShopConfig>> {
        self.shops.get(id)
    }

    /// The handle that swaps the shops' configuration on a reload.
    pub fn shops(&self) -> Shops {
        self.shops.clone()
    }
}

/// Reloads the config file; `Ok` names the shops now in force (and comes only once the node's
/// workers run on the new config, so every chat opened after it sees only that config),
/// `Err` says what is wrong (naming the key) and the old config stays.
pub type Reload = Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<Vec<String>, String>> + Send>>
        + Send
        + Sync,
>;

/// The shops' configuration, swapped whole by a reload; readers get an `Arc` of the
/// version in force when they ask.
#[derive(Clone, Default)]
pub struct Shops(Arc<RwLock<HashMap<ShopId, Arc<ShopConfig>>>>);

impl Shops {
    /// Puts `shops` in force.
    pub fn replace(&self, shops: &[ShopConfig]) {
        let map = shops
            .iter()
            .map(|s| (s.id.clone(), Arc::new(s.clone())))
            .collect();
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = map;
    }

    fn get(&self, id: &ShopId) -> Option<Arc<ShopConfig>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Every shop in force.
    pub(crate) fn all(&self) -> Vec<Arc<ShopConfig>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    fn len(&self) -> usize {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// Now, in ms since the epoch.
pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or_default()
}

/// A random id such as `c4bX9…`: `prefix` then 15 base62 characters (~89 bits).
pub fn random_id(prefix: char) -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    let mut id = String::with_capacity(16);
    id.push(prefix);
    id.extend(
        rand::rng()
            .sample_iter(Alphanumeric)
            .take(15)
            .map(char::from),
    );
    id
}
