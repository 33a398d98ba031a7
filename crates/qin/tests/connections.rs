//! Connection exhaustion, timeouts, client addresses, security headers and origins, over
//! real sockets against an embedded node with small `[connections]` limits. Other client
//! addresses are other loopback addresses (`127.0.0.2`).

mod common;

use common::*;
use qin_config::Config;
use qin_testkit::{WAIT, WsClient, connect_from, http};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

fn config(change: impl FnOnce(&mut Config)) -> Config {
    let mut config = demo_config();
    change(&mut config);
    config.validate().expect("test config");
    config
}

/// Waits until the server closes `stream` (end of file or reset).
async fn closed(mut stream: impl tokio::io::AsyncRead + Unpin) {
    let mut buf = [0u8; 512];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            return;
        }
    }
}

/// Whether `stream` is still open with nothing to read (checked without waiting).
fn still_open(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 1];
    matches!(stream.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// The status of `GET /healthz` sent from local address `from`; `None` if the connection
/// was closed without an answer.
async fn healthz(addr: SocketAddr, from: IpAddr) -> Option<u16> {
    let mut stream = connect_from(Some(from), &addr.to_string()).await.ok()?;
    let request = b"GET /healthz HTTP/1.1\r\nHost: qin\r\nConnection: close\r\n\r\n";
    stream.write_all(request).await.ok()?;
    let mut answer = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut answer))
        .await
        .ok()?
        .ok()?;
    answer.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn a_flood_of_connections_from_one_address_is_bounded() {
    let (node, addr) = embedded(config(|c| {
        c.connections.per_address = 20;
        c.connections.header_timeout_s = 120;
    }))
    .await;
    let mut streams = Vec::new();
    for _ in 0..50 {
        streams.push(TcpStream::connect(addr).await.expect("connect"));
    }
    // 30 of them are closed by the gateway (the 20 admitted stay: see the next test).
    let mut watched = tokio::task::JoinSet::new();
    for stream in streams {
        watched.spawn(closed(stream));
    }
    for _ in 0..30 {
        tokio::time::timeout(WAIT, watched.join_next())
            .await
            .expect("30 connections over the cap closed");
    }
    assert_eq!(
        healthz(addr, OTHER).await,
        Some(200),
        "another address is served"
    );
    watched.abort_all();
    qin_testkit::eventually(
        "127.0.0.1 served again once its connections closed",
        || async { healthz(addr, IpAddr::from([127, 0, 0, 1])).await == Some(200) },
    )
    .await;
    node.stop().await;
}

#[tokio::test]
async fn connections_within_the_cap_stay_open() {
    let (node, addr) = embedded(config(|c| {
        c.connections.per_address = 5;
        c.connections.header_timeout_s = 120;
    }))
    .await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        streams.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let refused = TcpStream::connect(addr).await.expect("connect");
    tokio::time::timeout(WAIT, closed(refused))
        .await
        .expect("the sixth is closed");
    assert!(streams.iter().all(still_open), "the first five are kept");
    node.stop().await;
}

#[tokio::test]
async fn a_silent_socket_is_closed_with_4002_after_the_hello_deadline() {
    let (node, addr) = embedded(config(|c| c.connections.hello_timeout_s = 1)).await;
    let (mut talker, _) = shopper(addr, None).await;
    let mut silent = WsClient::connect(&format!("ws://{addr}/ws/shopper")).await;
    let mut staff = WsClient::connect(&format!("ws://{addr}/ws/agent")).await;
    assert_eq!(
        silent.recv_close().await,
        Some(qin_gateway::CLOSE_HELLO_TIMEOUT)
    );
    assert_eq!(staff.recv_close().await, Some(4002));
    // The shopper who said hello first is past the deadline too, and still served.
    talker.send(json!({"type": "open", "group": "lady"})).await;
    talker.recv_type("conversation").await;
    node.stop().await;
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let (node, addr) = embedded(config(|c| c.connections.header_timeout_s = 1)).await;
    let mut half = TcpStream::connect(addr).await.expect("connect");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: qin\r\n")
        .await
        .expect("write");
    let silent = TcpStream::connect(addr).await.expect("connect");
    let mut answer = String::new();
    tokio::time::timeout(WAIT, half.read_to_string(&mut answer))
        .await
        .expect("the half-sent request is closed")
        .ok();
    assert!(!answer.contains("200 OK"), "{answer}");
    tokio::time::timeout(WAIT, closed(silent))
        .await
        .expect("a connection that says nothing is closed");
    node.stop().await;
}

#[tokio::test]
async fn a_body_that_never_ends_gets_408() {
    let (node, addr) = embedded(config(|c| c.connections.body_timeout_s = 1)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"POST /api/login HTTP/1.1\r\nHost: qin\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"shop\":")
        .await
        .expect("write");
    let mut answer = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut answer))
        .await
        .expect("answered and closed")
        .ok();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    node.stop().await;
}

#[tokio::test]
async fn websocket_upgrades_are_rate_limited_per_address() {
    let (node, addr) = embedded(config(|c| {
        c.connections.upgrades_per_s = 1;
        c.connections.upgrade_burst = 3;
    }))
    .await;
    let url = format!("ws://{addr}/ws/shopper");
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(
            WsClient::try_connect(&url, &[], None)
                .await
                .expect("within the burst"),
        );
    }
    let refused = WsClient::try_connect(&url, &[], None).await.err();
    assert_eq!(refused, Some(429), "over the burst");
    WsClient::try_connect(&url, &[], Some(OTHER))
        .await
        .expect("another address has its own budget");
    node.stop().await;
}

#[tokio::test]
async fn at_the_socket_ceiling_new_sockets_get_503_and_http_keeps_working() {
    let (node, addr) = embedded(config(|c| {
        c.connections.max_connections = 10;
        c.connections.http_reserve = 5;
    }))
    .await;
    let mut sockets = Vec::new();
    for _ in 0..5 {
        sockets.push(shopper(addr, None).await.0);
    }
    let url = format!("ws://{addr}/ws/shopper");
    assert_eq!(
        WsClient::try_connect(&url, &[], None).await.err(),
        Some(503)
    );
    let a = addr.to_string();
    assert_eq!(http(&a, "GET", "/healthz", None, None).await.status, 200);
    assert_eq!(http(&a, "GET", "/readyz", None, None).await.status, 200);
    login(addr, "anhong").await;
    sockets.pop().expect("a socket").close().await;
    let again = qin_testkit::eventually("room for a socket again", || async {
        WsClient::try_connect(&url, &[], None).await.ok()
    })
    .await;
    drop(again);
    node.stop().await;
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let (node, addr) = embedded(config(|c| {
        c.connections.per_address = 2;
        c.connections.trusted_proxies = vec![OTHER.to_string().parse().unwrap()];
    }))
    .await;
    let url = format!("ws://{addr}/ws/shopper");
    let via_proxy = |client: &'static str| {
        let url = url.clone();
        async move { WsClient::try_connect(&url, &[("X-Forwarded-For", client)], Some(OTHER)).await }
    };
    let _a = via_proxy("198.51.100.1").await.expect("first");
    let _b = via_proxy("198.51.100.1").await.expect("second");
    assert_eq!(
        via_proxy("198.51.100.1").await.err(),
        Some(429),
        "the client's cap"
    );
    let _c = via_proxy("198.51.100.2")
        .await
        .expect("another client behind the proxy");
    // From an untrusted peer the header is ignored: the peer is the client.
    let direct = |client: &'static str| {
        let url = url.clone();
        async move { WsClient::try_connect(&url, &[("X-Forwarded-For", client)], None).await }
    };
    let _d = direct("198.51.100.3").await.expect("first");
    let _e = direct("198.51.100.4").await.expect("second");
    assert!(
        direct("198.51.100.5").await.is_err(),
        "the third from 127.0.0.1 is refused whatever it claims"
    );
    node.stop().await;
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (node, addr) = embedded(config(|c| {
        c.shops[0].origins = vec!["https://shop.example.com".into()];
    }))
    .await;
    let a = addr.to_string();
    let page = http(&a, "GET", "/", None, None).await;
    let csp = page
        .header("content-security-policy")
        .expect("CSP on the widget page");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(
        csp.contains("frame-ancestors 'self' https://shop.example.com"),
        "the widget may be framed by the shop's storefront: {csp}"
    );
    assert!(!page.body.contains("<style") && !page.body.contains(" style="));
    for staff in ["/console", "/supervisor"] {
        let page = http(&a, "GET", staff, None, None).await;
        let csp = page.header("content-security-policy").expect("CSP");
        assert!(csp.contains("frame-ancestors 'none'"), "{staff}: {csp}");
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{staff}");
        assert!(
            !page.body.contains("<style") && !page.body.contains(" style="),
            "{staff}"
        );
    }
    let bad_login = json!({"shop": "afu", "agent": "anhong", "password": "wrong"});
    for res in [
        page,
        http(&a, "GET", "/healthz", None, None).await,
        http(&a, "POST", "/api/login", None, Some(&bad_login)).await,
        http(&a, "GET", "/widget.js", None, None).await,
        http(&a, "GET", "/nowhere", None, None).await,
    ] {
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
        assert!(res.header("content-security-policy").is_some());
    }
    let api = http(&a, "GET", "/healthz", None, None).await;
    assert_eq!(
        api.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    node.stop().await;
}

#[tokio::test]
async fn a_shopper_socket_from_a_foreign_page_is_refused_with_4004() {
    let (node, addr) = embedded(config(|c| {
        c.shops[0].origins = vec!["https://shop.example.com".into()];
    }))
    .await;
    let url = format!("ws://{addr}/ws/shopper");
    let mut foreign = WsClient::try_connect(&url, &[("Origin", "https://evil.example")], None)
        .await
        .expect("upgraded; checked at hello");
    foreign.send(json!({"type": "hello", "shop": "afu"})).await;
    let error = error_code(&mut foreign, "forbidden").await;
    assert_eq!(error["ref"], "hello");
    assert_eq!(
        foreign.recv_close().await,
        Some(qin_gateway::CLOSE_ORIGIN_REFUSED)
    );
    let own = format!("http://{addr}");
    for origin in ["https://shop.example.com", own.as_str()] {
        let mut ws = WsClient::try_connect(&url, &[("Origin", origin)], None)
            .await
            .expect("upgraded");
        let welcome = ws.hello("afu", None).await;
        assert_eq!(welcome["role"], "shopper", "{origin}: {welcome}");
    }
    let (_no_origin, _) = shopper(addr, None).await;
    node.stop().await;
}

#[tokio::test]
async fn a_staff_socket_must_come_from_the_gateways_own_pages() {
    let (node, addr) = embedded(demo_config()).await;
    let url = format!("ws://{addr}/ws/agent");
    for foreign in ["https://evil.example", "http://localhost:1"] {
        let refused = WsClient::try_connect(&url, &[("Origin", foreign)], None).await;
        assert_eq!(refused.err(), Some(403), "{foreign}");
    }
    let token = login(addr, "anhong").await;
    let own = format!("http://{addr}");
    let mut ws = WsClient::try_connect(&url, &[("Origin", own.as_str())], None)
        .await
        .expect("same origin");
    assert_eq!(ws.hello("afu", Some(&token)).await["role"], "agent");
    node.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413() {
    let (node, addr) = embedded(demo_config()).await;
    let long = json!({"shop": "afu", "agent": "anhong", "password": "x".repeat(70 * 1024)});
    let res = http(&addr.to_string(), "POST", "/api/login", None, Some(&long)).await;
    assert_eq!(res.status, 413, "{}", res.body);
    assert_eq!(res.json()["error"]["code"], "too_large");
    node.stop().await;
}
