//! Config reload without a restart (SIGHUP, a supervisor's `POST .../config/reload`, or
//! another node's notice on the bus): the file is read and validated; if anything is wrong
//! the old config stays in force and the problem (naming the key) is returned. Shops, their
//! groups, agents, rules and schedules change; `[server]` and `[limits]` keep their values
//! until the next restart.

use bytes::Bytes;
use qin_bus::Bus;
use qin_config::Config;
use qin_gateway::Shops;
use qin_proto::topic;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The longest a reload through the API waits for the node's workers to switch over.
const SWITCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Reloads one node's config file and puts it in force.
pub struct Reloader {
    file: PathBuf,
    config: watch::Sender<Arc<Config>>,
    /// The config the node's workers run on (`None`: this node runs none).
    workers: Option<watch::Receiver<Arc<Config>>>,
    gateway: Option<Shops>,
    bus: Arc<dyn Bus>,
    /// This node, so it ignores its own notices.
    node: String,
    /// The file's text last put in force: an unchanged file restarts nothing.
    last: Mutex<String>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Reloader {
    pub(crate) fn new(
        file: PathBuf,
        config: watch::Sender<Arc<Config>>,
        workers: Option<watch::Receiver<Arc<Config>>>,
        gateway: Option<Shops>,
        bus: Arc<dyn Bus>,
    ) -> Self {
        let last = std::fs::read_to_string(&file).unwrap_or_default();
        Self {
            file,
            config,
            workers,
            gateway,
            bus,
            node: format!("{:016x}", rand::random::<u64>()),
            last: Mutex::new(last),
        }
    }

    /// Reads, validates and puts the file in force; the shops now in force, or what is wrong.
    pub fn reload(&self) -> Result<Vec<String>, String> {
        let shown = self.file.display().to_string();
        let text =
            std::fs::read_to_string(&self.file).map_err(|e| format!("cannot read {shown}: {e}"))?;
        let mut next = Config::parse(&text, &shown).map_err(|e| e.to_string())?;
        qin_config::apply_env(&mut next, |k| std::env::var(k).ok()).map_err(|e| e.to_string())?;
        let shops: Vec<String> = next.shops.iter().map(|s| s.id.to_string()).collect();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last == text {
            return Ok(shops);
        }
        let current = self.config.borrow().clone();
        next.server = current.server.clone();
        next.limits = current.limits.clone();
        if let Some(gateway) = &self.gateway {
            gateway.replace(&next.shops);
        }
        self.config.send_replace(Arc::new(next));
        *last = text;
        tracing::info!(file = %shown, ?shops, "config reloaded");
        let notice = Bytes::from(format!("reload {}", self.node));
        let bus = self.bus.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(error) = bus.publish(&topic::control(), notice).await {
                    tracing::warn!(%error, "cannot tell other nodes to reload");
                }
            });
        }
        Ok(shops)
    }

    /// [`Reloader::reload`], answered once this node's workers run on the config it put in
    /// force, so that every chat opened after the answer sees only that config (the old
    /// workers overlap the new ones briefly at a switch). Other nodes follow on their own.
    pub async fn reload_in_force(self: Arc<Self>) -> Result<Vec<String>, String> {
        let this = self.clone();
        let shops = tokio::task::spawn_blocking(move || this.reload())
            .await
            .map_err(|e| format!("reload failed: {e}"))??;
        if let Some(mut workers) = self.workers.clone() {
            let target = self.config.borrow().clone();
            let switched = workers.wait_for(|running| Arc::ptr_eq(running, &target));
            match tokio::time::timeout(SWITCH_TIMEOUT, switched).await {
                Ok(Ok(_)) => {}
                Ok(Err(_)) => return Err("the node is stopping".into()),
                Err(_) => {
                    tracing::warn!("the workers did not switch to the reloaded config in time");
                }
            }
        }
        Ok(shops)
    }

    /// Reloads when another node says it did, until the bus goes away.
    pub(crate) async fn follow_others(self: Arc<Self>) {
        let Ok(mut notices) = self.bus.subscribe(&topic::control()).await else {
            tracing::warn!("cannot follow other nodes' reload notices");
            return;
        };
        while let Some(payload) = notices.recv().await {
            let text = String::from_utf8_lossy(&payload);
            let Some(node) = text.strip_prefix("reload ") else {
                continue;
            };
            if node == self.node {
                continue;
            }
            if let Err(problem) = self.reload() {
                tracing::warn!(%problem, "another node reloaded, but this node's file is refused; the old config stays");
            }
        }
    }
}
