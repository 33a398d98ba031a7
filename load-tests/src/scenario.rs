//! Scenario files (`load-tests/scenarios/*.toml`): which scenario, and its knobs. Every
//! scenario is bounded in connections and time.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One scenario file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "scenario", rename_all = "lowercase")]
pub enum Scenario {
    /// Shopper → agent messages across gateways at stepping rates.
    Relay(RelaySpec),
    /// Many idle connections held; memory per connection.
    Idle(ConnectSpec),
    /// Many connections opened as fast as possible.
    Storm(ConnectSpec),
    /// A shop's peak: shoppers arriving on a curve, agents with caps replying.
    Double11(Double11Spec),
}

impl Scenario {
    /// Reads a scenario file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let scenario: Self =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        scenario.check()?;
        Ok(scenario)
    }

    /// The scenario's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Relay(_) => "relay",
            Self::Idle(_) => "idle",
            Self::Storm(_) => "storm",
            Self::Double11(_) => "double11",
        }
    }

    fn check(&self) -> anyhow::Result<()> {
        let ok = match self {
            Self::Relay(r) => {
                (1..=5_000).contains(&r.pairs)
                    && !r.rates.is_empty()
                    && r.rates.iter().all(|&x| (1..=1_000_000).contains(&x))
                    && (0.5..=600.0).contains(&r.step_s)
                    && (24..=4000).contains(&r.body_bytes)
            }
            Self::Idle(c) | Self::Storm(c) => {
                (1..=200_000).contains(&c.connections)
                    && c.hold_s <= 3600.0
                    && (1..=10_000).contains(&c.concurrency)
            }
            Self::Double11(d) => {
                (1..=100_000).contains(&d.shoppers)
                    && (1.0..=3600.0).contains(&d.duration_s)
                    && d.agents >= 1
                    && (0.0..=1.0).contains(&d.fan_share)
            }
        };
        anyhow::ensure!(ok, "scenario {} has values out of bounds", self.name());
        Ok(())
    }
}

/// `relay`: N pairs, offered rates stepped through.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySpec {
    /// Shopper/agent pairs (one agent per pair, each its own conversation).
    pub pairs: usize,
    /// Offered shopper → agent rates, messages per second in total, one step each.
    pub rates: Vec<u64>,
    /// Seconds per step.
    pub step_s: f64,
    /// Body length in bytes.
    #[serde(default = "default_body")]
    pub body_bytes: usize,
    /// Seconds to wait after the last step for messages still in flight.
    #[serde(default = "default_drain")]
    pub drain_s: f64,
}

/// `idle` and `storm`: connections opened, optionally held.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectSpec {
    /// Sockets to open in total.
    pub connections: usize,
    /// Handshakes in flight at once (per worker process).
    pub concurrency: usize,
    /// Seconds to hold them once all are open (0 for a storm).
    #[serde(default)]
    pub hold_s: f64,
    /// Connections per worker process (each process may hold at most 20,000 files).
    #[serde(default = "default_per_worker")]
    pub per_worker: usize,
}

/// `double11`: the shop's peak.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Double11Spec {
    /// Shoppers arriving over the run.
    pub shoppers: usize,
    /// Seconds over which they arrive.
    pub duration_s: f64,
    /// Arrival curve: relative arrival rate at evenly spaced points over the run
    /// (e.g. a midnight spike: `[1, 2, 10, 6, 3, 2, 1]`).
    pub curve: Vec<f64>,
    /// Agents online (the first N of the generated config's agents).
    pub agents: usize,
    /// Share of shoppers who are fans and ask for a specific agent.
    #[serde(default)]
    pub fan_share: f64,
    /// Messages a shopper sends (each after the previous one was answered by a human).
    #[serde(default = "default_msgs")]
    pub messages_per_shopper: usize,
    /// Agent think time before each reply, ms.
    #[serde(default = "default_think")]
    pub think_ms: u64,
    /// A shopper without a human reply for this long gives up (closes the chat).
    #[serde(default = "default_patience")]
    pub patience_s: f64,
    /// Seconds after the last arrival before the run stops.
    #[serde(default = "default_drain")]
    pub drain_s: f64,
}

fn default_body() -> usize {
    64
}
fn default_drain() -> f64 {
    5.0
}
fn default_per_worker() -> usize {
    15_000
}
fn default_msgs() -> usize {
    3
}
fn default_think() -> u64 {
    1500
}
fn default_patience() -> f64 {
    60.0
}
