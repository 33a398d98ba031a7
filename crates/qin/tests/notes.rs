//! Private notes are kept: a console that reloads, and the next agent of a transferred chat,
//! get them back from `sync`, each after the message it followed; the shopper never does.

mod common;

use common::*;
use qin_testkit::WsClient;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// Syncs `conv` from 0 and returns the replayed `message` and `note` frames in the order
/// they came, up to `synced`.
async fn replay(ws: &mut WsClient, conv: &str) -> Vec<Value> {
    ws.send(json!({"type": "sync", "conv": conv, "after": 0}))
        .await;
    let mut frames = Vec::new();
    loop {
        let f = ws
            .recv_where(|f| {
                f["conv"] == conv
                    && (f["type"] == "synced"
                        || f["type"] == "note"
                        || (f["type"] == "message" && f.get("seq").is_some()))
            })
            .await
            .expect("a replayed frame or synced");
        if f["type"] == "synced" {
            return frames;
        }
        frames.push(f);
    }
}

/// Where the frame with `body` (a message) or `text` (a note) is in `frames`.
fn place(frames: &[Value], words: &str) -> usize {
    frames
        .iter()
        .position(|f| f["body"] == words || f["text"] == words)
        .unwrap_or_else(|| panic!("{words} not replayed: {frames:?}"))
}

/// A console of `agent` as after a page reload: a new login and socket, no state.
async fn reloaded_console(addr: SocketAddr, agent: &str) -> WsClient {
    let token = login(addr, agent).await;
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/agent")).await;
    ws.hello("afu", Some(&token)).await;
    ws
}

#[tokio::test]
async fn notes_survive_a_reload_reach_the_next_agent_and_never_the_shopper() {
    let (node, addr) = embedded(demo_config()).await;
    let (mut anhong, _) = online_agent(addr, "anhong").await;
    let (mut shopper_ws, _) = shopper(addr, None).await;
    let conv = open(&mut shopper_ws, "lady").await;
    conversation_state(&mut shopper_ws, &conv, "assigned").await;
    anhong.recv_type("assigned").await;

    shopper_ws.send_message(&conv, "s1", "第一句").await;
    anhong.recv_message(&conv, "第一句").await;
    anhong
        .send(json!({"type": "note", "conv": conv, "text": "老顾客，上次快递破损"}))
        .await;
    anhong
        .recv_where(|f| f["type"] == "note" && f["conv"] == conv.as_str())
        .await
        .expect("the note is shown to its writer");
    shopper_ws.send_message(&conv, "s2", "第二句").await;
    anhong.recv_message(&conv, "第二句").await;

    // A reloaded console gets the note back, between the two messages.
    let mut again = reloaded_console(addr, "anhong").await;
    let frames = replay(&mut again, &conv).await;
    let note = place(&frames, "老顾客，上次快递破损");
    assert!(place(&frames, "第一句") < note && note < place(&frames, "第二句"));
    assert_eq!(frames[note]["from"]["name"], "安红");

    // The shopper's replay has the messages and no note; no note ever reached her socket.
    let mine = replay(&mut shopper_ws, &conv).await;
    assert!(mine.iter().all(|f| f["type"] == "message"), "{mine:?}");
    place(&mine, "第二句");
    assert!(!shopper_ws.received(|f| f["type"] == "note"));

    // Transferred, the next agent reads it too.
    let (mut xiaoya, _) = online_agent(addr, "xiaoya").await;
    again
        .send(json!({"type": "transfer", "conv": conv, "to_agent": "xiaoya"}))
        .await;
    xiaoya
        .recv_where(|f| f["type"] == "assigned" && f["conv"] == conv.as_str())
        .await
        .expect("xiaoya gets the chat");
    let hers = replay(&mut xiaoya, &conv).await;
    assert!(place(&hers, "老顾客，上次快递破损") < place(&hers, "第二句"));
    node.stop().await;
}
