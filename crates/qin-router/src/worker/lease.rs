//! The shop's routing lease in the store: taken before routing, renewed by its own task while
//! routing (so a long burst of work cannot starve the renewal), and given up at shutdown, so
//! exactly one router routes a shop and another takes over within [`TTL`] when it dies.

use qin_proto::ShopId;
use qin_store::Leases;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a lease lasts without renewal: the longest a shop goes unrouted after its
/// router dies.
pub const TTL: Duration = Duration::from_secs(5);

/// How often the holder renews, and a stand-by router tries to take over.
pub const RENEW_EVERY: Duration = Duration::from_secs(1);

/// Stop routing when no renewal succeeded for this long: the lease may be someone else's
/// soon, and two routers must never route one shop. Checked before every decision applied.
const SAFE_FOR: Duration = Duration::from_secs(3);

/// This process's claim on one shop's lease. Clones share the claim.
#[derive(Clone)]
pub(super) struct Lease {
    name: Arc<str>,
    holder: Arc<str>,
    renewed: Arc<Mutex<Option<Instant>>>,
}

impl Lease {
    pub fn new(shop: &ShopId) -> Self {
        let holder = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        Self {
            name: format!("router:{shop}").into(),
            holder: holder.into(),
            renewed: Arc::default(),
        }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Waits until the lease is ours; false when `shutdown` came first.
    pub async fn acquire(&self, store: &dyn Leases, shutdown: &CancellationToken) -> bool {
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

    /// Renews every [`RENEW_EVERY`] until `stop` or until the lease is someone else's.
    pub async fn keep(self, store: Arc<dyn Leases>, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(RENEW_EVERY) => {}
            }
            if !self.renew(store.as_ref()).await && !self.safe() {
                return;
            }
        }
    }

    /// Takes or renews the lease; true while it is ours.
    async fn renew(&self, store: &dyn Leases) -> bool {
        let ttl = u64::try_from(TTL.as_millis()).unwrap_or(u64::MAX);
        let at = Instant::now();
        match store.try_lease(&self.name, &self.holder, ttl).await {
            Ok(true) => {
                *self.lock() = Some(at);
                true
            }
            Ok(false) => {
                *self.lock() = None;
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
        self.lock().is_some_and(|at| at.elapsed() < SAFE_FOR)
    }

    pub async fn release(&self, store: &dyn Leases) {
        *self.lock() = None;
        if let Err(error) = store.release_lease(&self.name, &self.holder).await {
            tracing::warn!(lease = %self.name, %error, "cannot release the routing lease");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.renewed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
