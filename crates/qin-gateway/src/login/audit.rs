//! The audit log of logins: `tracing` events with the target `qin::audit`, naming the shop,
//! the agent name tried, the client address and the outcome. Never the password.

use qin_proto::{AgentId, ShopId};
use std::net::IpAddr;
use std::time::Duration;

/// The target of every audit event (`QIN_LOG=qin::audit=info` shows just these).
pub(super) const TARGET: &str = "qin::audit";

/// A login with the right password.
pub(super) fn succeeded(shop: &ShopId, agent: &AgentId, addr: IpAddr) {
    tracing::info!(target: TARGET, outcome = "ok", %shop, %agent, %addr, "login");
}

/// A login refused: unknown shop or agent, disabled agent, or wrong password (one answer
/// for all, so the log says which only here).
pub(super) fn failed(shop: &ShopId, agent: &AgentId, addr: IpAddr, why: &str) {
    tracing::warn!(
        target: TARGET, outcome = "refused", why, %shop, %agent, %addr,
        "login refused"
    );
}

/// A failure that locked out the agent name (`what = "agent"`) or the address.
pub(super) fn locked_out(shop: &ShopId, agent: &AgentId, addr: IpAddr, what: &str, lock: Duration) {
    tracing::warn!(
        target: TARGET, outcome = "locked_out", locked = what, lock_s = lock.as_secs(),
        %shop, %agent, %addr, "login lockout"
    );
}

/// An attempt while locked out: answered 429 without a password check. Debug level, since
/// an attacker repeats it at will.
pub(super) fn still_locked(shop: &ShopId, agent: &AgentId, addr: IpAddr, what: &str) {
    tracing::debug!(
        target: TARGET, outcome = "locked", locked = what, %shop, %agent, %addr,
        "login refused while locked out"
    );
}

/// No password check free in time: answered 503.
pub(super) fn busy(shop: &ShopId, agent: &AgentId, addr: IpAddr) {
    tracing::info!(
        target: TARGET, outcome = "busy", %shop, %agent, %addr,
        "login refused: too many password checks at once"
    );
}
