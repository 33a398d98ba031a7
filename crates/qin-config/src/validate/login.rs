//! Checks of `[login]`.

use super::invalid;
use crate::{ConfigError, LoginConfig};

pub(super) fn check(l: &LoginConfig) -> Result<(), ConfigError> {
    if !(1..=1000).contains(&l.agent_failures) {
        return Err(invalid("login.agent_failures", "must be 1 to 1000"));
    }
    if !(1..=100_000).contains(&l.address_failures) {
        return Err(invalid("login.address_failures", "must be 1 to 100000"));
    }
    if !(1..=86_400).contains(&l.lock_s) {
        return Err(invalid("login.lock_s", "must be 1 to 86400 (a day)"));
    }
    if !(l.lock_s..=7 * 86_400).contains(&l.lock_max_s) {
        return Err(invalid(
            "login.lock_max_s",
            "must be at least lock_s and at most 604800 (a week)",
        ));
    }
    if !(1..=30 * 86_400).contains(&l.forget_after_s) {
        return Err(invalid(
            "login.forget_after_s",
            "must be 1 to 2592000 (30 days)",
        ));
    }
    if !(100..=10_000_000).contains(&l.max_tracked) {
        return Err(invalid("login.max_tracked", "must be 100 to 10000000"));
    }
    if !(1..=256).contains(&l.concurrent_checks) {
        return Err(invalid("login.concurrent_checks", "must be 1 to 256"));
    }
    if l.check_wait_ms > 60_000 {
        return Err(invalid("login.check_wait_ms", "must be 0 to 60000"));
    }
    Ok(())
}
