//! How values are encoded in Redis, and how Redis failures become [`StoreError`]s.

use crate::{Result, StoreError};
use qin_proto::{ConvId, Message, MessageKind, Millis, Party};
use redis::{ErrorKind, RedisError};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A log entry's `m` field: the message without `conv` and `seq`, which the key and the
/// entry ID already hold (one source of truth, and the script never has to edit JSON).
#[derive(Serialize, Deserialize)]
struct StoredMessage<'a> {
    cid: Cow<'a, str>,
    from: Cow<'a, Party>,
    kind: MessageKind,
    body: Cow<'a, str>,
    ts: Millis,
}

/// The `m` field for a message about to be stored.
pub(crate) fn encode_message(
    cid: &str,
    from: &Party,
    kind: MessageKind,
    body: &str,
    ts: Millis,
) -> Result<String> {
    let stored = StoredMessage {
        cid: cid.into(),
        from: Cow::Borrowed(from),
        kind,
        body: body.into(),
        ts,
    };
    serde_json::to_string(&stored)
        .map_err(|e| StoreError::Corrupt(format!("encoding message: {e}")))
}

/// A message back from its `m` field and seq.
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

/// The seq in a log entry ID `<seq>-0`.
pub(crate) fn seq_of_entry_id(conv: &ConvId, id: &str) -> Result<u64> {
    id.strip_suffix("-0")
        .and_then(|seq| seq.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("log of {conv}: unexpected entry id {id:?}")))
}

/// Any stored JSON value back, or `Corrupt` naming what it was.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(what: &str, json: &[u8]) -> Result<T> {
    serde_json::from_slice(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Any value as JSON text.
pub(crate) fn encode_json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encoding {what}: {e}")))
}

/// Replies that do not have the expected shape, or keys of the wrong type, mean the stored
/// data is not what this code wrote: `Corrupt`. Everything else (refused or dropped
/// connections, timeouts, a server that is loading or read-only) is worth retrying:
/// `Unavailable`.
pub(crate) fn map_redis_error(e: RedisError) -> StoreError {
    let corrupt = matches!(e.kind(), ErrorKind::Parse | ErrorKind::UnexpectedReturnType)
        || e.code() == Some("WRONGTYPE");
    if corrupt {
        StoreError::Corrupt(e.to_string())
    } else {
        StoreError::Unavailable(e.to_string())
    }
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
        let json = encode_message("x1", &from, MessageKind::Image, "https://e.x/a.png", -5)
            .expect("encodes");
        let message = decode_message(&conv, 7, json.as_bytes()).expect("decodes");
        assert_eq!(
            message,
            Message {
                conv,
                seq: 7,
                cid: "x1".into(),
                from,
                kind: MessageKind::Image,
                body: "https://e.x/a.png".into(),
                ts: -5,
            }
        );
    }

    /// The append script tells a closed conversation by the exact text `"state":"closed"`
    /// in its record: only the top-level state may spell it, whatever the names and tags say.
    #[test]
    fn only_a_closed_record_spells_the_closed_state() {
        use crate::Conversation;
        use qin_proto::{AgentId, ConvState, GroupId, ShopId};
        let sly = r#"x","state":"closed"#;
        let mut conv = Conversation {
            id: ConvId::parse("c1").expect("valid id"),
            shop: ShopId::parse("afu").expect("valid id"),
            shopper: Party {
                role: Role::Shopper,
                id: "v1".into(),
                name: sly.into(),
            },
            group: GroupId::parse("lady").expect("valid id"),
            requested_agent: AgentId::parse("anhong"),
            group_chosen: false,
            state: ConvState::Assigned,
            agent: AgentId::parse("anhong"),
            opened_at: 1,
            closed_at: None,
            tags: vec![sly.into(), "state".into()],
            rating: None,
        };
        let spelled = |c: &Conversation| {
            encode_json("conversation", c)
                .expect("encodes")
                .matches(r#""state":"closed""#)
                .count()
        };
        for state in [
            ConvState::Queued,
            ConvState::Assigned,
            ConvState::WaitingAgent,
        ] {
            conv.state = state;
            assert_eq!(spelled(&conv), 0, "{state:?}");
        }
        conv.state = ConvState::Closed;
        conv.closed_at = Some(2);
        conv.rating = Some(5);
        assert_eq!(spelled(&conv), 1);
    }

    #[test]
    fn entry_ids_parse_only_in_the_stored_form() {
        let conv = ConvId::parse("c1").expect("valid id");
        assert_eq!(seq_of_entry_id(&conv, "42-0").ok(), Some(42));
        assert!(seq_of_entry_id(&conv, "42-1").is_err());
        assert!(seq_of_entry_id(&conv, "x-0").is_err());
    }
}
