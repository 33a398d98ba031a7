//! Fuzzing client frame decoding: any bytes, any string, any JSON object shaped like a frame
//! or a mangled valid frame is either a frame or a clean error with a documented code (whose
//! `error` frame encodes) — never a panic, and never a frame past the limits.

use proptest::prelude::*;
use qin_proto::frame::CLIENT_FRAME_TYPES;
use qin_proto::{ClientFrame, ErrorCode, Limits, ProtoError, ServerFrame};
use serde_json::{Map, Value, json};

const VALID: &[&str] = &[
    r#"{"type":"hello","shop":"afu","token":"abc.def"}"#,
    r#"{"type":"open","group":"lady"}"#,
    r#"{"type":"send","conv":"c1","cid":"x1","kind":"text","body":"亲，发货了吗？"}"#,
    r#"{"type":"typing","conv":"c1","on":true}"#,
    r#"{"type":"read","conv":"c1","seq":3}"#,
    r#"{"type":"sync","conv":"c1","after":0}"#,
    r#"{"type":"status","state":"online"}"#,
    r#"{"type":"transfer","conv":"c1","to_group":"bold"}"#,
    r#"{"type":"close","conv":"c1","tags":["refund"]}"#,
    r#"{"type":"note","conv":"c1","text":"VIP"}"#,
    r#"{"type":"rate","conv":"c1","score":5,"comment":"好"}"#,
];

const FIELDS: &[&str] = &[
    "type", "shop", "token", "group", "agent", "conv", "cid", "kind", "body", "on", "seq", "after",
    "state", "to_agent", "to_group", "tags", "text", "score", "comment", "choice",
];

fn limits() -> Limits {
    Limits::default()
}

/// Parses `text` and checks the outcome is a frame within the limits or a clean error.
fn decode(text: &str) -> Result<(), TestCaseError> {
    match ClientFrame::parse(text, &limits()) {
        Ok(frame) => {
            prop_assert!(text.len() <= limits().max_frame_bytes);
            prop_assert!(CLIENT_FRAME_TYPES.contains(&frame.type_name()));
        }
        Err(e) => clean(&e)?,
    }
    Ok(())
}

fn clean(e: &ProtoError) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(e.code, ErrorCode::BadFrame | ErrorCode::TooLarge),
        "{e:?}"
    );
    prop_assert!(!e.message.is_empty());
    let frame: Value = serde_json::from_str(&ServerFrame::error(e, None).to_json())
        .map_err(|err| TestCaseError::fail(err.to_string()))?;
    prop_assert_eq!(&frame["type"], "error");
    Ok(())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,20}".prop_map(Value::from),
        "[a-z0-9_]{1,10}".prop_map(Value::from),
        Just(Value::from("x".repeat(5000))),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object with a known `type` (mostly) and known field names holding any values.
fn frame_like() -> impl Strategy<Value = String> {
    let ty = prop_oneof![
        4 => prop::sample::select(CLIENT_FRAME_TYPES).prop_map(Value::from),
        1 => json_value(),
    ];
    let fields = prop::collection::vec((prop::sample::select(FIELDS), json_value()), 0..6);
    (ty, fields).prop_map(|(ty, fields)| {
        let mut object = Map::new();
        object.insert("type".into(), ty);
        for (k, v) in fields {
            object.insert(k.into(), v);
        }
        Value::Object(object).to_string()
    })
}

/// A valid frame with bytes cut, flipped or put in (at char boundaries, as text).
fn mangled() -> impl Strategy<Value = String> {
    (
        prop::sample::select(VALID),
        prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..5),
    )
        .prop_map(|(valid, edits)| {
            let mut bytes = valid.as_bytes().to_vec();
            for (at, byte, how) in edits {
                let at = at % (bytes.len() + 1);
                match how {
                    0 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ => bytes.insert(at, byte),
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_bytes_decode_to_a_frame_or_a_clean_error(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        decode(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn any_string_decodes_to_a_frame_or_a_clean_error(text in "\\PC{0,300}") {
        decode(&text)?;
    }

    #[test]
    fn frame_like_objects_decode_to_a_frame_or_a_clean_error(text in frame_like()) {
        decode(&text)?;
    }

    #[test]
    fn mangled_frames_decode_to_a_frame_or_a_clean_error(text in mangled()) {
        decode(&text)?;
    }
}

#[test]
fn the_valid_frames_used_here_decode() {
    for text in VALID {
        assert!(ClientFrame::parse(text, &limits()).is_ok(), "{text}");
    }
}
