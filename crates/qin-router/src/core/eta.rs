//! Waiting-time estimates for queued chats and persona groups.
//!
//! The model: when every slot of a group's online agents is taken, slots free up at about
//! `capacity / avg_chat_s` per second (`capacity` = the sum of `max_chats` of the group's
//! online agents). The chat at queue position `p` waits for `p` slots to free, so
//! `eta(p) = ceil(p * avg_chat_s / capacity)`. A new chat would sit at `waiting + 1`.

/// Seconds until the chat at 1-based queue `position` is likely taken; `None` when the group
/// has no online capacity at all (nobody online: no honest estimate exists).
pub fn queue_eta_s(position: u32, avg_chat_s: u32, capacity: u32) -> Option<u32> {
    if capacity == 0 {
        return None;
    }
    let secs = (u64::from(position) * u64::from(avg_chat_s)).div_ceil(u64::from(capacity));
    Some(u32::try_from(secs).unwrap_or(u32::MAX))
}

/// A persona group's `eta_s` as the widget shows it: 0 when an online agent has spare
/// capacity, else the estimate for a chat joining the queue now ([`queue_eta_s`] at
/// `waiting + 1`). With nobody online it is also 0: widgets must read `online == 0` as
/// "nobody here" (the auto-reply service sends the away message then), not as "immediately".
pub fn group_eta_s(spare: bool, waiting: u32, avg_chat_s: u32, capacity: u32) -> u32 {
    if spare {
        return 0;
    }
    queue_eta_s(waiting.saturating_add(1), avg_chat_s, capacity).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_follows_the_documented_formula() {
        assert_eq!(queue_eta_s(1, 120, 10), Some(12));
        assert_eq!(queue_eta_s(3, 100, 7), Some(43)); // ceil(300 / 7)
        assert_eq!(queue_eta_s(1, 120, 0), None);
        assert_eq!(queue_eta_s(u32::MAX, u32::MAX, 1), Some(u32::MAX));
        assert_eq!(group_eta_s(true, 5, 120, 10), 0);
        assert_eq!(group_eta_s(false, 0, 120, 10), 12);
        assert_eq!(group_eta_s(false, 4, 120, 10), 60);
        assert_eq!(group_eta_s(false, 4, 120, 0), 0);
    }
}
