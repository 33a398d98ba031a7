//! Keyword / FAQ answers: the matching rule of highest priority that has not answered in
//! this chat yet (or repeats), one answer per shopper text.

use super::{Input, Reply, Rule};
use qin_proto::{MessageKind, ShopEvent};

pub(super) fn keyword(i: &Input<'_>) -> Option<Reply> {
    let ShopEvent::ShopperMessage {
        seq,
        kind: MessageKind::Text,
        body,
        ..
    } = i.event
    else {
        return None;
    };
    if i.engine.keywords.is_empty() || i.quiet() {
        return None;
    }
    let text = body.to_lowercase();
    i.engine
        .keywords
        .iter()
        .filter(|k| k.matches(&i.chat.group, &text))
        .map(|k| {
            // Once per chat by default; a repeating rule answers each message once.
            let cid = if k.repeat {
                format!("auto:kw:{}:{seq}", k.id)
            } else {
                format!("auto:kw:{}", k.id)
            };
            (k, cid)
        })
        .find(|(_, cid)| !i.chat.fired.contains(cid))
        .map(|(k, cid)| i.reply(cid, k.reply.clone(), Rule::Keyword(k.index)))
}
