//! Table tests: every malformed client frame gets the documented error code.

use super::*;
use crate::ErrorCode;

fn parse(text: &str) -> Result<ClientFrame, ProtoError> {
    ClientFrame::parse(text, &Limits::default())
}

#[test]
fn malformed_frames_get_documented_codes() {
    let long_body = format!(
        r#"{{"type":"send","conv":"c1","cid":"x","kind":"text","body":"{}"}}"#,
        "亲".repeat(4001)
    );
    let huge = format!(
        r#"{{"type":"hello","shop":"afu","pad":"{}"}}"#,
        "x".repeat(20_000)
    );
    let long_cid = format!(
        r#"{{"type":"send","conv":"c1","cid":"{}","kind":"text","body":"hi"}}"#,
        "x".repeat(65)
    );
    let cases: Vec<(&str, &str, ErrorCode)> = vec![
        ("not json", "hello", ErrorCode::BadFrame),
        ("array", "[1,2]", ErrorCode::BadFrame),
        ("string", "\"hello\"", ErrorCode::BadFrame),
        ("no type", r#"{"shop":"afu"}"#, ErrorCode::BadFrame),
        ("type not a string", r#"{"type":3}"#, ErrorCode::BadFrame),
        ("unknown type", r#"{"type":"dance"}"#, ErrorCode::BadFrame),
        (
            "hello without shop",
            r#"{"type":"hello"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "bad shop id",
            r#"{"type":"hello","shop":"a b"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "bad conv id",
            r#"{"type":"send","conv":"../x","cid":"1","kind":"text","body":"hi"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "missing body",
            r#"{"type":"send","conv":"c1","cid":"1","kind":"text"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "empty body",
            r#"{"type":"send","conv":"c1","cid":"1","kind":"text","body":"  "}"#,
            ErrorCode::BadFrame,
        ),
        (
            "empty cid",
            r#"{"type":"send","conv":"c1","cid":"","kind":"text","body":"hi"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "unknown kind",
            r#"{"type":"send","conv":"c1","cid":"1","kind":"video","body":"hi"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "image not a url",
            r#"{"type":"send","conv":"c1","cid":"1","kind":"image","body":"cat.png"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "seq negative",
            r#"{"type":"read","conv":"c1","seq":-1}"#,
            ErrorCode::BadFrame,
        ),
        (
            "after a string",
            r#"{"type":"sync","conv":"c1","after":"3"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "unknown status",
            r#"{"type":"status","state":"sleeping"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "transfer nowhere",
            r#"{"type":"transfer","conv":"c1"}"#,
            ErrorCode::BadFrame,
        ),
        (
            "rate 0",
            r#"{"type":"rate","conv":"c1","score":0}"#,
            ErrorCode::BadFrame,
        ),
        (
            "rate 6",
            r#"{"type":"rate","conv":"c1","score":6}"#,
            ErrorCode::BadFrame,
        ),
        (
            "empty tag",
            r#"{"type":"close","conv":"c1","tags":[""]}"#,
            ErrorCode::BadFrame,
        ),
        ("frame too large", &huge, ErrorCode::TooLarge),
        ("body too long", &long_body, ErrorCode::TooLarge),
        ("cid too long", &long_cid, ErrorCode::TooLarge),
    ];
    for (name, text, code) in cases {
        match parse(text) {
            Ok(frame) => panic!("{name}: accepted as {frame:?}"),
            Err(e) => {
                assert_eq!(e.code, code, "{name}: {e}");
                assert!(!e.message.is_empty(), "{name}: empty message");
            }
        }
    }
}

#[test]
fn valid_frames_parse() {
    let cases = [
        r#"{"type":"hello","shop":"afu"}"#,
        r#"{"type":"hello","shop":"afu","token":"abc","extra":"ignored"}"#,
        r#"{"type":"open"}"#,
        r#"{"type":"open","group":"lady","agent":"anhong"}"#,
        r#"{"type":"send","conv":"c1","cid":"1","kind":"text","body":"亲，在吗？"}"#,
        r#"{"type":"send","conv":"c1","cid":"1","kind":"image","body":"https://img.example/a.png"}"#,
        r#"{"type":"typing","conv":"c1","on":true}"#,
        r#"{"type":"read","conv":"c1","seq":4}"#,
        r#"{"type":"sync","conv":"c1","after":0}"#,
        r#"{"type":"status","state":"online"}"#,
        r#"{"type":"transfer","conv":"c1","to_group":"bold"}"#,
        r#"{"type":"close","conv":"c1","tags":["shipping"]}"#,
        r#"{"type":"note","conv":"c1","text":"VIP"}"#,
        r#"{"type":"rate","conv":"c1","score":5,"comment":"亲切"}"#,
    ];
    for text in cases {
        let frame = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let again: ClientFrame =
            serde_json::from_str(&serde_json::to_string(&frame).unwrap()).unwrap();
        assert_eq!(again, frame);
    }
}

#[test]
fn server_frames_use_documented_field_names() {
    let err = ServerFrame::error(&ProtoError::bad_frame("nope"), Some("send".into()));
    let json: serde_json::Value = serde_json::from_str(&err.to_json()).unwrap();
    assert_eq!(json["type"], "error");
    assert_eq!(json["code"], "bad_frame");
    assert_eq!(json["ref"], "send");

    let ack = ServerFrame::Ack {
        conv: ConvId::parse("c1").unwrap(),
        cid: "x".into(),
        seq: 3,
    };
    assert_eq!(
        ack.to_json(),
        r#"{"type":"ack","conv":"c1","cid":"x","seq":3}"#
    );
}

#[test]
fn auto_reply_frames_set_and_clear() {
    let set = |text: Option<&str>| ClientFrame::AutoReply {
        text: text.map(str::to_owned),
    };
    let cases = [
        (
            r#"{"type":"auto_reply","text":"盘点中，10分钟回来"}"#,
            set(Some("盘点中，10分钟回来")),
        ),
        (r#"{"type":"auto_reply"}"#, set(None)),
        (r#"{"type":"auto_reply","text":null}"#, set(None)),
    ];
    for (text, frame) in cases {
        assert_eq!(parse(text).unwrap(), frame, "{text}");
        assert_eq!(frame.type_name(), "auto_reply");
    }
    let blank = parse(r#"{"type":"auto_reply","text":"  "}"#).unwrap_err();
    assert_eq!(blank.code, ErrorCode::BadFrame);
    let long = format!(r#"{{"type":"auto_reply","text":"{}"}}"#, "亲".repeat(4001));
    assert_eq!(parse(&long).unwrap_err().code, ErrorCode::TooLarge);
    let answer = ServerFrame::AutoReply {
        text: Some("盘点中".into()),
    };
    assert_eq!(answer.to_json(), r#"{"type":"auto_reply","text":"盘点中"}"#);
    let cleared = ServerFrame::AutoReply { text: None };
    assert_eq!(cleared.to_json(), r#"{"type":"auto_reply"}"#);
}
