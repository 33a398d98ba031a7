//! How a message is made and kept, in one place for every backend: a [`NewMessage`] becomes a
//! [`Message`] once the store gives it its `seq`, and is stored as JSON of
//! `{cid, from, kind, body, ts}` — the message without `conv` and `seq`, which the key already
//! holds (a redb key, or a Redis stream entry ID). Also the JSON helpers for other values.

use crate::{NewMessage, Result, StoreError};
use qin_proto::{ConvId, Message, MessageKind, Millis, Party};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

impl NewMessage {
    /// The message as stored under `seq` in the log of `conv`.
    pub(crate) fn into_message(self, conv: &ConvId, seq: u64) -> Message {
        Message {
            conv: conv.clone(),
            seq,
            cid: self.cid,
            from: self.from,
            kind: self.kind,
            body: self.body,
            ts: self.ts,
        }
    }
}

/// A stored message: the message without `conv` and `seq` (one source of truth, and the
/// Redis append script never has to edit JSON).
#[derive(Serialize, Deserialize)]
struct StoredMessage<'a> {
    cid: Cow<'a, str>,
    from: Cow<'a, Party>,
    kind: MessageKind,
    body: Cow<'a, str>,
    ts: Millis,
}

/// The stored form of a message about to be appended.
pub(crate) fn encode_message(msg: &NewMessage) -> Result<String> {
    let stored = StoredMessage {
        cid: Cow::Borrowed(&msg.cid),
        from: Cow::Borrowed(&msg.from),
        kind: msg.kind,
        body: Cow::Borrowed(&msg.body),
        ts: msg.ts,
    };
    serde_json::to_string(&stored)
        .map_err(|e| StoreError::Corrupt(format!("encoding message: {e}")))
}

/// A message back from its stored form and its place in the log.
pub(crate) fn decode_message(conv: &ConvId, seq: u64, json: &[u8]) -> Result<Message> {
    let stored: StoredMessage<'_> = serde_json::from_slice(json)
        .map_err(|e| StoreError::Corrupt(format!("message {conv}/{seq}: {e}")))?;
    Ok(Message {
        conv: conv.clone(),
        seq,
        cid: stored.cid.into_owned(),
        from: stored.from.into_owned(),
        kind: stored.kind,
        body: stored.body.into_owned(),
        ts: stored.ts,
    })
}

/// Any stored JSON value back, or `Corrupt` naming what it was.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(what: &str, json: &[u8]) -> Result<T> {
    serde_json::from_slice(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Any value as JSON text.
pub(crate) fn encode_json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encoding {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qin_proto::Role;

    #[test]
    fn message_round_trips_through_its_stored_form() {
        let conv = ConvId::parse("c1").expect("valid id");
        let from = Party {
            role: Role::Agent,
            id: "anhong".into(),
            name: "安红".into(),
        };
        let msg = NewMessage {
            cid: "x1".into(),
            from: from.clone(),
            kind: MessageKind::Image,
            body: "https://e.x/a.png".into(),
            ts: -5,
        };
        let json = encode_message(&msg).expect("encodes");
        let message = decode_message(&conv, 7, json.as_bytes()).expect("decodes");
        assert_eq!(
            message,
            Message {
                conv: conv.clone(),
                seq: 7,
                cid: "x1".into(),
                from,
                kind: MessageKind::Image,
                body: "https://e.x/a.png".into(),
                ts: -5,
            }
        );
        assert_eq!(msg.into_message(&conv, 7), message);
    }
}
