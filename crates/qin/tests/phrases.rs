//! Quick phrases (快捷短语) over real HTTP: who may read and change which phrases, bad input
//! refused without changing anything, the config's shop-wide phrases and stored ones laid
//! over them, the per-owner cap; and over Redis, a phrase saved on one gateway is seen on
//! another.

mod common;

use common::*;
use qin::Backend;
use qin_testkit::{HttpResponse, RedisServer, http, unique_prefix};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// `s` percent-encoded for a URL path segment (every byte but `A-Za-z0-9-_.~`).
fn encoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn phrase_path(shortcut: &str) -> String {
    format!("/api/shops/afu/phrases/{}", encoded(shortcut))
}

async fn list(addr: SocketAddr, token: &str) -> Vec<Value> {
    let res = http(
        &addr.to_string(),
        "GET",
        "/api/shops/afu/phrases",
        Some(token),
        None,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["phrases"].as_array().expect("phrases").clone()
}

/// `(owner, shortcut, text)` of each listed phrase, in order.
async fn summary(addr: SocketAddr, token: &str) -> Vec<(String, String, String)> {
    list(addr, token)
        .await
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (s("owner"), s("shortcut"), s("text"))
        })
        .collect()
}

async fn put(addr: SocketAddr, token: Option<&str>, shortcut: &str, body: Value) -> HttpResponse {
    http(
        &addr.to_string(),
        "PUT",
        &phrase_path(shortcut),
        token,
        Some(&body),
    )
    .await
}

async fn delete(addr: SocketAddr, token: &str, shortcut: &str, scope: &str) -> HttpResponse {
    let path = format!("{}?scope={scope}", phrase_path(shortcut));
    http(&addr.to_string(), "DELETE", &path, Some(token), None).await
}

/// The error code of an error answer (empty when there is none).
fn code(res: &HttpResponse) -> String {
    res.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Asserts `res` is an error with `status` and `code`.
#[track_caller]
fn refused(res: &HttpResponse, status: u16, expected: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    assert_eq!(code(res), expected, "{}", res.body);
}

#[tokio::test]
async fn every_agent_sees_the_configured_shop_phrases() {
    let (_node, addr) = embedded(demo_config()).await;
    let token = login(addr, "anhong").await;
    let phrases = list(addr, &token).await;
    let hi = phrases
        .iter()
        .find(|p| p["shortcut"] == "hi")
        .expect("the demo's /hi");
    assert_eq!(
        *hi,
        json!({"shortcut": "hi", "text": "亲，在的～有什么可以帮您？", "owner": "shop", "from_config": true})
    );
    assert!(phrases.iter().all(|p| p["owner"] == "shop"));
    let shortcuts: Vec<_> = phrases.iter().map(|p| p["shortcut"].clone()).collect();
    let mut sorted = shortcuts.clone();
    sorted.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(shortcuts, sorted, "ordered by shortcut");
}

#[tokio::test]
async fn the_console_gets_its_phrases_script() {
    let (_node, addr) = embedded(demo_config()).await;
    let res = http(&addr.to_string(), "GET", "/phrases.js", None, None).await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("export class QuickPhrases"));
    let console = http(&addr.to_string(), "GET", "/console.js", None, None).await;
    assert!(console.body.contains("from './phrases.js'"));
}

#[tokio::test]
async fn only_staff_of_the_shop_reach_the_phrases() {
    let (_node, addr) = embedded(demo_config()).await;
    let a = addr.to_string();
    let get = |path: &'static str, token: Option<String>| {
        let a = a.clone();
        async move { http(&a, "GET", path, token.as_deref(), None).await }
    };
    refused(
        &get("/api/shops/afu/phrases", None).await,
        401,
        "unauthorized",
    );
    refused(
        &get("/api/shops/afu/phrases", Some("forged.token".into())).await,
        401,
        "unauthorized",
    );
    let (_ws, welcome) = shopper(addr, None).await;
    let shopper_token = welcome["token"].as_str().expect("token").to_owned();
    refused(
        &get("/api/shops/afu/phrases", Some(shopper_token.clone())).await,
        403,
        "forbidden",
    );
    let res = put(addr, Some(&shopper_token), "hi", json!({"text": "x"})).await;
    refused(&res, 403, "forbidden");
    let token = login(addr, "anhong").await;
    refused(
        &get("/api/shops/nowhere/phrases", Some(token.clone())).await,
        404,
        "not_found",
    );
    let res = put(addr, None, "hi", json!({"text": "x"})).await;
    refused(&res, 401, "unauthorized");
    assert!(
        summary(addr, &token)
            .await
            .iter()
            .all(|(o, _, _)| o == "shop")
    );
}

#[tokio::test]
async fn agents_keep_their_own_phrases_and_bad_input_changes_nothing() {
    let (_node, addr) = embedded(demo_config()).await;
    let anhong = login(addr, "anhong").await;
    let xiaoya = login(addr, "xiaoya").await;
    let shop_only = summary(addr, &anhong).await;

    let res = put(addr, Some(&anhong), "hi", json!({"text": "安红在呢～"})).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(
        res.json(),
        json!({"shortcut": "hi", "text": "安红在呢～", "owner": "me"})
    );
    let res = put(
        addr,
        Some(&anhong),
        "发货",
        json!({"text": "今天发", "scope": "me"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = put(
        addr,
        Some(&anhong),
        "hi",
        json!({"text": "安红在的，请讲～"}),
    )
    .await;
    assert_eq!(res.status, 200, "replaced: {}", res.body);

    let mine = summary(addr, &anhong).await;
    let own = |s: &str, t: &str| ("me".to_owned(), s.to_owned(), t.to_owned());
    assert_eq!(
        mine[..2],
        [own("hi", "安红在的，请讲～"), own("发货", "今天发")]
    );
    assert_eq!(mine[2..], shop_only[..], "then the shop's");
    assert_eq!(summary(addr, &xiaoya).await, shop_only, "not shared");

    // Each bad request is refused and leaves the phrases as they were.
    let long = "x".repeat(33);
    let bad: Vec<(&str, Value, u16, &str)> = vec![
        ("a b", json!({"text": "x"}), 400, "bad_frame"),
        ("hi!", json!({"text": "x"}), 400, "bad_frame"),
        (&long, json!({"text": "x"}), 400, "bad_frame"),
        ("ok", json!({"text": "  \n"}), 400, "bad_frame"),
        ("ok", json!({"text": "亲".repeat(4001)}), 413, "too_large"),
        ("ok", json!({"text": "x", "scope": "all"}), 400, "bad_frame"),
        ("ok", json!({"text": "x", "owner": "me"}), 400, "bad_frame"),
        ("ok", json!({"txt": "x"}), 400, "bad_frame"),
        ("ok", json!(["x"]), 400, "bad_frame"),
        (
            "ok",
            json!({"text": "x", "scope": "shop"}),
            403,
            "forbidden",
        ),
        (
            "hi",
            json!({"text": "x", "scope": "shop"}),
            403,
            "forbidden",
        ),
    ];
    for (shortcut, body, status, expected) in bad {
        let res = put(addr, Some(&anhong), shortcut, body.clone()).await;
        assert_eq!(res.status, status, "{shortcut:?} {body}: {}", res.body);
        assert_eq!(code(&res), expected, "{}", res.body);
    }
    let res = http(
        &addr.to_string(),
        "PUT",
        &phrase_path("ok"),
        Some(&anhong),
        None,
    )
    .await;
    assert_eq!(res.status, 400, "no body: {}", res.body);
    refused(&delete(addr, &anhong, "hi", "shop").await, 403, "forbidden");
    refused(&delete(addr, &anhong, "hi", "all").await, 400, "bad_frame");
    refused(&delete(addr, &anhong, "a b", "me").await, 400, "bad_frame");
    assert_eq!(summary(addr, &anhong).await, mine, "nothing changed");

    let res = delete(addr, &anhong, "发货", "me").await;
    assert_eq!(res.status, 204, "{}", res.body);
    refused(&delete(addr, &anhong, "发货", "me").await, 404, "not_found");
    refused(&delete(addr, &xiaoya, "hi", "me").await, 404, "not_found");
    assert_eq!(summary(addr, &anhong).await.len(), shop_only.len() + 1);
}

#[tokio::test]
async fn supervisors_lay_shop_phrases_over_the_config() {
    let (_node, addr) = embedded(demo_config()).await;
    let boss = login(addr, "zhuguan").await;
    let anhong = login(addr, "anhong").await;

    let res = put(
        addr,
        Some(&boss),
        "hi",
        json!({"text": "亲，您好～", "scope": "shop"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.json()["owner"], "shop");
    let res = put(
        addr,
        Some(&boss),
        "尺码",
        json!({"text": "10ml 和 30ml 两种", "scope": "shop"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);

    let seen = list(addr, &anhong).await;
    let hi: Vec<_> = seen.iter().filter(|p| p["shortcut"] == "hi").collect();
    assert_eq!(
        hi,
        [&json!({"shortcut": "hi", "text": "亲，您好～", "owner": "shop"})],
        "the stored one replaces the configured one"
    );
    assert!(
        seen.iter()
            .any(|p| p["shortcut"] == "尺码" && p["owner"] == "shop")
    );

    let res = delete(addr, &boss, "hi", "shop").await;
    assert_eq!(res.status, 204, "{}", res.body);
    let seen = list(addr, &anhong).await;
    let hi = seen.iter().find(|p| p["shortcut"] == "hi").expect("hi");
    assert_eq!(
        hi["text"], "亲，在的～有什么可以帮您？",
        "the configured text is back"
    );
    assert_eq!(hi["from_config"], true);
    let res = delete(addr, &boss, "hi", "shop").await;
    refused(&res, 404, "not_found");
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("config"))
    );
}

#[tokio::test]
async fn an_owner_keeps_at_most_200_phrases() {
    let (_node, addr) = embedded(demo_config()).await;
    let token = login(addr, "xiaoya").await;
    for i in 0..200 {
        let res = put(
            addr,
            Some(&token),
            &format!("p{i:03}"),
            json!({"text": "亲"}),
        )
        .await;
        assert_eq!(res.status, 201, "phrase {i}: {}", res.body);
    }
    let res = put(addr, Some(&token), "one-more", json!({"text": "亲"})).await;
    refused(&res, 409, "conflict");
    let res = put(addr, Some(&token), "p000", json!({"text": "改过"})).await;
    assert_eq!(res.status, 200, "replacing at the cap: {}", res.body);
    let own = summary(addr, &token).await;
    assert_eq!(own.iter().filter(|(o, _, _)| o == "me").count(), 200);
    assert!(own.iter().all(|(_, s, _)| s != "one-more"));
}

#[tokio::test]
async fn a_phrase_saved_on_one_gateway_is_seen_on_another_over_redis() {
    let redis = RedisServer::start();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    };
    let gw1 = start(demo_config(), "gateway", backend.clone()).await;
    let gw2 = start(demo_config(), "gateway", backend).await;
    let (addr1, addr2) = (gw1.addr.expect("addr"), gw2.addr.expect("addr"));
    let boss = login(addr1, "zhuguan").await;
    let res = put(
        addr1,
        Some(&boss),
        "包邮",
        json!({"text": "满99包邮～", "scope": "shop"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let anhong = login(addr2, "anhong").await;
    let res = put(
        addr2,
        Some(&anhong),
        "包邮",
        json!({"text": "亲，满99就包邮哦"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let seen = summary(addr1, &anhong).await;
    let own = (
        "me".to_owned(),
        "包邮".to_owned(),
        "亲，满99就包邮哦".to_owned(),
    );
    let shop = (
        "shop".to_owned(),
        "包邮".to_owned(),
        "满99包邮～".to_owned(),
    );
    assert_eq!(seen[0], own);
    assert!(seen.contains(&shop), "{seen:?}");
}
