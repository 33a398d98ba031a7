//! `qin`: run Qin (`qin serve`), check a config (`qin check-config`), hash an agent's
//! password for the config (`qin hash-password`), make a token secret (`qin gen-secret`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use qin::{Backend, Node, NodeOptions, Roles};
use qin_config::Config;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// mimalloc rather than glibc's malloc (~14% of a loaded gateway's profile): about 5% less
/// server CPU per relayed message, for ~25 MiB more resident memory per process and
/// ~0.3 KiB more per idle connection (docs/benchmarks.md, "After the first hot-path fixes").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_CONFIG: &str = "config/qin.toml";

#[derive(Parser)]
#[command(
    name = "qin",
    version,
    about = "Qin (亲): real-time chat support for online shops"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run Qin (the default command).
    Serve(ServeArgs),
    /// Validate a config file and exit.
    CheckConfig {
        /// The file (default: config/qin.toml).
        file: Option<PathBuf>,
    },
    /// Print an Argon2 hash of a password (read from stdin) for an agent's `password_hash`.
    HashPassword,
    /// Print a fresh random token secret for `server.secret` or `QIN_SECRET`.
    GenSecret,
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// Config file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    config: PathBuf,
    /// Address the gateway listens on (overrides server.listen and `QIN_LISTEN`).
    #[arg(long)]
    listen: Option<String>,
    /// Redis URL, e.g. <redis://127.0.0.1:6379> (overrides server.redis and `QIN_REDIS`);
    /// `redis://user:password@host:port/` logs in, `rediss://` uses TLS. Prefer `QIN_REDIS`
    /// for a URL with a password: arguments are visible to every local user.
    /// Without one, everything runs in this process, kept in the data directory.
    #[arg(long)]
    redis: Option<String>,
    /// PEM file of the CA that signed the Redis server's certificate (rediss:// only; overrides
    /// `server.redis_ca_file` and `QIN_REDIS_CA_FILE`). Default: the system's roots.
    #[arg(long, value_name = "FILE")]
    redis_ca_file: Option<String>,
    /// Where embedded mode keeps its data (overrides `server.data_dir` and `QIN_DATA_DIR`;
    /// default ./data). "" keeps everything in memory only, lost at exit.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<String>,
    /// Roles to run: any of gateway, router, autoreply, comma-separated.
    #[arg(long, default_value = "gateway,router,autoreply")]
    roles: Roles,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::CheckConfig { file }) => check_config(file.as_deref()),
        Some(Command::HashPassword) => hash_password(),
        Some(Command::GenSecret) => {
            println!("{}", qin::secret::generate());
            Ok(())
        }
        Some(Command::Serve(args)) => serve(args),
        None => serve(ServeArgs {
            config: DEFAULT_CONFIG.into(),
            ..ServeArgs::default()
        }),
    }
}

fn load(path: &Path) -> anyhow::Result<Config> {
    let mut config = Config::load(path)?;
    qin_config::apply_env(&mut config, |k| std::env::var(k).ok())?;
    Ok(config)
}

fn check_config(file: Option<&Path>) -> anyhow::Result<()> {
    let path = file.unwrap_or(Path::new(DEFAULT_CONFIG));
    let config = load(path)?;
    qin::secret::check_configured(&config)?;
    for warning in qin::demo::staff_warnings(&config) {
        eprintln!("warning: {warning}");
    }
    let agents: usize = config.shops.iter().map(|s| s.agents.len()).sum();
    println!(
        "{}: ok ({} shop(s), {} agent(s))",
        path.display(),
        config.shops.len(),
        agents
    );
    Ok(())
}

fn hash_password() -> anyhow::Result<()> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!password.is_empty(), "give the password on standard input");
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    println!("{hash}");
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("QIN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        // Colours only for a person at a terminal; a file or a pipe gets plain text.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let mut config =
        load(&args.config).with_context(|| format!("loading {}", args.config.display()))?;
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if let Some(redis) = args.redis {
        config.server.redis = Some(redis);
    }
    if let Some(ca_file) = args.redis_ca_file {
        config.server.redis_ca_file = (!ca_file.is_empty()).then_some(ca_file);
    }
    if let Some(dir) = args.data_dir {
        config.server.data_dir = (!dir.is_empty()).then_some(dir);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(config, args.roles, args.config))
}

async fn run(config: Config, roles: Roles, file: PathBuf) -> anyhow::Result<()> {
    let backend = Backend::from_config(&config);
    let demo = qin::demo::is_demo(&config);
    if !demo {
        let config = config.clone();
        // Argon2 checks of every staff hash: in the background, the start does not wait.
        tokio::task::spawn_blocking(move || {
            for warning in qin::demo::staff_warnings(&config) {
                tracing::warn!("{warning}");
            }
        });
    }
    let options = NodeOptions {
        listen: config.server.listen.clone(),
        backend: backend.clone(),
        roles: roles.clone(),
        config,
        config_file: Some(file),
    };
    let mut node = Node::start(options).await?;
    tracing::info!(%roles, ?backend, "qin started");
    if let Some(addr) = node.addr {
        print_banner(addr, &roles, demo);
    }
    if let Some(reloader) = node.reloader.clone() {
        tokio::spawn(reload_on_hangup(reloader));
    }
    let stop = node.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping");
        stop.cancel();
    });
    let result = node.wait().await;
    node.stop().await;
    result
}

/// What a person starting Qin at a terminal sees: where the pages are, and for the demo
/// config (only), how to log in.
fn print_banner(addr: std::net::SocketAddr, roles: &Roles, demo: bool) {
    let password = qin::demo::DEMO_PASSWORD;
    println!();
    println!("  Qin (亲) is running — roles: {roles}");
    if demo {
        println!("  Shopper widget (demo shop):  http://{addr}/");
        println!(
            "  Agent console:               http://{addr}/console   (demo agents, password {password})"
        );
        println!(
            "  Supervisor page:             http://{addr}/supervisor   (demo supervisor zhuguan, same password)"
        );
    } else {
        println!("  Shopper widget:   http://{addr}/");
        println!("  Agent console:    http://{addr}/console");
        println!("  Supervisor page:  http://{addr}/supervisor");
    }
    println!("  Stop with Ctrl-C.");
    println!();
}

/// `kill -HUP`: re-read the config file; a bad one is logged and the old one stays.
async fn reload_on_hangup(reloader: std::sync::Arc<qin::Reloader>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; reload through the supervisors' API");
        return;
    };
    while hangups.recv().await.is_some() {
        let reloader = reloader.clone();
        match tokio::task::spawn_blocking(move || reloader.reload()).await {
            Ok(Ok(shops)) => tracing::info!(?shops, "SIGHUP: config reloaded"),
            Ok(Err(problem)) => {
                tracing::error!(%problem, "SIGHUP: config refused; the old config stays");
            }
            Err(e) => tracing::error!(%e, "SIGHUP: reload failed"),
        }
    }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
