//! A running Qin node: the backends it talks to, the roles it runs, and its orderly stop.

use crate::redis_client::{self, redacted};
use crate::reload::Reloader;
use crate::roles::{Role, Roles};
use crate::workers;
use anyhow::Context;
use qin_bus::{Bus, MemoryBus, RedisBus};
use qin_config::Config;
use qin_gateway::GatewayState;
use qin_proto::AgentStatus;
use qin_store::{FileStore, MemoryStore, RedisStore, Store};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Where state and live events live.
#[derive(Clone)]
pub enum Backend {
    /// In this process only (embedded mode). Nodes sharing the same `Arc`s share state.
    Memory {
        /// The store.
        store: Arc<dyn Store>,
        /// The bus.
        bus: Arc<dyn Bus>,
    },
    /// Embedded mode that persists: the store in a redb file in `dir` (created if missing),
    /// so a restart loses nothing; live events on an in-process bus. One process per `dir`.
    File {
        /// The data directory.
        dir: PathBuf,
    },
    /// Redis, shared by every node of a deployment. The CA a `rediss://` URL's server is
    /// checked against is the config's `server.redis_ca_file` (else the system's roots).
    Redis {
        /// `redis://host:port`, `redis://user:password@host:port/`, `rediss://…` for TLS.
        url: String,
        /// Prefix of every key and channel.
        key_prefix: String,
    },
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory { .. } => f.write_str("Memory"),
            Self::File { dir } => write!(f, "File({})", dir.display()),
            Self::Redis { url, key_prefix } => {
                let url = redacted(url);
                write!(f, "Redis({url}, prefix {key_prefix:?})")
            }
        }
    }
}

impl Backend {
    /// A fresh in-memory backend.
    pub fn memory() -> Self {
        Self::Memory {
            store: Arc::new(MemoryStore::new()),
            bus: Arc::new(MemoryBus::new()),
        }
    }

    /// The backend the config asks for: Redis if `server.redis` is set, else a file store in
    /// `server.data_dir` if that is set, else memory.
    pub fn from_config(config: &Config) -> Self {
        match (&config.server.redis, &config.server.data_dir) {
            (Some(url), _) => Self::Redis {
                url: url.clone(),
                key_prefix: config.server.key_prefix.clone(),
            },
            (None, Some(dir)) => Self::File { dir: dir.into() },
            (None, None) => Self::memory(),
        }
    }

    /// Connects to the backend; `redis_ca_file` is the CA of a `rediss://` server.
    async fn connect(
        &self,
        redis_ca_file: Option<&str>,
    ) -> anyhow::Result<(Arc<dyn Store>, Arc<dyn Bus>)> {
        match self {
            Self::Memory { store, bus } => Ok((store.clone(), bus.clone())),
            Self::File { dir } => {
                let open_dir = dir.clone();
                crate::data_dir::prepare(dir)?;
                // Opening blocks (and repairs the file after an unclean shutdown).
                let store = tokio::task::spawn_blocking(move || FileStore::open(&open_dir))
                    .await?
                    .with_context(|| format!("opening the data directory {}", dir.display()))?;
                tracing::info!(file = %store.path().display(), "data kept on disk");
                Ok((Arc::new(store), Arc::new(MemoryBus::new())))
            }
            Self::Redis { url, key_prefix } => {
                let client = redis_client::client(url, redis_ca_file.map(Path::new))?;
                // Never the URL itself: it may hold a password.
                let shown = redacted(url);
                let store = RedisStore::connect_client(client.clone(), key_prefix)
                    .await
                    .with_context(|| format!("connecting the store to {shown}"))?;
                let bus = RedisBus::connect_client(client, key_prefix)
                    .await
                    .with_context(|| format!("connecting the bus to {shown}"))?;
                // One server for both: a message is stored and announced in one step.
                let store = store.announcing_on(bus.prefix());
                Ok((Arc::new(store), Arc::new(bus)))
            }
        }
    }
}

/// How to start a node.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// Validated configuration.
    pub config: Config,
    /// Roles to run.
    pub roles: Roles,
    /// Backend.
    pub backend: Backend,
    /// Address for the gateway (port 0 picks a free one).
    pub listen: String,
    /// The file `config` came from, re-read on a reload (SIGHUP, supervisors' API); `None`:
    /// no reload.
    pub config_file: Option<PathBuf>,
}

/// A started node.
#[derive(Debug)]
pub struct Node {
    /// Where the gateway listens, if this node runs one.
    pub addr: Option<SocketAddr>,
    /// Re-reads the config file, if the node has one.
    pub reloader: Option<Arc<Reloader>>,
    shutdown: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
}

impl Node {
    /// Connects the backend and starts the roles. Fails fast if Redis is unreachable, the
    /// address is taken (by anything but another Redis-backed gateway, which may share it),
    /// the token secret is missing where it must be shared or is too short, or the data
    /// directory cannot be made private.
    pub async fn start(options: NodeOptions) -> anyhow::Result<Self> {
        let NodeOptions {
            config,
            roles,
            backend,
            listen,
            config_file,
        } = options;
        crate::secret::check_configured(&config)?;
        let (store, bus) = backend
            .connect(config.server.redis_ca_file.as_deref())
            .await?;
        if let Backend::File { .. } = backend {
            // This process is the deployment's only gateway, and it just started: nobody is
            // connected, so nobody is online (consoles re-send their status on reconnect).
            reset_agent_statuses(&config, store.as_ref()).await?;
        }
        let config = Arc::new(config);
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let (config_tx, config_rx) = watch::channel(config.clone());
        let mut workers_config = None;
        if roles.has(Role::Router) || roles.has(Role::Autoreply) {
            let (running, running_rx) = watch::channel(config.clone());
            workers_config = Some(running_rx);
            let (roles, store, bus, stop) =
                (roles.clone(), store.clone(), bus.clone(), shutdown.clone());
            tasks.spawn(workers::run(roles, config_rx, running, store, bus, stop));
        }
        let (mut addr, mut listener, mut gateway, mut gateway_shops) = (None, None, None, None);
        if roles.has(Role::Gateway) {
            let secret = crate::secret::token_secret(&config, &backend)?;
            let shared = matches!(backend, Backend::Redis { .. });
            let bound = listen_on(&listen, shared)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            addr = Some(bound.local_addr()?);
            listener = Some(bound);
            let state = GatewayState::new(
                config.clone(),
                store,
                bus.clone(),
                &secret,
                shutdown.clone(),
            );
            gateway_shops = Some(state.shops());
            let reloads = qin_gateway::follow_reloads(state.clone(), config_tx.subscribe());
            tasks.spawn(async move {
                reloads.await;
                Ok(())
            });
            gateway = Some(state);
        }
        let reloader = config_file.map(|file| {
            let reloader =
                Reloader::new(file, config_tx, workers_config, gateway_shops, bus.clone());
            Arc::new(reloader)
        });
        if let Some(reloader) = &reloader {
            let follower = reloader.clone().follow_others();
            let stop = shutdown.clone();
            tasks.spawn(async move {
                tokio::select! {
                    () = follower => {}
                    () = stop.cancelled() => {}
                }
                Ok(())
            });
        }
        if let Some(mut state) = gateway {
            let listener = listener.context("gateway without a listener")?;
            if let Some(reloader) = &reloader {
                let reloader = reloader.clone();
                state.reload = Some(Arc::new(move || {
                    Box::pin(reloader.clone().reload_in_force())
                }));
            }
            tasks.spawn(async move {
                qin_gateway::serve(listener, state)
                    .await
                    .context("gateway stopped")
            });
        }
        Ok(Self {
            addr,
            reloader,
            shutdown,
            tasks,
        })
    }

    /// A token that stops the node when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Runs until the node is told to stop or one of its roles fails.
    pub async fn wait(&mut self) -> anyhow::Result<()> {
        tokio::select! {
            () = self.shutdown.cancelled() => Ok(()),
            Some(done) = self.tasks.join_next() => {
                self.shutdown.cancel();
                match done {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e),
                    Err(e) => Err(anyhow::anyhow!("a role panicked: {e}")),
                }
            }
        }
    }

    /// Stops every role and waits (at most 10 s) for them to finish.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        let drain = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(std::time::Duration::from_secs(10), drain)
            .await
            .is_err()
        {
            tracing::warn!("roles did not stop within 10 s; aborting them");
            self.tasks.abort_all();
        }
    }
}

/// Accept-queue length: room for a reconnect storm (the kernel caps it at `somaxconn`).
const LISTEN_BACKLOG: u32 = 4096;

/// Binds the gateway's listener. With `shared` (a Redis deployment, where every gateway
/// serves the same state) the port may be shared by several gateway processes through
/// `SO_REUSEPORT`, the kernel spreading connections over them; embedded nodes keep their
/// port to themselves, since two of them on one port would each hold different state.
async fn listen_on(listen: &str, shared: bool) -> anyhow::Result<TcpListener> {
    let addr = tokio::net::lookup_host(listen)
        .await?
        .next()
        .context("the address resolves to nothing")?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    if shared {
        socket.set_reuseport(true)?;
    }
    #[cfg(not(unix))]
    let _ = shared;
    socket.bind(addr)?;
    Ok(socket.listen(LISTEN_BACKLOG)?)
}

/// Marks every agent of every shop offline.
async fn reset_agent_statuses(config: &Config, store: &dyn Store) -> anyhow::Result<()> {
    for shop in &config.shops {
        let statuses = store.agent_statuses(&shop.id).await?;
        for (agent, status) in statuses {
            if status != AgentStatus::Offline {
                store
                    .set_agent_status(&shop.id, &agent, AgentStatus::Offline)
                    .await?;
            }
        }
    }
    Ok(())
}
