//! Bus payloads written before their message is stored: the message's `seq` is left as a
//! mark, filled in by whoever publishes them once the store has given the seq (the Redis store
//! does it inside its append script, see `qin_store::Announcement`).

use crate::{Audience, Delivery, Message, ServerFrame};
use serde::Serialize;

/// Stands for the stored message's `seq` in an unsequenced payload. A control character, so it
/// never occurs in JSON text (which escapes them inside strings) and marks nothing else.
pub const SEQ_MARK: u8 = 0x01;

/// The seq values are encoded with before it is replaced by the mark.
const UNKNOWN: u64 = u64::MAX;
/// A `seq` field holding [`UNKNOWN`] in compact JSON. An unescaped `"` never occurs inside a
/// JSON string, so this text is always a field of an object, never part of a value.
const UNKNOWN_FIELD: &str = "\"seq\":18446744073709551615";
const MARKED_FIELD: &str = "\"seq\":\u{1}";

/// `value(seq)` as JSON with every `seq` field holding the seq given to `value` left as
/// [`SEQ_MARK`] (e.g. a `ShopEvent::ShopperMessage`).
pub fn json<T: Serialize>(value: impl FnOnce(u64) -> T) -> Vec<u8> {
    let json = serde_json::to_string(&value(UNKNOWN)).unwrap_or_default();
    mark(&json)
}

/// The delivery of `message` to all its parties (the `message` frame every party receives),
/// its seq left as [`SEQ_MARK`]; `message.seq` is ignored.
pub fn message_delivery(message: Message) -> Vec<u8> {
    let frame = ServerFrame::Message(Message {
        seq: UNKNOWN,
        ..message
    });
    let json = mark(&frame.to_json());
    let mut out = Delivery::encode(Audience::All, None, "");
    out.push(SEQ_MARK);
    out.extend_from_slice(&json);
    out
}

/// `payload` with `seq` in place of every [`SEQ_MARK`].
pub fn fill(payload: &[u8], seq: u64) -> Vec<u8> {
    let seq = seq.to_string();
    let mut out = Vec::with_capacity(payload.len() + 2 * seq.len());
    for (i, part) in payload.split(|b| *b == SEQ_MARK).enumerate() {
        if i > 0 {
            out.extend_from_slice(seq.as_bytes());
        }
        out.extend_from_slice(part);
    }
    out
}

fn mark(json: &str) -> Vec<u8> {
    debug_assert!(json.contains(UNKNOWN_FIELD), "no seq to mark in {json}");
    json.replace(UNKNOWN_FIELD, MARKED_FIELD).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConvId, MessageKind, Party, Role, ShopEvent};

    fn message(seq: u64, body: &str) -> Message {
        Message {
            conv: ConvId::parse("c1").unwrap(),
            seq,
            cid: "k-1".into(),
            from: Party {
                role: Role::Shopper,
                id: "v1".into(),
                name: "\"seq\":18446744073709551615".into(),
            },
            kind: MessageKind::Text,
            body: body.into(),
            ts: 1_795_942_973_000,
        }
    }

    #[test]
    fn a_filled_message_delivery_is_the_delivery_of_the_stored_message() {
        // Bodies that spell the placeholder's digits, or its field, are left alone.
        for body in [
            "hi",
            "18446744073709551615",
            "\"seq\":18446744073709551615 \u{1}",
        ] {
            let unsequenced = message_delivery(message(0, body));
            let stored = Delivery::frame(Audience::All, &ServerFrame::Message(message(42, body)));
            assert_eq!(fill(&unsequenced, 42), stored, "body {body:?}");
            assert_eq!(unsequenced.iter().filter(|b| **b == SEQ_MARK).count(), 2);
        }
    }

    #[test]
    fn a_filled_event_is_the_event_with_its_seq() {
        let event = |seq| ShopEvent::ShopperMessage {
            conv: ConvId::parse("c1").unwrap(),
            seq,
            kind: MessageKind::Text,
            body: "\"seq\":18446744073709551615".into(),
        };
        let filled = fill(&json(event), 7);
        assert_eq!(filled, serde_json::to_vec(&event(7)).unwrap());
    }
}
