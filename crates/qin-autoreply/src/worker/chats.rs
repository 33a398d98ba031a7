//! The open chats a worker remembers, with their holding timers. Plain data: the worker
//! drives it, the engine decides.

use crate::chat::Chat;
use qin_proto::{ConvId, Millis};
use std::collections::{BTreeSet, HashMap};

/// Chats by id, and when each next needs a look.
#[derive(Debug, Default)]
pub(crate) struct Chats {
    map: HashMap<ConvId, Entry>,
    timers: BTreeSet<(Millis, ConvId)>,
}

#[derive(Debug)]
struct Entry {
    chat: Chat,
    wake: Option<Millis>,
    /// Last event or timer, for forgetting idle chats.
    seen: Millis,
}

impl Chats {
    pub fn contains(&self, conv: &ConvId) -> bool {
        self.map.contains_key(conv)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn insert(&mut self, conv: ConvId, chat: Chat, now: Millis) {
        self.remove(&conv);
        self.map.insert(
            conv,
            Entry {
                chat,
                wake: None,
                seen: now,
            },
        );
    }

    /// The chat, marked as seen at `now`.
    pub fn get_mut(&mut self, conv: &ConvId, now: Millis) -> Option<&mut Chat> {
        self.map.get_mut(conv).map(|e| {
            e.seen = now;
            &mut e.chat
        })
    }

    pub fn get(&self, conv: &ConvId) -> Option<&Chat> {
        self.map.get(conv).map(|e| &e.chat)
    }

    pub fn remove(&mut self, conv: &ConvId) {
        if let Some(e) = self.map.remove(conv)
            && let Some(at) = e.wake
        {
            self.timers.remove(&(at, conv.clone()));
        }
    }

    /// Arms (or disarms, with `None`) the chat's timer.
    pub fn set_wake(&mut self, conv: &ConvId, wake: Option<Millis>) {
        let Some(e) = self.map.get_mut(conv) else {
            return;
        };
        if e.wake == wake {
            return;
        }
        if let Some(at) = e.wake.take() {
            self.timers.remove(&(at, conv.clone()));
        }
        if let Some(at) = wake {
            self.timers.insert((at, conv.clone()));
        }
        e.wake = wake;
    }

    /// The earliest armed timer.
    pub fn next_wake(&self) -> Option<Millis> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// Disarms and returns the chats whose timers are due at `now`, soonest first.
    pub fn due(&mut self, now: Millis) -> Vec<ConvId> {
        let mut out = Vec::new();
        while let Some((at, _)) = self.timers.first()
            && *at <= now
        {
            let Some((_, conv)) = self.timers.pop_first() else {
                break;
            };
            if let Some(e) = self.map.get_mut(&conv) {
                e.wake = None;
            }
            out.push(conv);
        }
        out
    }

    /// Forgets chats with no event or timer since `before` and no timer armed (a closed
    /// chat whose close was lost on the bus); a chat that speaks again is reloaded.
    pub fn forget_idle(&mut self, before: Millis) -> usize {
        let n = self.map.len();
        self.map.retain(|_, e| e.seen >= before || e.wake.is_some());
        n - self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qin_proto::GroupId;

    fn conv(s: &str) -> ConvId {
        ConvId::parse(s).unwrap()
    }

    #[test]
    fn timers_follow_their_chats() {
        let mut chats = Chats::default();
        let lady = GroupId::parse("lady").unwrap();
        for c in ["c1", "c2", "c3"] {
            chats.insert(conv(c), Chat::new(lady.clone()), 0);
        }
        chats.set_wake(&conv("c1"), Some(30));
        chats.set_wake(&conv("c2"), Some(10));
        chats.set_wake(&conv("c3"), Some(20));
        chats.set_wake(&conv("c3"), None);
        chats.set_wake(&conv("nosuch"), Some(1));
        assert_eq!(chats.next_wake(), Some(10));
        assert_eq!(chats.due(9), Vec::<ConvId>::new());
        assert_eq!(chats.due(30), vec![conv("c2"), conv("c1")]);
        assert_eq!(chats.next_wake(), None);
        chats.set_wake(&conv("c1"), Some(40));
        chats.remove(&conv("c1"));
        assert_eq!(
            chats.next_wake(),
            None,
            "a removed chat's timer goes with it"
        );
        chats.set_wake(&conv("c2"), Some(50));
        assert_eq!(chats.forget_idle(1), 1, "c3 idle and unarmed; c2 armed");
        assert!(chats.contains(&conv("c2")) && !chats.contains(&conv("c3")));
        assert_eq!(chats.len(), 1);
    }
}
