//! `relay`: N shopper/agent pairs, shopper and agent on different gateways so every message
//! crosses Redis. Offered rates step up; per step the delivered share, latency (shopper send
//! → agent receive, one clock in this process) and server CPU per delivered message.

use crate::client::{self, Side};
use crate::connect::Ws;
use crate::qinconf;
use crate::scenario::RelaySpec;
use crate::stats::{self, Latency};
use crate::target::{Dialect, Target};
use crate::{now_ns, procstat};
use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

mod pairs;
mod tasks;

use pairs::setup;
use tasks::{Plan, agent_task, shopper_task};

/// Client ids from here up are warm-up messages, not measured.
const WARM_BASE: u64 = 1 << 40;

/// One rate step.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Offered rate, messages/s.
    pub offered_per_s: u64,
    /// What the generator managed to send, messages/s.
    pub sent_per_s: f64,
    /// Messages sent in this step that reached their agent, per second of step.
    pub delivered_per_s: f64,
    /// delivered / offered.
    pub delivered_ratio: f64,
    /// Shopper send → agent receive.
    pub latency: Latency,
    /// Server CPU time during the step (gateways, router, Redis), ms.
    pub server_cpu_ms: u64,
    /// Server CPU µs per delivered message.
    pub cpu_us_per_msg: f64,
    /// The generator's own CPU time during the step, ms.
    pub generator_cpu_ms: u64,
}

/// What a relay run found.
#[derive(Debug, Clone, Serialize)]
pub struct RelayResult {
    /// Pairs.
    pub pairs: usize,
    /// Per step.
    pub steps: Vec<Step>,
    /// Measured messages sent.
    pub sent: u64,
    /// Acknowledged by the server.
    pub acked: u64,
    /// Received by agents (each at most once counted).
    pub delivered: u64,
    /// Acknowledged but not delivered by the end of the drain.
    pub undelivered: u64,
    /// Whether everything sent was acknowledged and delivered before the drain ended; if
    /// not, `undelivered` counts a backlog cut off by the end of the run, not proven loss.
    pub drained: bool,
    /// Steps skipped because an earlier one left a backlog (over capacity).
    pub steps_skipped: usize,
    /// Delivered more than once.
    pub duplicates: u64,
    /// Delivered out of order (Qin: `seq` not increasing).
    pub reordered: u64,
    /// `error` frames received.
    pub errors: u64,
    /// Server CPU µs per delivered message over the whole run.
    pub cpu_us_per_msg: f64,
    /// Server CPU time over the whole run per process, ms.
    pub cpu_ms_by_process: std::collections::BTreeMap<String, u64>,
}

impl RelayResult {
    /// Nothing lost, duplicated or reordered, no errors.
    pub fn clean(&self) -> bool {
        self.drained
            && self.undelivered == 0
            && self.duplicates == 0
            && self.reordered == 0
            && self.errors == 0
    }
}

struct Shared {
    sent: Vec<AtomicU64>,
    acked: AtomicU64,
    errors: AtomicU64,
    delivered: AtomicU64,
    /// Set when a step left a backlog: senders skip the remaining steps.
    halt: std::sync::atomic::AtomicBool,
}

struct AgentOut {
    hists: Vec<Histogram<u64>>,
    delivered: Vec<u64>,
    unique: u64,
    duplicates: u64,
    reordered: u64,
}

/// Runs the relay scenario against `target`.
pub async fn run(target: &Target, spec: &RelaySpec, progress: bool) -> anyhow::Result<RelayResult> {
    let dialect = target.dialect;
    let pairs = setup(target, spec.pairs).await?;
    let steps = spec.rates.len();
    let shared = Arc::new(Shared {
        sent: (0..steps).map(|_| AtomicU64::new(0)).collect(),
        acked: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        halt: std::sync::atomic::AtomicBool::new(false),
    });
    let (stop_tx, stop) = watch::channel(false);
    let step_d = Duration::from_secs_f64(spec.step_s);
    let t0 = Instant::now() + Duration::from_millis(200);
    let mut senders = Vec::new();
    let mut agents = Vec::new();
    for (i, (shopper, agent, conv)) in pairs.into_iter().enumerate() {
        let plan = Plan {
            dialect,
            conv,
            rates: spec
                .rates
                .iter()
                .map(|&r| r as f64 / spec.pairs as f64)
                .collect(),
            phase: i as f64 / spec.pairs as f64,
            t0,
            step_d,
            body_bytes: spec.body_bytes,
        };
        senders.push(tokio::spawn(shopper_task(
            shopper,
            plan,
            shared.clone(),
            stop.clone(),
        )));
        agents.push(tokio::spawn(agent_task(
            agent,
            dialect,
            steps,
            shared.clone(),
            stop.clone(),
        )));
    }
    let pids = target.all_pids();
    let per_proc0: Vec<Duration> = target
        .procs
        .iter()
        .map(|p| procstat::cpu_time(p.pid))
        .collect();
    let mut cpu_marks = vec![(
        procstat::cpu_time_of(&pids),
        procstat::cpu_time(std::process::id()),
    )];
    tokio::time::sleep_until(t0).await;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_delivered = 0;
    let mut ran = steps;
    for step in 0..steps {
        let end = t0 + step_d * (step as u32 + 1);
        while Instant::now() < end {
            tokio::select! {
                _ = tick.tick() => {
                    if progress {
                        let d = shared.delivered.load(Relaxed);
                        eprint!(
                            "\r[relay] step {}/{steps} offered {:>7}/s delivered {:>7}/s errors {}   ",
                            step + 1, spec.rates[step], d - last_delivered, shared.errors.load(Relaxed)
                        );
                        last_delivered = d;
                    }
                }
                () = tokio::time::sleep_until(end) => {}
            }
        }
        cpu_marks.push((
            procstat::cpu_time_of(&pids),
            procstat::cpu_time(std::process::id()),
        ));
        // Over capacity: more than a tenth of a second's worth of messages still queued.
        let sent: u64 = shared.sent.iter().map(|s| s.load(Relaxed)).sum();
        let backlog = sent.saturating_sub(shared.delivered.load(Relaxed));
        if step + 1 < steps && backlog > spec.rates[step] / 10 + 100 {
            shared.halt.store(true, Relaxed);
            ran = step + 1;
            if progress {
                eprint!(
                    "\n[relay] {backlog} messages behind after this step: over capacity, skipping the rest"
                );
            }
            break;
        }
    }
    // Drain: wait for messages in flight.
    let drain_end = Instant::now() + Duration::from_secs_f64(spec.drain_s);
    while Instant::now() < drain_end {
        let sent: u64 = shared.sent.iter().map(|s| s.load(Relaxed)).sum();
        let errors = shared.errors.load(Relaxed);
        let delivered = shared.delivered.load(Relaxed) + errors;
        let acked = shared.acked.load(Relaxed) + errors;
        if delivered >= sent && acked >= sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if progress {
        eprintln!();
    }
    let _ = stop_tx.send(true);
    for s in senders {
        s.await.context("shopper task")?;
    }
    let mut outs = Vec::new();
    for a in agents {
        outs.push(a.await.context("agent task")?);
    }
    let sent: u64 = shared.sent.iter().map(|s| s.load(Relaxed)).sum();
    let drained = shared.delivered.load(Relaxed) >= sent && shared.acked.load(Relaxed) >= sent;
    let mut result = summarise(spec, ran, &shared, &outs, &cpu_marks);
    result.drained = drained;
    result.cpu_ms_by_process = target
        .procs
        .iter()
        .zip(per_proc0)
        .map(|(p, c0)| {
            (
                p.name.clone(),
                procstat::cpu_time(p.pid).saturating_sub(c0).as_millis() as u64,
            )
        })
        .collect();
    Ok(result)
}

fn summarise(
    spec: &RelaySpec,
    ran: usize,
    shared: &Shared,
    outs: &[AgentOut],
    cpu: &[(Duration, Duration)],
) -> RelayResult {
    let mut steps = Vec::new();
    let mut delivered_total = 0;
    for (k, &rate) in spec.rates.iter().enumerate().take(ran) {
        let mut h = stats::histogram();
        let mut delivered = 0;
        for o in outs {
            let _ = h.add(&o.hists[k]);
            delivered += o.delivered[k];
        }
        delivered_total += delivered;
        let server = cpu[k + 1].0.saturating_sub(cpu[k].0);
        let generator = cpu[k + 1].1.saturating_sub(cpu[k].1);
        let sent = shared.sent[k].load(Relaxed);
        steps.push(Step {
            offered_per_s: rate,
            sent_per_s: sent as f64 / spec.step_s,
            delivered_per_s: delivered as f64 / spec.step_s,
            delivered_ratio: delivered as f64 / (rate as f64 * spec.step_s),
            latency: Latency::of(&h),
            server_cpu_ms: server.as_millis() as u64,
            cpu_us_per_msg: per_msg(server, delivered),
            generator_cpu_ms: generator.as_millis() as u64,
        });
    }
    let sent = shared.sent.iter().map(|s| s.load(Relaxed)).sum();
    let acked = shared.acked.load(Relaxed);
    let unique: u64 = outs.iter().map(|o| o.unique).sum();
    let server_total = cpu[cpu.len() - 1].0.saturating_sub(cpu[0].0);
    RelayResult {
        pairs: spec.pairs,
        steps,
        sent,
        acked,
        delivered: unique,
        undelivered: acked.saturating_sub(unique),
        drained: false,
        steps_skipped: spec.rates.len() - ran,
        duplicates: outs.iter().map(|o| o.duplicates).sum(),
        reordered: outs.iter().map(|o| o.reordered).sum(),
        errors: shared.errors.load(Relaxed),
        cpu_us_per_msg: per_msg(server_total, delivered_total),
        cpu_ms_by_process: Default::default(),
    }
}

fn per_msg(cpu: Duration, msgs: u64) -> f64 {
    if msgs == 0 {
        return 0.0;
    }
    cpu.as_secs_f64() * 1e6 / msgs as f64
}
