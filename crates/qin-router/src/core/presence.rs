//! Whether a chat's shopper is still there: gateways say when her last socket on them ends
//! and when she is back, and a waiting chat whose shopper has been gone past
//! `abandon_after_s` leaves its queue as abandoned, so queues count people who are waiting.

use super::decision::Decision;
use super::state::{Place, RouterState};
use qin_proto::ConvId;

impl RouterState {
    /// One gateway lost the chat's shopper; with none left she is away from now.
    pub(super) fn shopper_away(&mut self, conv: &ConvId) {
        let now = self.now;
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        c.present = c.present.saturating_sub(1);
        if c.present == 0 && c.away_since.is_none() {
            c.away_since = Some(now);
            self.away.insert((now, c.key), conv.clone());
        }
    }

    /// One gateway has the chat's shopper again: she is not away.
    pub(super) fn shopper_back(&mut self, conv: &ConvId) {
        let Some(c) = self.convs.get_mut(conv) else {
            return;
        };
        c.present += 1;
        if let Some(since) = c.away_since.take() {
            self.away.remove(&(since, c.key));
        }
    }

    /// Drops a closing chat from the away index.
    pub(super) fn forget_away(&mut self, conv: &ConvId) {
        if let Some(c) = self.convs.get(conv)
            && let Some(since) = c.away_since
        {
            self.away.remove(&(since, c.key));
        }
    }

    /// Waiting chats whose shopper has been gone past `abandon_after_s` leave their queue.
    /// Chats an agent holds stay: the agent closes them (and the shopper may read the
    /// answer later).
    pub(super) fn abandon_waiting(&mut self, out: &mut Vec<Decision>) {
        let Some(after) = self.settings.abandon_after_ms else {
            return;
        };
        let due: Vec<(i64, ConvId)> = self
            .away
            .range(..=(self.now - after, (i64::MAX, u64::MAX)))
            .map(|(&(since, _), conv)| (since, conv.clone()))
            .collect();
        for (since, conv) in due {
            let Some(c) = self.convs.get(&conv) else {
                continue;
            };
            let (group, awaited) = match c.place {
                Place::Assigned(_) => continue,
                Place::Group => (c.group, None),
                Place::Agent(a) => (c.group, Some(a)),
            };
            self.forget_away(&conv);
            self.unhold(&conv);
            self.convs.remove(&conv);
            out.push(Decision::Abandoned {
                conv,
                group: self.groups[group].id.clone(),
                agent: awaited.map(|a| self.agents[a].id.clone()),
                away_s: u32::try_from((self.now - since) / 1000).unwrap_or(u32::MAX),
            });
        }
    }
}
