//! `qin-load`: run a load scenario against Qin or the socket.io peer; print a live progress
//! line and write a JSON result and a self-contained HTML report. See `load-tests/README.md`.

mod render;

use anyhow::Context;
use clap::{Parser, Subcommand};
use qin_load::scenario::Scenario;
use qin_load::target::{Dialect, ServerProc, Target};
use qin_load::{double11, idle, qinconf, relay, spawn};
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Parser)]
#[command(
    name = "qin-load",
    about = "Load generator for Qin (and the socket.io peer)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario file.
    Run(RunArgs),
    /// Print a Qin config with generated agents (load-tests/qin-load.toml).
    GenConfig {
        /// Agents to generate.
        #[arg(long, default_value_t = 400)]
        agents: usize,
        /// Chats each agent may hold.
        #[arg(long, default_value_t = 20)]
        max_chats: u32,
    },
    /// Print socket.io / Qin ratios of two result files of the same scenario.
    Compare {
        /// Qin's result JSON.
        qin: PathBuf,
        /// The socket.io peer's result JSON.
        socketio: PathBuf,
    },
    /// Internal: a connection-holding worker process of `idle` and `storm`.
    #[command(hide = true)]
    Worker(idle::WorkerArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario file, e.g. load-tests/scenarios/relay.toml.
    scenario: PathBuf,
    /// Which server: Qin or the socket.io peer.
    #[arg(long, value_enum, default_value = "qin")]
    target: Dialect,
    /// Start a private Redis and the servers for this run (killed at the end).
    #[arg(long)]
    spawn: bool,
    /// Gateway processes to start with --spawn.
    #[arg(long, default_value_t = 2)]
    gateways: usize,
    /// With --spawn (Qin only): all gateways listen on one port (`SO_REUSEPORT`) and the
    /// kernel deals connections among them, as behind one address in production. For
    /// `idle` and `storm`; `relay` needs each pair's shopper and agent on known processes.
    #[arg(long)]
    one_port: bool,
    /// Without --spawn: gateway addresses of a running deployment (loopback only).
    #[arg(long, value_delimiter = ',')]
    connect: Vec<SocketAddr>,
    /// Without --spawn: server PIDs to sample, as name=pid (names starting with
    /// "gateway" count for per-connection memory).
    #[arg(long, value_delimiter = ',')]
    pids: Vec<String>,
    /// The qin binary for --spawn (default: next to qin-load).
    #[arg(long)]
    qin_bin: Option<PathBuf>,
    /// Qin config for --spawn (default: load-tests/qin-load.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to write the JSON and HTML results.
    #[arg(long, default_value = "load-tests/results")]
    out: PathBuf,
    /// Hard cap on the whole run, seconds.
    #[arg(long, default_value_t = 1800)]
    max_s: u64,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Cmd::GenConfig { agents, max_chats } => {
            print!("{}", qinconf::generate(agents, max_chats));
            Ok(())
        }
        Cmd::Compare { qin, socketio } => {
            let read = |p: &PathBuf| -> anyhow::Result<serde_json::Value> {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                Ok(serde_json::from_str(&text)?)
            };
            print!("{}", render::compare(&read(&qin)?, &read(&socketio)?));
            Ok(())
        }
        Cmd::Worker(args) => runtime.block_on(idle::worker(args)),
        Cmd::Run(args) => runtime.block_on(run(args)),
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let mut programs = spawn::default_programs();
    if let Some(q) = &args.qin_bin {
        programs.qin = q.clone();
    }
    if let Some(c) = &args.config {
        programs.config = c.clone();
    }
    let cluster;
    let target = if args.spawn {
        anyhow::ensure!(
            !args.one_port || args.target == Dialect::Qin,
            "--one-port is for Qin: the socket.io peer's Node cannot share a port"
        );
        anyhow::ensure!(
            !args.one_port || !matches!(scenario, Scenario::Relay(_)),
            "--one-port is for idle and storm: relay places shoppers and agents on gateways"
        );
        let layout = if args.one_port {
            spawn::Ports::Shared
        } else {
            spawn::Ports::OnePerGateway
        };
        cluster = spawn::start(args.target, args.gateways, layout, &programs).await?;
        cluster.target.clone()
    } else {
        anyhow::ensure!(
            !args.connect.is_empty(),
            "give --spawn or --connect ADDR,..."
        );
        anyhow::ensure!(
            args.connect.iter().all(|a| a.ip().is_loopback()),
            "qin-load drives loopback addresses only"
        );
        Target {
            dialect: args.target,
            gateways: args.connect.clone(),
            procs: parse_pids(&args.pids)?,
            shop: "afu".into(),
            password: qinconf::PASSWORD.into(),
        }
    };
    let started = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    eprintln!(
        "[qin-load] {} against {:?}: gateways {:?}",
        scenario.name(),
        target.dialect,
        target.gateways
    );
    let work = async {
        anyhow::Ok(match &scenario {
            Scenario::Relay(spec) => serde_json::to_value(relay::run(&target, spec, true).await?)?,
            Scenario::Idle(spec) | Scenario::Storm(spec) => {
                serde_json::to_value(idle::run(&target, spec, true).await?)?
            }
            Scenario::Double11(spec) => {
                serde_json::to_value(double11::run(&target, spec, true).await?)?
            }
        })
    };
    // Ctrl-C ends the run early; returning drops the spawned servers, which kills them.
    let bounded = tokio::time::timeout(Duration::from_secs(args.max_s), work);
    let result = tokio::select! {
        r = bounded => r.context("the run hit --max-s")??,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted"),
    };
    let doc = json!({
        "scenario": scenario.name(),
        "target": target.dialect,
        "started_unix": started,
        "machine": render::machine(),
        "spec": scenario,
        "servers": target.procs,
        "result": result,
    });
    std::fs::create_dir_all(&args.out)?;
    let stem = args.out.join(format!(
        "{}-{}-{started}",
        scenario.name(),
        render::dialect(target.dialect)
    ));
    let json_path = stem.with_extension("json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&doc)?)?;
    let html_path = stem.with_extension("html");
    std::fs::write(&html_path, render::page(&doc))?;
    println!("{}", render::summary(&doc));
    eprintln!(
        "[qin-load] wrote {} and {}",
        json_path.display(),
        html_path.display()
    );
    Ok(())
}

fn parse_pids(pids: &[String]) -> anyhow::Result<Vec<ServerProc>> {
    pids.iter()
        .map(|p| {
            let (name, pid) = p.split_once('=').context("--pids takes name=pid")?;
            Ok(ServerProc {
                name: name.into(),
                pid: pid.parse()?,
                gateway: name.starts_with("gateway"),
            })
        })
        .collect()
}
