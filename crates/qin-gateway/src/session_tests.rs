//! Shopper and agent sessions over connections with no socket: what each may do in a chat,
//! what it answers, and what reaches the other parties through the hub.

use crate::agent::AgentSession;
use crate::auth::{Claims, TokenKind};
use crate::conn::Conn;
use crate::shopper::ShopperSession;
use crate::testing::{Gateway, next_frame, replies};
use qin_bus::Bus;
use qin_proto::{AgentId, ClientFrame, ConvId, ErrorCode, ShopId, topic};
use qin_store::{Conversations, Notes};
use serde_json::{Value, json};

fn afu() -> ShopId {
    ShopId::parse("afu").expect("valid id")
}

fn frame(value: Value) -> ClientFrame {
    serde_json::from_value(value).expect("a client frame")
}

async fn shopper(
    gw: &Gateway,
) -> (
    ShopperSession,
    Conn,
    std::sync::Arc<crate::hub::Outbox>,
    Value,
) {
    let (mut conn, outbox) = gw.conn();
    let session = ShopperSession::hello(&mut conn, afu(), None, None)
        .await
        .expect("hello");
    let welcome = replies(&mut conn).remove(0);
    (session, conn, outbox, welcome)
}

async fn agent(gw: &Gateway, id: &str) -> (AgentSession, Conn, std::sync::Arc<crate::hub::Outbox>) {
    let (mut conn, outbox) = gw.conn();
    let session = AgentSession::hello(&mut conn, afu(), Some(agent_token(gw, id, 0)))
        .await
        .expect("hello");
    let welcome = replies(&mut conn).remove(0);
    assert_eq!(welcome["role"], "agent", "{welcome}");
    (session, conn, outbox)
}

/// A login token of agent `id` issued at `iat`.
fn agent_token(gw: &Gateway, id: &str, iat: i64) -> String {
    gw.state.tokens.sign(&Claims {
        kind: TokenKind::Agent,
        shop: afu(),
        sub: id.into(),
        exp: i64::MAX,
        iat,
    })
}

#[tokio::test]
async fn a_sign_out_refuses_older_logins_and_closes_only_older_consoles() {
    use qin_store::SignOuts;
    let gw = Gateway::new();
    let anhong = AgentId::parse("anhong").expect("valid id");
    gw.store
        .sign_out(&afu(), &anhong, 1_000)
        .await
        .expect("sign out");
    for iat in [0, 999, 1_000] {
        let (mut conn, _outbox) = gw.conn();
        let refused = AgentSession::hello(&mut conn, afu(), Some(agent_token(&gw, "anhong", iat)))
            .await
            .err()
            .map(|e| e.code);
        assert_eq!(refused, Some(ErrorCode::Unauthorized), "issued at {iat}");
    }
    let (mut conn, _outbox) = gw.conn();
    let mut session =
        AgentSession::hello(&mut conn, afu(), Some(agent_token(&gw, "anhong", 1_001)))
            .await
            .expect("a login after the sign-out stands");
    replies(&mut conn);
    let event = |at: i64| {
        serde_json::to_vec(&qin_proto::AgentEvent::SignedOut {
            reason: "test".into(),
            at,
        })
        .expect("json")
        .into()
    };
    assert!(
        session.on_event(&mut conn, event(1_000)).await.is_none(),
        "an older sign-out is not for this console"
    );
    assert!(replies(&mut conn).is_empty());
    assert!(session.on_event(&mut conn, event(1_001)).await.is_some());
    assert_eq!(replies(&mut conn)[0]["code"], "unauthorized");
}

/// Opens a chat in `group`; its id.
async fn open(session: &mut ShopperSession, conn: &mut Conn, group: &str) -> String {
    session
        .on_frame(conn, frame(json!({"type": "open", "group": group})))
        .await
        .expect("open");
    let answer = replies(conn).remove(0);
    assert_eq!(
        (&answer["type"], &answer["state"]),
        (&json!("conversation"), &json!("queued"))
    );
    answer["conv"].as_str().expect("conv").to_owned()
}

/// Stores `conv` as assigned to `agent`, as the router would.
async fn assign(gw: &Gateway, conv: &str, agent: &str) {
    let id = ConvId::parse(conv).expect("valid id");
    let mut record = gw
        .store
        .conversation(&id)
        .await
        .expect("read")
        .expect("stored");
    record.state = qin_proto::ConvState::Assigned;
    record.agent = Some(AgentId::parse(agent).expect("valid id"));
    gw.store.save_conversation(&record).await.expect("save");
}

fn code(result: Result<(), qin_proto::ProtoError>) -> Option<ErrorCode> {
    result.err().map(|e| e.code)
}

#[tokio::test]
async fn a_shopper_keeps_her_identity_and_her_open_chats_across_visits() {
    let gw = Gateway::new();
    let (mut session, mut conn, _, welcome) = shopper(&gw).await;
    assert_eq!(
        welcome["groups"].as_array().map(Vec::len),
        Some(4),
        "{welcome}"
    );
    let conv = open(&mut session, &mut conn, "lady").await;
    let token = welcome["token"].as_str().expect("token").to_owned();

    let (mut again, _) = gw.conn();
    ShopperSession::hello(&mut again, afu(), Some(token), None)
        .await
        .expect("hello");
    let back = replies(&mut again).remove(0);
    assert_eq!(back["visitor_id"], welcome["visitor_id"]);
    assert_eq!(back["conversations"][0]["conv"], conv.as_str(), "{back}");
}

#[tokio::test]
async fn an_open_chat_is_stored_with_the_picked_group_and_told_to_the_services() {
    let gw = Gateway::new();
    let mut services = gw
        .bus
        .subscribe(&topic::shop(&afu()))
        .await
        .expect("subscribe");
    let (mut session, mut conn, _, _) = shopper(&gw).await;
    let conv = open(&mut session, &mut conn, "fresh").await;
    let id = ConvId::parse(conv.as_str()).expect("valid id");
    let stored = gw
        .store
        .conversation(&id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        (stored.group.as_str(), stored.group_chosen),
        ("fresh", true)
    );
    let told: Value = serde_json::from_slice(&services.recv().await.expect("event")).expect("json");
    assert_eq!(
        (&told["event"], &told["conv"], &told["group_chosen"]),
        (&json!("chat_opened"), &json!(conv), &json!(true)),
        "{told}"
    );
}

#[tokio::test]
async fn nobody_but_its_parties_acts_in_a_chat() {
    let gw = Gateway::new();
    let (mut owner, mut owner_conn, _, _) = shopper(&gw).await;
    let conv = open(&mut owner, &mut owner_conn, "lady").await;
    let (mut stranger, mut stranger_conn, _, _) = shopper(&gw).await;
    for refused in [
        json!({"type": "send", "conv": conv, "cid": "x1", "kind": "text", "body": "hi"}),
        json!({"type": "sync", "conv": conv, "after": 0}),
        json!({"type": "typing", "conv": conv, "on": true}),
        json!({"type": "close", "conv": conv}),
    ] {
        let got = stranger
            .on_frame(&mut stranger_conn, frame(refused.clone()))
            .await;
        assert_eq!(code(got), Some(ErrorCode::Forbidden), "{refused}");
    }
    let ghost = json!({"type": "sync", "conv": "cNoSuchChat", "after": 0});
    let got = owner.on_frame(&mut owner_conn, frame(ghost)).await;
    assert_eq!(code(got), Some(ErrorCode::NotFound));

    // An agent of the shop, but not the one the chat is assigned to.
    let (mut xiaoya, mut xiaoya_conn, _) = agent(&gw, "xiaoya").await;
    assign(&gw, &conv, "anhong").await;
    let send = json!({"type": "send", "conv": conv, "cid": "y1", "kind": "text", "body": "亲"});
    let got = xiaoya.on_frame(&mut xiaoya_conn, frame(send)).await;
    assert_eq!(code(got), Some(ErrorCode::Forbidden));
}

#[tokio::test]
async fn the_agents_reply_reaches_the_shopper_and_her_note_does_not() {
    let gw = Gateway::new();
    let (mut shopper_session, mut shopper_conn, shopper_box, _) = shopper(&gw).await;
    let conv = open(&mut shopper_session, &mut shopper_conn, "lady").await;
    assign(&gw, &conv, "anhong").await;
    let (mut anhong, mut anhong_conn, anhong_box) = agent(&gw, "anhong").await;
    anhong_conn
        .follow_conversation(&ConvId::parse(conv.as_str()).expect("valid id"))
        .await
        .expect("follow");

    let note = json!({"type": "note", "conv": conv, "text": "老顾客，要发票"});
    anhong
        .on_frame(&mut anhong_conn, frame(note))
        .await
        .expect("note");
    let reply =
        json!({"type": "send", "conv": conv, "cid": "r1", "kind": "text", "body": "亲，在的～"});
    anhong
        .on_frame(&mut anhong_conn, frame(reply))
        .await
        .expect("send");
    let ack = replies(&mut anhong_conn).remove(0);
    assert_eq!(
        (&ack["type"], &ack["seq"]),
        (&json!("ack"), &json!(1)),
        "{ack}"
    );

    assert_eq!(next_frame(&anhong_box).await["type"], "note");
    // The shopper's first frame on the chat is the reply: the note never reached her.
    let got = next_frame(&shopper_box).await;
    assert_eq!(
        (&got["type"], &got["body"]),
        (&json!("message"), &json!("亲，在的～")),
        "{got}"
    );
    assert!(shopper_box.is_empty());
    // She knows the agent by name and handle, never by the login name.
    let shop = gw.state.shop(&ShopId::parse("afu").unwrap()).unwrap();
    let handle = shop.agent_handle(shop.agent(&AgentId::parse("anhong").unwrap()).unwrap());
    assert_eq!(
        got["from"],
        json!({"role": "agent", "id": handle.as_str(), "name": "安红"})
    );
    assert!(!got.to_string().contains("anhong"), "{got}");

    // A retried send is acked with its seq and stored once.
    let again =
        json!({"type": "send", "conv": conv, "cid": "r1", "kind": "text", "body": "亲，在的～"});
    anhong
        .on_frame(&mut anhong_conn, frame(again))
        .await
        .expect("send");
    assert_eq!(replies(&mut anhong_conn).remove(0)["seq"], 1);
    let id = ConvId::parse(conv.as_str()).expect("valid id");
    assert_eq!(gw.store.last_seq(&id).await.expect("read"), 1);
}

#[tokio::test]
async fn image_links_go_to_the_shops_image_hosts_only() {
    let gw = Gateway::new();
    let (mut shopper_session, mut shopper_conn, _, _) = shopper(&gw).await;
    let conv = open(&mut shopper_session, &mut shopper_conn, "lady").await;
    let image = |cid: &str, url: &str| {
        frame(json!({"type": "send", "conv": conv, "cid": cid, "kind": "image", "body": url}))
    };
    for (i, internal) in [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/console",
        "http://10.0.0.7/a.png",
        "https://evil.example/a.png",
    ]
    .into_iter()
    .enumerate()
    {
        let got = shopper_session
            .on_frame(&mut shopper_conn, image(&format!("bad{i}"), internal))
            .await;
        assert_eq!(code(got), Some(ErrorCode::BadFrame), "{internal}");
    }
    let id = ConvId::parse(conv.as_str()).expect("valid id");
    assert_eq!(
        gw.store.last_seq(&id).await.expect("read"),
        0,
        "nothing stored"
    );

    // The demo shop takes Taobao's image hosts, from shoppers and agents alike.
    let photo = "https://img.alicdn.com/imgextra/i1/leaking-bottle.jpg";
    shopper_session
        .on_frame(&mut shopper_conn, image("photo", photo))
        .await
        .expect("a photo of the leak");
    assert_eq!(gw.store.last_seq(&id).await.expect("read"), 1);
    assign(&gw, &conv, "anhong").await;
    let (mut anhong, mut anhong_conn, _) = agent(&gw, "anhong").await;
    let got = anhong
        .on_frame(&mut anhong_conn, image("a1", "http://192.168.1.1/x.png"))
        .await;
    assert_eq!(code(got), Some(ErrorCode::BadFrame));
}

#[tokio::test]
async fn a_note_past_the_limit_is_refused_and_not_kept() {
    let gw = Gateway::new();
    let (mut shopper_session, mut shopper_conn, _, _) = shopper(&gw).await;
    let conv = open(&mut shopper_session, &mut shopper_conn, "lady").await;
    assign(&gw, &conv, "anhong").await;
    let (mut anhong, mut anhong_conn, _) = agent(&gw, "anhong").await;
    let id = ConvId::parse(conv.as_str()).expect("valid id");
    let earlier = qin_store::Note {
        after_seq: 0,
        text: "n".into(),
        from: qin_proto::Party {
            role: qin_proto::Role::Agent,
            id: "a0".into(),
            name: "安红".into(),
        },
        ts: 1,
    };
    for _ in 0..qin_store::MAX_NOTES {
        assert!(gw.store.add_note(&id, &earlier).await.expect("add"));
    }
    let note = json!({"type": "note", "conv": conv, "text": "one too many"});
    let got = anhong.on_frame(&mut anhong_conn, frame(note)).await;
    assert_eq!(code(got), Some(ErrorCode::Conflict));
    let kept = gw.store.notes(&id).await.expect("read");
    assert_eq!(kept.len(), qin_store::MAX_NOTES);
}
