//! Lists kept up to a limit (a chat's notes, notes about a customer): the item past the limit
//! is refused and nothing kept is dropped.

/// Pushes `item` unless `list` holds `max` already; whether it was kept.
pub(crate) fn push_unless_full<T>(list: &mut Vec<T>, item: T, max: usize) -> bool {
    let room = list.len() < max;
    if room {
        list.push(item);
    }
    room
}
