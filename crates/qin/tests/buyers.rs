//! Who is this shopper: a shop's backend signs its logged-in buyer's id (HMAC-SHA256 with the
//! shop's `identity_secret`), the storefront passes it in `hello`, and the buyer is the same
//! customer on every device: same visitor id, same open chats, one customer card. A forged
//! or another shop's signature is refused, and a shop without a secret signs nobody.

mod common;

use common::*;
use qin_config::sign_buyer;
use qin_testkit::WsClient;
use serde_json::{Value, json};
use std::net::SocketAddr;

const SECRET: &str = "afu-identity-secret-0123456789abcdef";
const OTHER_SECRET: &str = "another-shops-secret-0123456789abcdef";

/// A widget on a new device saying `hello` with `extra` fields; its socket and first answer
/// (`welcome` or `error`).
async fn device(addr: SocketAddr, shop: &str, extra: Value) -> (WsClient, Value) {
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/shopper")).await;
    let mut hello = json!({"type": "hello", "shop": shop});
    hello
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    ws.send(hello).await;
    let first = ws
        .recv_where(|f| f["type"] == "welcome" || f["type"] == "error")
        .await
        .expect("an answer to hello");
    (ws, first)
}

fn buyer(id: &str, secret: &str) -> Value {
    json!({"buyer": {"id": id, "sig": sign_buyer(secret, id)}})
}

#[tokio::test]
async fn a_signed_buyer_is_one_customer_on_every_device() {
    let mut config = two_shops_config();
    config.shops[0].identity_secret = Some(SECRET.into());
    let (node, addr) = embedded(config).await;
    let (mut anhong, _) = online_agent(addr, "anhong").await;

    // Her phone: a chat.
    let (mut phone, welcome) = device(addr, "afu", buyer("tb-8842", SECRET)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let visitor = welcome["visitor_id"].as_str().unwrap().to_owned();
    assert!(
        visitor.starts_with('b') && !visitor.contains("8842"),
        "{visitor}"
    );
    let conv = open(&mut phone, "lady").await;
    conversation_state(&mut phone, &conv, "assigned").await;
    anhong.recv_type("assigned").await;

    // Her laptop, never seen before: the same shopper, her chat already there.
    let (_laptop, welcome) = device(addr, "afu", buyer("tb-8842", SECRET)).await;
    assert_eq!(welcome["visitor_id"], visitor.as_str());
    assert_eq!(
        welcome["conversations"][0]["conv"],
        conv.as_str(),
        "{welcome}"
    );

    // A browser that was an anonymous visitor becomes her once she logs in.
    let (_, anonymous) = shopper(addr, None).await;
    let token = anonymous["token"].as_str().unwrap();
    let mut extra = buyer("tb-8842", SECRET);
    extra["token"] = json!(token);
    let (_tablet, welcome) = device(addr, "afu", extra).await;
    assert_eq!(welcome["visitor_id"], visitor.as_str());

    // Another buyer is another shopper.
    let (_, other) = device(addr, "afu", buyer("tb-0001", SECRET)).await;
    assert_ne!(other["visitor_id"], visitor.as_str());
    node.stop().await;
}

#[tokio::test]
async fn forged_foreign_and_unsigned_buyers_are_refused() {
    let mut config = two_shops_config();
    config.shops[0].identity_secret = Some(SECRET.into());
    let (node, addr) = embedded(config).await;

    let mut forged = buyer("tb-8842", SECRET);
    forged["buyer"]["id"] = json!("tb-0007"); // someone else's id under her signature
    for (what, extra, code) in [
        ("a forged signature", forged, "unauthorized"),
        (
            "another shop's signature",
            buyer("tb-8842", OTHER_SECRET),
            "unauthorized",
        ),
        (
            "a signature of the wrong shape",
            json!({"buyer": {"id": "tb-8842", "sig": "abc"}}),
            "bad_frame",
        ),
        (
            "an empty id",
            json!({"buyer": {"id": "", "sig": sign_buyer(SECRET, "")}}),
            "bad_frame",
        ),
    ] {
        let (_, answer) = device(addr, "afu", extra).await;
        assert_eq!(
            (&answer["type"], &answer["code"]),
            (&json!("error"), &json!(code)),
            "{what}: {answer}"
        );
    }
    // The other shop has no identity secret: it signs nobody.
    let (_, answer) = device(addr, OTHER_SHOP, buyer("tb-8842", SECRET)).await;
    assert_eq!(answer["code"], "forbidden", "{answer}");
    node.stop().await;
}
