//! `double11`: a shop's peak. Shoppers arrive on a curve (a midnight spike), pick a persona
//! group — some ask for their favourite agent — and ask a few questions, each after the
//! previous one got a human answer; agents with chat caps answer after a think time; a
//! shopper without an answer for `patience_s` gives up. Reports time to assignment, to the
//! first bot and the first human reply, queue waits, abandonment, messages/s, errors, and
//! checks every shopper saw its conversation's `seq`s without gaps or duplicates.

use crate::client::{self, Side};
use crate::scenario::Double11Spec;
use crate::stats::{self, Latency};
use crate::target::{Dialect, Target};
use crate::{procstat, qinconf};
use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

mod people;

use people::{ShopperPlan, agent, shopper};

/// Shoppers connected at once, at most (a process may hold 20,000 files).
const MAX_CONCURRENT: usize = 15_000;

/// One second of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// Seconds since the first arrival.
    pub t_s: f64,
    /// Shoppers who arrived in this second.
    pub arrivals_per_s: u64,
    /// Chats waiting in a queue now.
    pub queued: i64,
    /// Chats with an agent now.
    pub assigned: i64,
    /// Messages shoppers received in this second.
    pub messages_per_s: u64,
}

/// What a double11 run found.
#[derive(Debug, Clone, Serialize)]
pub struct Double11Result {
    /// Shoppers who arrived.
    pub shoppers: u64,
    /// Shoppers whose questions were all answered.
    pub completed: u64,
    /// Shoppers who gave up waiting.
    pub abandoned: u64,
    /// Shoppers who could not connect or open a chat, or whose socket broke.
    pub failed: u64,
    /// First failure, if any.
    pub first_failure: Option<String>,
    /// `error` frames received.
    pub errors: u64,
    /// The same by `code` (`unavailable` under overload, `conflict` for a send into a chat
    /// closed meanwhile, …), so a run tells overload from misuse.
    pub errors_by_code: std::collections::BTreeMap<String, u64>,
    /// Chats the router queued.
    pub queued_chats: u64,
    /// Open → `assigned`.
    pub time_to_assignment: Latency,
    /// Queued → assigned, for queued chats.
    pub queue_wait: Latency,
    /// Open → first bot message (greeting or away message).
    pub time_to_first_bot_reply: Latency,
    /// Open → first agent message.
    pub time_to_first_human_reply: Latency,
    /// Shopper question → agent answer (includes the think time).
    pub human_reply: Latency,
    /// Messages received by shoppers (all roles), per second of the run.
    pub messages_per_s: f64,
    /// Messages shoppers sent.
    pub shopper_messages: u64,
    /// Agent replies sent.
    pub agent_replies: u64,
    /// `seq`s missing in what shoppers saw live.
    pub lost: u64,
    /// `seq`s seen twice.
    pub duplicates: u64,
    /// Server CPU µs per message received by a shopper.
    pub cpu_us_per_msg: f64,
    /// Server CPU time over the run per process, ms.
    pub cpu_ms_by_process: std::collections::BTreeMap<String, u64>,
    /// Agent sockets the server closed (or that broke) during the run.
    pub agents_disconnected: u64,
    /// Per second.
    pub timeline: Vec<Point>,
}

#[derive(Default)]
struct Counters {
    arrivals: AtomicU64,
    completed: AtomicU64,
    abandoned: AtomicU64,
    failed: AtomicU64,
    errors: AtomicU64,
    queued_chats: AtomicU64,
    queued_now: AtomicI64,
    assigned_now: AtomicI64,
    messages: AtomicU64,
    sent: AtomicU64,
    replies: AtomicU64,
    agents_gone: AtomicU64,
    lost: AtomicU64,
    duplicates: AtomicU64,
}

struct Hists {
    assignment: Histogram<u64>,
    queue: Histogram<u64>,
    bot: Histogram<u64>,
    human: Histogram<u64>,
    reply: Histogram<u64>,
}

struct Shared {
    c: Counters,
    h: Mutex<Hists>,
    first_failure: Mutex<Option<String>>,
    error_codes: Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Shared {
    fn record(&self, pick: impl FnOnce(&mut Hists) -> &mut Histogram<u64>, d: Duration) {
        if let Ok(mut h) = self.h.lock() {
            stats::record(pick(&mut h), d.as_micros() as u64);
        }
    }

    /// Counts an `error` frame with its `code`.
    fn error(&self, code: Option<&str>) {
        self.c.errors.fetch_add(1, Relaxed);
        if let Ok(mut codes) = self.error_codes.lock() {
            *codes.entry(code.unwrap_or("-").to_owned()).or_default() += 1;
        }
    }

    fn fail(&self, e: &anyhow::Error) {
        self.c.failed.fetch_add(1, Relaxed);
        if let Ok(mut f) = self.first_failure.lock() {
            f.get_or_insert_with(|| format!("{e:#}"));
        }
    }
}

/// Arrival offsets: the curve's segments share the run equally; each gets shoppers in
/// proportion to its weight, spread evenly within it.
pub fn arrivals(spec: &Double11Spec) -> Vec<Duration> {
    let total: f64 = spec.curve.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let seg = spec.duration_s / spec.curve.len().max(1) as f64;
    let mut out = Vec::with_capacity(spec.shoppers);
    let mut cum = 0.0;
    for (i, w) in spec.curve.iter().enumerate() {
        // Round the running total, not each segment, so the counts add up exactly.
        let before = (cum / total * spec.shoppers as f64).round() as usize;
        cum += w;
        let n = (cum / total * spec.shoppers as f64).round() as usize - before;
        for k in 0..n {
            out.push(Duration::from_secs_f64(
                seg * (i as f64 + k as f64 / n as f64),
            ));
        }
    }
    out.truncate(spec.shoppers);
    out
}

/// Runs the scenario (Qin only: socket.io has no routing to compare).
pub async fn run(
    target: &Target,
    spec: &Double11Spec,
    progress: bool,
) -> anyhow::Result<Double11Result> {
    anyhow::ensure!(
        target.dialect == Dialect::Qin,
        "double11 runs against Qin only"
    );
    let shared = Arc::new(Shared {
        c: Counters::default(),
        h: Mutex::new(Hists {
            assignment: stats::histogram(),
            queue: stats::histogram(),
            bot: stats::histogram(),
            human: stats::histogram(),
            reply: stats::histogram(),
        }),
        first_failure: Mutex::new(None),
        error_codes: Mutex::default(),
    });
    let (stop_tx, stop) = watch::channel(false);
    let agents: Vec<_> = futures_util::stream::iter(0..spec.agents)
        .map(|i| {
            let addr = target.gateways[i % target.gateways.len()];
            async move { client::online_agent(target, addr, &qinconf::agent_id(i)).await }
        })
        .buffered(16)
        .collect()
        .await;
    let mut agent_tasks = Vec::new();
    for ws in agents {
        let ws = ws.context("an agent could not go online")?;
        agent_tasks.push(tokio::spawn(agent(
            ws,
            spec.think_ms,
            shared.clone(),
            stop.clone(),
        )));
    }
    eprintln!("[double11] {} agents online", spec.agents);
    let pids = target.all_pids();
    let cpu0 = procstat::cpu_time_of(&pids);
    let per_proc0: Vec<Duration> = target
        .procs
        .iter()
        .map(|p| procstat::cpu_time(p.pid))
        .collect();
    let t0 = Instant::now();
    let limit = Arc::new(Semaphore::new(MAX_CONCURRENT));
    let mut shoppers = Vec::new();
    let mut timeline = Vec::new();
    let mut next_tick = t0 + Duration::from_secs(1);
    let (mut last_arrivals, mut last_msgs) = (0, 0);
    let mut sample = |timeline: &mut Vec<Point>, at: Instant| {
        let c = &shared.c;
        let (a, m) = (c.arrivals.load(Relaxed), c.messages.load(Relaxed));
        let p = Point {
            t_s: (at - t0).as_secs_f64(),
            arrivals_per_s: a - last_arrivals,
            queued: c.queued_now.load(Relaxed),
            assigned: c.assigned_now.load(Relaxed),
            messages_per_s: m - last_msgs,
        };
        (last_arrivals, last_msgs) = (a, m);
        if progress {
            eprint!(
                "\r[double11] t={:>4.0}s arrived {a:>6} queued {:>5} in chat {:>5} msgs/s {:>6} done {} gave up {} failed {}   ",
                p.t_s,
                p.queued,
                p.assigned,
                p.messages_per_s,
                c.completed.load(Relaxed),
                c.abandoned.load(Relaxed),
                c.failed.load(Relaxed)
            );
        }
        timeline.push(p);
    };
    for (i, at) in arrivals(spec).into_iter().enumerate() {
        let at = t0 + at;
        while next_tick <= at {
            tokio::time::sleep_until(next_tick).await;
            sample(&mut timeline, next_tick);
            next_tick += Duration::from_secs(1);
        }
        tokio::time::sleep_until(at).await;
        let permit = limit.clone().acquire_owned().await?;
        let plan = ShopperPlan::new(i, spec, target);
        let shared = shared.clone();
        shoppers.push(tokio::spawn(async move {
            shared.c.arrivals.fetch_add(1, Relaxed);
            if let Err(e) = shopper(plan, &shared).await {
                shared.fail(&e);
            }
            drop(permit);
        }));
    }
    let end = Instant::now() + Duration::from_secs_f64(spec.drain_s + spec.patience_s);
    while Instant::now() < end && shoppers.iter().any(|s| !s.is_finished()) {
        tokio::time::sleep_until(next_tick).await;
        sample(&mut timeline, next_tick);
        next_tick += Duration::from_secs(1);
    }
    if progress {
        eprintln!();
    }
    for s in &shoppers {
        s.abort();
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = procstat::cpu_time_of(&pids).saturating_sub(cpu0);
    let _ = stop_tx.send(true);
    for a in agent_tasks {
        let _ = a.await;
    }
    let c = &shared.c;
    let h = shared
        .h
        .lock()
        .map_err(|_| anyhow::anyhow!("histograms poisoned"))?;
    let messages = c.messages.load(Relaxed);
    Ok(Double11Result {
        shoppers: c.arrivals.load(Relaxed),
        completed: c.completed.load(Relaxed),
        abandoned: c.abandoned.load(Relaxed),
        failed: c.failed.load(Relaxed),
        first_failure: shared.first_failure.lock().ok().and_then(|f| f.clone()),
        errors: c.errors.load(Relaxed),
        errors_by_code: shared
            .error_codes
            .lock()
            .map(|codes| codes.clone())
            .unwrap_or_default(),
        queued_chats: c.queued_chats.load(Relaxed),
        time_to_assignment: Latency::of(&h.assignment),
        queue_wait: Latency::of(&h.queue),
        time_to_first_bot_reply: Latency::of(&h.bot),
        time_to_first_human_reply: Latency::of(&h.human),
        human_reply: Latency::of(&h.reply),
        messages_per_s: messages as f64 / elapsed,
        shopper_messages: c.sent.load(Relaxed),
        agent_replies: c.replies.load(Relaxed),
        lost: c.lost.load(Relaxed),
        duplicates: c.duplicates.load(Relaxed),
        cpu_us_per_msg: cpu.as_secs_f64() * 1e6 / messages.max(1) as f64,
        cpu_ms_by_process: target
            .procs
            .iter()
            .zip(per_proc0)
            .map(|(p, c0)| {
                (
                    p.name.clone(),
                    procstat::cpu_time(p.pid).saturating_sub(c0).as_millis() as u64,
                )
            })
            .collect(),
        agents_disconnected: c.agents_gone.load(Relaxed),
        timeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_follow_the_curve_and_add_up() {
        let spec = Double11Spec {
            shoppers: 3000,
            duration_s: 60.0,
            curve: vec![1.0, 2.0, 4.0, 10.0, 8.0, 5.0, 3.0, 2.0, 1.0, 1.0],
            agents: 10,
            fan_share: 0.2,
            messages_per_shopper: 3,
            think_ms: 1500,
            patience_s: 45.0,
            drain_s: 5.0,
        };
        let at = arrivals(&spec);
        assert_eq!(at.len(), 3000);
        assert!(at.windows(2).all(|w| w[0] <= w[1]));
        let spike = at
            .iter()
            .filter(|t| (18.0..24.0).contains(&t.as_secs_f64()))
            .count();
        assert!((800..=820).contains(&spike), "{spike}");
    }
}
