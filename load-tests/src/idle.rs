//! `idle` and `storm`: open many shopper sockets from worker processes (each under the
//! 20,000-open-files cap, each from its own 127.0.0.x source address), then report
//! connections/s, handshake latency, errors and — when held — gateway memory per connection.

use crate::client::{self, Side};
use crate::procstat;
use crate::scenario::ConnectSpec;
use crate::stats::Latency;
use crate::target::{Dialect, Target};
use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_tungstenite::tungstenite::Message;

/// What an idle or storm run found.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectResult {
    /// Sockets asked for.
    pub connections: usize,
    /// Sockets that completed the handshake.
    pub connected: u64,
    /// Sockets that failed.
    pub errors: u64,
    /// First error seen, if any.
    pub first_error: Option<String>,
    /// Worker processes used.
    pub workers: usize,
    /// Seconds until the last worker had all its sockets open.
    pub elapsed_s: f64,
    /// Completed handshakes per second.
    pub connections_per_s: f64,
    /// TCP connect → `welcome` (Qin) / namespace `40` (socket.io).
    pub handshake: Latency,
    /// Gateway RSS before connecting, KiB.
    pub rss_before_kib: u64,
    /// Gateway RSS with every socket open (after the hold), KiB.
    pub rss_after_kib: u64,
    /// (after − before) / connected, KiB.
    pub rss_per_conn_kib: f64,
    /// Seconds held.
    pub held_s: f64,
    /// Sockets the server closed while held.
    pub dropped: u64,
    /// Server CPU time over the run, ms.
    pub server_cpu_ms: u64,
}

/// A worker's report once its sockets are open.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerReport {
    /// Opened.
    pub connected: u64,
    /// Failed.
    pub errors: u64,
    /// First failure.
    pub first_error: Option<String>,
    /// Seconds it took.
    pub elapsed_s: f64,
    /// Handshake times, µs.
    pub handshake_us: Vec<u64>,
}

/// What a worker is told to do (`qin-load worker …`).
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// Server dialect.
    #[arg(long, value_enum)]
    pub dialect: Dialect,
    /// Gateways, comma-separated; sockets are dealt round-robin.
    #[arg(long, value_delimiter = ',')]
    pub gateways: Vec<SocketAddr>,
    /// Source address of this worker's sockets.
    #[arg(long)]
    pub source: IpAddr,
    /// Sockets to open.
    #[arg(long)]
    pub count: usize,
    /// Handshakes in flight at once.
    #[arg(long)]
    pub concurrency: usize,
    /// Shop (Qin).
    #[arg(long, default_value = "afu")]
    pub shop: String,
}

/// Runs `idle` (hold > 0) or `storm` against `target`, spreading sockets over workers.
pub async fn run(
    target: &Target,
    spec: &ConnectSpec,
    progress: bool,
) -> anyhow::Result<ConnectResult> {
    let gw_pids = target.gateway_pids();
    let all_pids = target.all_pids();
    let rss_before = procstat::rss_kib_of(&gw_pids);
    let cpu_before = procstat::cpu_time_of(&all_pids);
    let exe = std::env::current_exe()?;
    let per = spec.per_worker.clamp(1, 15_000);
    let workers = spec.connections.div_ceil(per);
    let gateways: Vec<String> = target.gateways.iter().map(ToString::to_string).collect();
    let mut children = Vec::new();
    for w in 0..workers {
        let count = per.min(spec.connections - w * per);
        let source = Ipv4Addr::new(127, 0, 0, 10 + w as u8);
        let mut child = Command::new(&exe)
            .arg("worker")
            .args(["--dialect", dialect_name(target.dialect)])
            .args(["--gateways", &gateways.join(",")])
            .args(["--source", &source.to_string()])
            .args(["--count", &count.to_string()])
            .args(["--concurrency", &spec.concurrency.to_string()])
            .args(["--shop", &target.shop])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting a worker process")?;
        let stdout = child.stdout.take().context("worker stdout")?;
        children.push((child, BufReader::new(stdout).lines()));
    }
    let mut reports = Vec::new();
    for (_, lines) in &mut children {
        let line = tokio::time::timeout(Duration::from_secs(600), lines.next_line())
            .await
            .context("a worker took over 10 minutes")??
            .context("a worker died before reporting")?;
        reports.push(serde_json::from_str::<WorkerReport>(&line)?);
        if progress {
            let done: u64 = reports.iter().map(|r| r.connected).sum();
            eprintln!(
                "[connect] {}/{workers} workers ready, {done} sockets open",
                reports.len()
            );
        }
    }
    let held = Instant::now();
    while held.elapsed().as_secs_f64() < spec.hold_s {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if progress {
            eprint!(
                "\r[idle] holding {:.0}/{:.0} s, gateway RSS {} MiB   ",
                held.elapsed().as_secs_f64(),
                spec.hold_s,
                procstat::rss_kib_of(&gw_pids) / 1024
            );
        }
    }
    if progress && spec.hold_s > 0.0 {
        eprintln!();
    }
    let rss_after = procstat::rss_kib_of(&gw_pids);
    let mut dropped = 0;
    for (mut child, mut lines) in children {
        drop(child.stdin.take()); // EOF: report and exit
        if let Ok(Ok(Some(line))) =
            tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await
        {
            dropped += line.trim().parse::<u64>().unwrap_or(0);
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    }
    let connected: u64 = reports.iter().map(|r| r.connected).sum();
    let elapsed_s = reports.iter().map(|r| r.elapsed_s).fold(0.0, f64::max);
    let samples: Vec<u64> = reports
        .iter()
        .flat_map(|r| r.handshake_us.iter().copied())
        .collect();
    Ok(ConnectResult {
        connections: spec.connections,
        connected,
        errors: reports.iter().map(|r| r.errors).sum(),
        first_error: reports.iter().find_map(|r| r.first_error.clone()),
        workers,
        elapsed_s,
        connections_per_s: connected as f64 / elapsed_s.max(1e-9),
        handshake: Latency::of_samples(&samples),
        rss_before_kib: rss_before,
        rss_after_kib: rss_after,
        rss_per_conn_kib: rss_after.saturating_sub(rss_before) as f64 / connected.max(1) as f64,
        held_s: spec.hold_s,
        dropped,
        server_cpu_ms: procstat::cpu_time_of(&all_pids)
            .saturating_sub(cpu_before)
            .as_millis() as u64,
    })
}

fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Qin => "qin",
        Dialect::Socketio => "socketio",
    }
}

/// The worker process: opens its sockets, prints a [`WorkerReport`] line, holds them until
/// stdin closes, then prints how many the server dropped.
pub async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let errors = Arc::new(AtomicU64::new(0));
    let dropped = Arc::new(AtomicU64::new(0));
    let results: Vec<anyhow::Result<(crate::connect::Ws, u64)>> =
        futures_util::stream::iter(0..args.count)
            .map(|i| {
                let args = &args;
                async move {
                    let t = Instant::now();
                    let addr = args.gateways[i % args.gateways.len()];
                    let ws = client::open(
                        args.dialect,
                        addr,
                        Side::Shopper,
                        Some(args.source),
                        &args.shop,
                        None,
                        Some(i),
                    )
                    .await?;
                    Ok((ws, t.elapsed().as_micros() as u64))
                }
            })
            .buffer_unordered(args.concurrency.max(1))
            .collect()
            .await;
    let elapsed_s = started.elapsed().as_secs_f64();
    let mut first_error = None;
    let mut handshake_us = Vec::new();
    let mut held = Vec::new();
    for r in results {
        match r {
            Ok((ws, us)) => {
                handshake_us.push(us);
                let dropped = dropped.clone();
                held.push(tokio::spawn(hold(ws, dropped)));
            }
            Err(e) => {
                errors.fetch_add(1, Relaxed);
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    let report = WorkerReport {
        connected: handshake_us.len() as u64,
        errors: errors.load(Relaxed),
        first_error,
        elapsed_s,
        handshake_us,
    };
    println!("{}", serde_json::to_string(&report)?);
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    println!("{}", dropped.load(Relaxed));
    for h in held {
        h.abort();
    }
    Ok(())
}

/// Holds one socket: answers engine.io pings, counts a close by the server.
async fn hold(mut ws: crate::connect::Ws, dropped: Arc<AtomicU64>) {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                if ws.send(Message::text("3")).await.is_err() {
                    break;
                }
            }
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    dropped.fetch_add(1, Relaxed);
}
