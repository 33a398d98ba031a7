//! The per-shop workers of a node (a router and an auto-reply worker per shop), restarted
//! with the new config whenever it is reloaded.
//!
//! A reload starts the new generation before the old one stops: auto-reply workers overlap
//! briefly (their replies carry deterministic ids, so none is posted twice), and the new
//! routers stand by until the old ones give up their shops' leases (at once, on stop). Once
//! the old generation has stopped, the new config is announced as the one the workers run on.

use crate::roles::{Role, Roles};
use anyhow::Context;
use qin_bus::Bus;
use qin_config::Config;
use qin_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long an old generation keeps running beside the new one.
const OVERLAP: Duration = Duration::from_millis(500);

/// One config's workers.
struct Generation {
    stop: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
}

impl Generation {
    fn start(
        config: &Config,
        roles: &Roles,
        store: &Arc<dyn Store>,
        bus: &Arc<dyn Bus>,
        shutdown: &CancellationToken,
    ) -> Self {
        let stop = shutdown.child_token();
        let mut tasks = JoinSet::new();
        for shop in &config.shops {
            let shop = Arc::new(shop.clone());
            if roles.has(Role::Router) {
                let (shop, store, bus, stop) =
                    (shop.clone(), store.clone(), bus.clone(), stop.clone());
                tasks.spawn(async move {
                    qin_router::run(shop, store, bus, stop)
                        .await
                        .context("router stopped")
                });
            }
            if roles.has(Role::Autoreply) {
                let (store, bus, stop) = (store.clone(), bus.clone(), stop.clone());
                tasks.spawn(async move {
                    qin_autoreply::run(shop, store, bus, stop)
                        .await
                        .context("auto-reply stopped")
                });
            }
        }
        Self { stop, tasks }
    }

    async fn stop(mut self) {
        self.stop.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Runs the workers of the config in force until `shutdown`; fails when one of them fails.
/// `running` says which config the workers run on, once no worker of an older one is left.
pub(crate) async fn run(
    roles: Roles,
    mut config: watch::Receiver<Arc<Config>>,
    running: watch::Sender<Arc<Config>>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let first = config.borrow_and_update().clone();
    let mut current = Generation::start(&first, &roles, &store, &bus, &shutdown);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => {
                current.stop().await;
                return Ok(());
            }
            changed = config.changed() => {
                if changed.is_err() {
                    shutdown.cancelled().await; // the node is going away
                    continue;
                }
                let next = config.borrow_and_update().clone();
                let old = std::mem::replace(
                    &mut current,
                    Generation::start(&next, &roles, &store, &bus, &shutdown),
                );
                tracing::info!(shops = next.shops.len(), "workers restarted with the reloaded config");
                let handed_over = async {
                    tokio::time::sleep(OVERLAP).await;
                    old.stop().await;
                };
                tokio::select! {
                    () = handed_over => running.send_replace(next),
                    () = shutdown.cancelled() => continue, // the old ones stop with the node
                };
            }
            Some(done) = current.tasks.join_next() => match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(e) => anyhow::bail!("a worker panicked: {e}"),
            },
        }
    }
}
