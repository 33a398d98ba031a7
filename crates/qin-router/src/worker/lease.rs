//! The shop's routing lease in the store: taken before routing, renewed while routing, and
//! given up at shutdown, so exactly one router routes a shop and another takes over within
//! [`TTL`] when it dies.

use qin_proto::ShopId;
use qin_store::Store;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a lease lasts without renewal: the longest a shop goes unrouted after its
/// router dies.
pub const TTL: Duration = Duration::from_secs(5);

/// How often the holder renews, and a stand-by router tries to take over.
pub const RENEW_EVERY: Duration = Duration::from_secs(1);

/// Stop routing when no renewal succeeded for this long: the lease may be someone else's
/// soon, and two routers must never route one shop.
const SAFE_FOR: Duration = Duration::from_secs(3);

/// This process's claim on one shop's lease.
pub(super) struct Lease {
    name: String,
    holder: String,
    renewed: Option<Instant>,
}

impl Lease {
    pub fn new(shop: &ShopId) -> Self {
        Self {
            name: format!("router:{shop}"),
            holder: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
            renewed: None,
        }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Waits until the lease is ours; false when `shutdown` came first.
    pub async fn acquire(&mut self, store: &dyn Store, shutdown: &CancellationToken) -> bool {
        let mut logged = false;
        loop {
            if self.renew(store).await {
                return true;
            }
            if !logged {
                tracing::info!(lease = %self.name, "another router holds the shop; standing by");
                logged = true;
            }
            tokio::select! {
                () = shutdown.cancelled() => return false,
                () = tokio::time::sleep(RENEW_EVERY) => {}
            }
        }
    }

    /// Takes or renews the lease; true while it is ours.
    pub async fn renew(&mut self, store: &dyn Store) -> bool {
        let ttl = u64::try_from(TTL.as_millis()).unwrap_or(u64::MAX);
        let at = Instant::now();
        match store.try_lease(&self.name, &self.holder, ttl).await {
            Ok(true) => {
                self.renewed = Some(at);
                true
            }
            Ok(false) => {
                self.renewed = None;
                false
            }
            Err(error) => {
                tracing::warn!(lease = %self.name, %error, "cannot renew the routing lease");
                self.safe()
            }
        }
    }

    /// Whether routing may go on: renewed recently enough that nobody else can hold it.
    pub fn safe(&self) -> bool {
        self.renewed.is_some_and(|at| at.elapsed() < SAFE_FOR)
    }

    pub async fn release(&mut self, store: &dyn Store) {
        self.renewed = None;
        if let Err(error) = store.release_lease(&self.name, &self.holder).await {
            tracing::warn!(lease = %self.name, %error, "cannot release the routing lease");
        }
    }
}
