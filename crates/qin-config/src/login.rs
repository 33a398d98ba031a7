//! `[login]`: how the gateway throttles agents' password logins and bounds password checks.

use serde::Deserialize;

/// Login throttling and the bound on concurrent password checks. Counted per gateway
/// process: with N gateways behind a balancer an attacker gets up to N times the budget.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// Failed logins one agent (shop and agent name, known or not) may have before she is
    /// locked out.
    pub agent_failures: u32,
    /// Failed logins from one client address (IPv6: its /64) before it is locked out, over
    /// any agent names.
    pub address_failures: u32,
    /// The first lockout, in seconds; each further failure after a lockout doubles it.
    pub lock_s: u64,
    /// The longest lockout, in seconds.
    pub lock_max_s: u64,
    /// Failures are forgotten after this many seconds without one (counted from the end of
    /// the last lockout).
    pub forget_after_s: u64,
    /// Agents and addresses remembered at most (each); beyond that the quietest are
    /// forgotten first, locked ones last.
    pub max_tracked: usize,
    /// Password checks (Argon2, ~19 MiB of memory each) running at once.
    pub concurrent_checks: usize,
    /// How long a login waits for a free password check before it is answered 503, in ms.
    pub check_wait_ms: u64,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            agent_failures: 5,
            address_failures: 20,
            lock_s: 30,
            lock_max_s: 900,
            forget_after_s: 3600,
            max_tracked: 10_000,
            concurrent_checks: 2,
            check_wait_ms: 2000,
        }
    }
}
