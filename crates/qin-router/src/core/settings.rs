//! The thresholds in force: the shop's routing config, overridden by the active peak-day
//! profile (switched by a supervisor or by date).

use qin_config::{ProfileConfig, ShiftEnd, ShopConfig};
use qin_proto::Millis;

/// Thresholds in ms; `None` turns a step off.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Settings {
    pub recent_ms: Millis,
    pub idle_after_ms: Option<Millis>,
    /// What an idle chat counts, in thousandths.
    pub idle_weight_milli: u32,
    pub slow_reply_ms: Option<Millis>,
    pub transfer_after_ms: Option<Millis>,
    pub offline_grace_ms: Millis,
    pub hand_over: bool,
    /// Replaces every group's `max_wait_s`.
    pub max_wait_ms: Option<Millis>,
    /// Replaces every agent's `max_chats`.
    pub max_chats: Option<u32>,
    /// A waiting chat whose shopper is gone this long is abandoned.
    pub abandon_after_ms: Option<Millis>,
}

fn ms(s: u32) -> Millis {
    Millis::from(s) * 1000
}

fn step(s: u32) -> Option<Millis> {
    (s > 0).then(|| ms(s))
}

impl Settings {
    /// The shop's settings with `profile` on top.
    pub fn new(shop: &ShopConfig, profile: Option<&ProfileConfig>) -> Self {
        let r = &shop.routing;
        let weight = (r.idle_weight.clamp(0.0, 1.0) * 1000.0).round();
        let mut s = Self {
            recent_ms: Millis::from(r.recent_days) * 86_400_000,
            idle_after_ms: step(r.idle_after_s),
            // In 0..=1000 after the clamp: the cast cannot truncate.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            idle_weight_milli: weight as u32,
            slow_reply_ms: step(r.slow_reply_s),
            transfer_after_ms: step(r.transfer_after_s),
            offline_grace_ms: ms(r.offline_grace_s),
            hand_over: r.shift_end == ShiftEnd::HandOver,
            max_wait_ms: None,
            max_chats: None,
            abandon_after_ms: step(r.abandon_after_s),
        };
        if let Some(p) = profile {
            if let Some(v) = p.slow_reply_s {
                s.slow_reply_ms = step(v);
            }
            if let Some(v) = p.transfer_after_s {
                s.transfer_after_ms = step(v);
            }
            s.max_wait_ms = p.max_wait_s.map(ms);
            s.max_chats = p.max_chats;
        }
        s
    }
}
