//! Who has sockets on this gateway: a count per person (an agent's consoles, a shopper's
//! widgets), so their first socket and their last one can be told apart.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Sockets per person on this gateway.
#[derive(Debug)]
pub(crate) struct Presence<K> {
    sockets: Mutex<HashMap<K, usize>>,
}

impl<K> Default for Presence<K> {
    fn default() -> Self {
        Self {
            sockets: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash> Presence<K> {
    /// Counts a socket of `who`; returns how many they now have here.
    pub fn connected(&self, who: K) -> usize {
        let mut sockets = self
            .sockets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = sockets.entry(who).or_default();
        *n += 1;
        *n
    }

    /// Uncounts a socket of `who`; returns how many remain here.
    pub fn disconnected(&self, who: &K) -> usize {
        let mut sockets = self
            .sockets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let left = match sockets.get_mut(who) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n
            }
            None => 0,
        };
        if left == 0 {
            sockets.remove(who);
        }
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_and_the_last_socket_are_told_apart() {
        let p = Presence::default();
        assert_eq!(p.connected("anhong"), 1);
        assert_eq!(p.connected("anhong"), 2);
        assert_eq!(p.connected("xiaoya"), 1);
        assert_eq!(p.disconnected(&"anhong"), 1);
        assert_eq!(p.disconnected(&"anhong"), 0);
        assert_eq!(p.disconnected(&"anhong"), 0, "never below zero");
        assert_eq!(p.connected("anhong"), 1);
    }
}
