//! Routing over real sockets and HTTP: shoppers following agents and answering the offer for a
//! busy favourite, agents transferring chats, and the supervisors' REST API.
//!
//! Most tests run a gateway alone over a store they hold, so they can set a chat up exactly
//! and read what the gateway queued for the router. The last ones run the whole node
//! (gateway, router, auto-reply) and check the router's answers arrive.

mod common;

use common::*;
use qin::{Backend, Node};
use qin_bus::{Bus, MemoryBus};
use qin_config::{Config, ProfileConfig};
use qin_proto::{AgentId, ConvId, ConvState, GroupId, Party, Role, ShopId, topic};
use qin_store::{Conversation, Conversations, MemoryStore, RoutingDesk};
use qin_testkit::{HttpResponse, WsClient, eventually, http};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

const SUPERVISOR: &str = "zhuguan";

/// The demo config with a supervisor who takes no chats (`zhuguan`) and a `double11` profile,
/// whether or not `config/qin.toml` has them yet.
fn routing_config() -> Config {
    let mut config = demo_config();
    let shop = &mut config.shops[0];
    if !shop.agents.iter().any(|a| a.id.as_str() == SUPERVISOR) {
        let mut boss = shop.agents[0].clone(); // same demo password
        boss.id = AgentId::parse(SUPERVISOR).unwrap();
        boss.name = "主管".into();
        boss.max_chats = 0;
        boss.shift = Vec::new();
        shop.agents.push(boss);
    }
    for a in &mut shop.agents {
        a.supervisor = a.id.as_str() == SUPERVISOR;
        if a.supervisor {
            a.max_chats = 0;
        }
    }
    if !shop.profiles.iter().any(|p| p.name == "double11") {
        shop.profiles.push(ProfileConfig {
            name: "double11".into(),
            dates: Vec::new(),
            max_chats: Some(12),
            slow_reply_s: None,
            transfer_after_s: None,
            max_wait_s: None,
        });
    }
    config
}

/// A gateway alone (no router) over a store and bus the test holds.
struct Gateway {
    node: Node,
    addr: SocketAddr,
    store: Arc<MemoryStore>,
    bus: Arc<MemoryBus>,
}

impl Gateway {
    async fn start() -> Self {
        let store = Arc::new(MemoryStore::new());
        let bus = Arc::new(MemoryBus::new());
        let backend = Backend::Memory {
            store: store.clone(),
            bus: bus.clone(),
        };
        let node = start(routing_config(), "gateway", backend).await;
        let addr = node.addr.expect("gateway address");
        Self {
            node,
            addr,
            store,
            bus,
        }
    }

    /// A conversation of `shopper` stored as assigned to `agent` (as the router would).
    async fn assigned(&self, shopper: &Value, agent: &str) -> String {
        let visitor = shopper["visitor_id"].as_str().expect("visitor id");
        let conv = Conversation {
            id: ConvId::parse(format!("c{visitor}{agent}")).unwrap(),
            shop: shop(),
            shopper: Party {
                role: Role::Shopper,
                id: visitor.into(),
                name: "亲".into(),
            },
            group: GroupId::parse("lady").unwrap(),
            requested_agent: None,
            group_chosen: false,
            state: ConvState::Assigned,
            agent: Some(AgentId::parse(agent).unwrap()),
            opened_at: 1,
            closed_at: None,
            tags: Vec::new(),
            rating: None,
            disposition: None,
        };
        self.store.save_conversation(&conv).await.unwrap();
        conv.id.to_string()
    }

    async fn close(&self, conv: &str) {
        let id = ConvId::parse(conv).unwrap();
        let mut c = self.store.conversation(&id).await.unwrap().unwrap();
        c.state = ConvState::Closed;
        c.closed_at = Some(2);
        self.store.save_conversation(&c).await.unwrap();
    }

    /// What the gateway queued for the router, oldest first.
    async fn inbox(&self) -> Vec<Value> {
        let raw = self.store.requests(&shop(), 100).await.unwrap();
        raw.iter()
            .map(|r| serde_json::from_str(r).unwrap())
            .collect()
    }

    async fn http(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> HttpResponse {
        http(&self.addr.to_string(), method, path, token, body.as_ref()).await
    }
}

fn shop() -> ShopId {
    ShopId::parse("afu").unwrap()
}

/// An agent's console after `hello` (status untouched).
async fn console(addr: SocketAddr, agent: &str) -> (WsClient, Value) {
    let token = login(addr, agent).await;
    let mut ws = WsClient::connect(&format!("ws://{addr}/ws/agent")).await;
    let welcome = ws.hello("afu", Some(&token)).await;
    assert_eq!(welcome["role"], "agent", "{welcome}");
    (ws, welcome)
}

/// Sends `frame` and waits for the error answering it; returns its code.
async fn refused(ws: &mut WsClient, frame: Value) -> String {
    let kind = frame["type"].as_str().unwrap().to_owned();
    ws.send(frame.clone()).await;
    let e = ws
        .recv_where(|f| f["type"] == "error" && f["ref"] == kind.as_str())
        .await
        .unwrap_or_else(|| panic!("no error for {frame}"));
    e["code"].as_str().unwrap().to_owned()
}

/// Waits for the `following` answer and returns its agents.
async fn following(ws: &mut WsClient) -> Vec<String> {
    let f = ws.recv_type("following").await;
    f["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// Proves every frame sent so far was handled without an error: a `follow` round trip
/// after them (frames of one socket are handled in order).
async fn no_error_so_far(ws: &mut WsClient) {
    ws.send(json!({"type": "follow", "agent": handle_of("anhong")}))
        .await;
    ws.recv_type("following").await;
    assert!(
        !ws.received(|f| f["type"] == "error"),
        "unexpected error before the barrier"
    );
}

#[tokio::test]
async fn shoppers_follow_and_unfollow_agents() {
    let gw = Gateway::start().await;
    let (mut ws, welcome) = shopper(gw.addr, None).await;
    assert!(welcome.get("following").is_none(), "{welcome}");
    ws.send(json!({"type": "follow", "agent": handle_of("xiaoya")}))
        .await;
    assert_eq!(following(&mut ws).await, [handle_of("xiaoya")]);
    ws.send(json!({"type": "follow", "agent": handle_of("dazhuang")}))
        .await;
    assert_eq!(
        following(&mut ws).await,
        [handle_of("xiaoya"), handle_of("dazhuang")]
    );
    ws.send(json!({"type": "follow", "agent": handle_of("xiaoya")}))
        .await;
    assert_eq!(
        following(&mut ws).await,
        [handle_of("xiaoya"), handle_of("dazhuang")],
        "again is a no-op"
    );

    let token = welcome["token"].as_str().unwrap();
    let (mut again, welcome) = shopper(gw.addr, Some(token)).await;
    assert_eq!(
        welcome["following"],
        json!([handle_of("xiaoya"), handle_of("dazhuang")])
    );
    again
        .send(json!({"type": "unfollow", "agent": handle_of("xiaoya")}))
        .await;
    assert_eq!(following(&mut again).await, [handle_of("dazhuang")]);

    // Strangers, login names (shoppers know agents by their handle) and a supervisor who
    // takes no chats.
    let boss = qin_testkit::handle_in(&routing_config(), "afu", SUPERVISOR);
    for agent in ["nobody", "xiaoya", boss.as_str()] {
        let code = refused(&mut again, json!({"type": "follow", "agent": agent})).await;
        assert_eq!(code, "not_found", "follow {agent}");
        let code = refused(&mut again, json!({"type": "unfollow", "agent": agent})).await;
        assert_eq!(code, "not_found", "unfollow {agent}");
    }
    let code = refused(
        &mut again,
        json!({"type": "follow", "agent": "no such id!"}),
    )
    .await;
    assert_eq!(code, "bad_frame");
    let code = refused(&mut again, json!({"type": "follow"})).await;
    assert_eq!(code, "bad_frame");

    let (mut agent, welcome) = console(gw.addr, "anhong").await;
    assert!(welcome.get("following").is_none());
    let code = refused(
        &mut agent,
        json!({"type": "follow", "agent": handle_of("xiaoya")}),
    )
    .await;
    assert_eq!(code, "forbidden");
    gw.node.stop().await;
}

#[tokio::test]
async fn choose_needs_the_shoppers_own_open_conversation() {
    let gw = Gateway::start().await;
    let mut nudges = gw.bus.subscribe(&topic::shop(&shop())).await.unwrap();
    let (mut owner, _) = shopper(gw.addr, None).await;
    let conv = open(&mut owner, "lady").await;
    let (mut stranger, _) = shopper(gw.addr, None).await;

    let choose =
        |conv: &str, choice: &str| json!({"type": "choose", "conv": conv, "choice": choice});
    assert_eq!(
        refused(&mut stranger, choose(&conv, "any_agent")).await,
        "forbidden"
    );
    assert_eq!(
        refused(&mut stranger, choose("cNoSuchChat", "wait")).await,
        "not_found"
    );
    assert_eq!(
        refused(&mut owner, choose(&conv, "maybe")).await,
        "bad_frame"
    );
    let (mut agent, _) = console(gw.addr, "anhong").await;
    assert_eq!(
        refused(&mut agent, choose(&conv, "wait")).await,
        "forbidden"
    );

    owner.send(choose(&conv, "any_agent")).await;
    no_error_so_far(&mut owner).await;
    let inbox = gw.inbox().await;
    assert_eq!(
        inbox,
        [json!({"request": "choose", "conv": conv, "choice": "any_agent"})]
    );
    // The router is nudged on the shop topic (after the chat_opened of `open`).
    let nudged = tokio::time::timeout(qin_testkit::WAIT, async {
        while let Some(payload) = nudges.recv().await {
            let event: Value = serde_json::from_slice(&payload).unwrap();
            if event["event"] == "request_pending" {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(nudged, Ok(true), "no request_pending on the shop topic");

    owner.send(json!({"type": "close", "conv": conv})).await;
    conversation_state(&mut owner, &conv, "closed").await;
    assert_eq!(refused(&mut owner, choose(&conv, "wait")).await, "conflict");
    gw.node.stop().await;
}

#[tokio::test]
async fn transfers_are_checked_before_the_router_hears_of_them() {
    let gw = Gateway::start().await;
    let (mut anhong, welcome) = console(gw.addr, "anhong").await;
    assert!(welcome.get("supervisor").is_none(), "{welcome}");
    let (mut xiaoya, _) = console(gw.addr, "xiaoya").await;
    let (mut shopper_ws, shopper_welcome) = shopper(gw.addr, None).await;
    let conv = gw.assigned(&shopper_welcome, "anhong").await;

    let transfer = |extra: Value| {
        let mut frame = json!({"type": "transfer", "conv": conv});
        frame
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        frame
    };
    let long = "长".repeat(4001);
    for (extra, code) in [
        (json!({}), "bad_frame"),
        (
            json!({"to_agent": "xiaoya", "to_group": "bold"}),
            "bad_frame",
        ),
        (json!({"to_agent": "anhong"}), "bad_frame"),
        (json!({"to_agent": "nobody"}), "not_found"),
        (json!({"to_group": "nogroup"}), "not_found"),
        (json!({"to_group": "bold", "note": "  "}), "bad_frame"),
        (json!({"to_group": "bold", "note": long}), "too_large"),
    ] {
        let frame = transfer(extra.clone());
        assert_eq!(refused(&mut anhong, frame).await, code, "{extra}");
    }
    let to_bold = transfer(json!({"to_group": "bold"}));
    assert_eq!(refused(&mut xiaoya, to_bold.clone()).await, "forbidden");
    let unknown = json!({"type": "transfer", "conv": "cNoSuchChat", "to_group": "bold"});
    assert_eq!(refused(&mut anhong, unknown).await, "not_found");
    assert_eq!(refused(&mut shopper_ws, to_bold.clone()).await, "forbidden");
    assert!(
        gw.inbox().await.is_empty(),
        "refused transfers reached the router"
    );

    anhong
        .send(transfer(
            json!({"to_agent": "xiaoya", "note": "要发票，已核实订单"}),
        ))
        .await;
    anhong.send(to_bold.clone()).await;
    anhong
        .send(json!({"type": "status", "state": "online"}))
        .await;
    anhong.recv_type("status").await;
    assert!(!anhong.received(|f| f["type"] == "error"));
    let by = json!({"role": "agent", "id": "anhong", "name": "安红"});
    assert_eq!(
        gw.inbox().await,
        [
            json!({"request": "transfer", "conv": conv, "by": by, "to_agent": "xiaoya",
                   "to_group": null, "note": "要发票，已核实订单"}),
            json!({"request": "transfer", "conv": conv, "by": by, "to_agent": null,
                   "to_group": "bold", "note": null}),
        ]
    );

    gw.close(&conv).await;
    assert_eq!(refused(&mut anhong, to_bold).await, "conflict");
    gw.node.stop().await;
}

#[tokio::test]
async fn a_supervisor_is_told_so_in_welcome() {
    let gw = Gateway::start().await;
    let (_ws, welcome) = console(gw.addr, SUPERVISOR).await;
    assert_eq!(welcome["supervisor"], true, "{welcome}");
    assert_eq!(welcome["max_chats"], 0);
    gw.node.stop().await;
}

#[tokio::test]
async fn supervisor_endpoints_need_a_supervisor_of_the_shop() {
    let gw = Gateway::start().await;
    let boss = login(gw.addr, SUPERVISOR).await;
    let agent = login(gw.addr, "anhong").await;
    let (_shopper_ws, shopper_welcome) = shopper(gw.addr, None).await;
    let shopper_token = shopper_welcome["token"].as_str().unwrap().to_owned();
    let conv = gw.assigned(&shopper_welcome, "anhong").await;

    let endpoints = [
        ("GET", format!("/api/conversations/{conv}/routing"), None),
        (
            "POST",
            format!("/api/conversations/{conv}/assign"),
            Some(json!({"group": "bold"})),
        ),
        ("GET", "/api/shops/afu/profile".to_owned(), None),
        (
            "PUT",
            "/api/shops/afu/profile".to_owned(),
            Some(json!({"profile": "double11"})),
        ),
        ("GET", "/api/shops/afu/groups".to_owned(), None),
    ];
    for (method, path, body) in &endpoints {
        for (token, status) in [
            (None, 401),
            (Some("not-a-token"), 401),
            (Some(shopper_token.as_str()), 403),
            (Some(agent.as_str()), 403),
        ] {
            let res = gw.http(method, path, token, body.clone()).await;
            assert_eq!(
                res.status, status,
                "{method} {path} with {token:?}: {}",
                res.body
            );
            let code = res.json()["error"]["code"].clone();
            assert!(
                code.is_string(),
                "{method} {path}: no error code in {}",
                res.body
            );
        }
        let res = gw.http(method, path, Some(&boss), body.clone()).await;
        assert!(
            res.status == 200 || res.status == 202,
            "{method} {path} as supervisor: {} {}",
            res.status,
            res.body
        );
    }
    for (method, path, body) in [
        ("GET", "/api/conversations/cNoSuchChat/routing", None),
        (
            "POST",
            "/api/conversations/cNoSuchChat/assign",
            Some(json!({"group": "bold"})),
        ),
        (
            "POST",
            "/api/conversations/not%20an%20id/assign",
            Some(json!({"group": "bold"})),
        ),
        ("GET", "/api/shops/nosuchshop/profile", None),
        (
            "PUT",
            "/api/shops/nosuchshop/profile",
            Some(json!({"profile": null})),
        ),
        ("GET", "/api/shops/nosuchshop/groups", None),
    ] {
        let res = gw.http(method, path, Some(&boss), body).await;
        assert_eq!(res.status, 404, "{method} {path}: {}", res.body);
        assert_eq!(res.json()["error"]["code"], "not_found");
    }
    // The staff directory is for every agent of the shop, not shoppers.
    let staff = gw
        .http("GET", "/api/shops/afu/staff", Some(&agent), None)
        .await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    assert!(staff.json()["agents"].as_array().unwrap().len() >= 8);
    let staff = gw
        .http("GET", "/api/shops/afu/staff", Some(&shopper_token), None)
        .await;
    assert_eq!(staff.status, 403);
    gw.node.stop().await;
}

#[tokio::test]
async fn supervisors_reassign_chats_and_switch_profiles_through_the_router() {
    let gw = Gateway::start().await;
    let boss = login(gw.addr, SUPERVISOR).await;
    let (_shopper_ws, shopper_welcome) = shopper(gw.addr, None).await;
    let conv = gw.assigned(&shopper_welcome, "anhong").await;
    let assign = format!("/api/conversations/{conv}/assign");

    let long = "长".repeat(4001);
    for (body, status) in [
        (json!({}), 400),
        (json!({"agent": "xiaoya", "group": "bold"}), 400),
        (json!({"agent": "nobody"}), 400),
        (json!({"group": "nogroup"}), 400),
        (json!({"agent": "bad id!"}), 400),
        (json!({"group": "bold", "colour": "red"}), 400),
        (json!({"group": "bold", "note": " "}), 400),
        (json!({"group": "bold", "note": long}), 413),
        (json!({"agent": "anhong"}), 409),
        (json!("bold"), 400),
    ] {
        let res = gw
            .http("POST", &assign, Some(&boss), Some(body.clone()))
            .await;
        assert_eq!(res.status, status, "{body}: {}", res.body);
    }
    let no_json = gw.http("POST", &assign, Some(&boss), None).await;
    assert_eq!(no_json.status, 400, "{}", no_json.body);
    assert!(gw.inbox().await.is_empty());

    let res = gw
        .http(
            "POST",
            &assign,
            Some(&boss),
            Some(json!({"agent": "xiaoya", "note": "VIP"})),
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.json(), json!({"accepted": true}));

    let profile = "/api/shops/afu/profile";
    for body in [
        json!({}),
        json!({"profile": 11}),
        json!({"profile": "double12"}),
    ] {
        let res = gw
            .http("PUT", profile, Some(&boss), Some(body.clone()))
            .await;
        assert_eq!(res.status, 400, "{body}: {}", res.body);
        assert_eq!(res.json()["error"]["code"], "bad_frame");
    }
    for body in [json!({"profile": "double11"}), json!({"profile": null})] {
        let res = gw.http("PUT", profile, Some(&boss), Some(body)).await;
        assert_eq!(res.status, 202, "{}", res.body);
    }
    let by = json!({"role": "supervisor", "id": SUPERVISOR, "name": by_name(&gw).await});
    assert_eq!(
        gw.inbox().await,
        [
            json!({"request": "transfer", "conv": conv, "by": by, "to_agent": "xiaoya",
                   "to_group": null, "note": "VIP"}),
            json!({"request": "set_profile", "profile": "double11", "by": by}),
            json!({"request": "set_profile", "profile": null, "by": by}),
        ]
    );

    let res = gw.http("GET", profile, Some(&boss), None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["profile"], Value::Null);
    assert!(
        res.json()["profiles"]
            .as_array()
            .unwrap()
            .contains(&json!("double11"))
    );
    gw.store
        .set_profile(&shop(), Some("double11"))
        .await
        .unwrap();
    let res = gw.http("GET", profile, Some(&boss), None).await;
    assert_eq!(res.json()["profile"], "double11");

    gw.close(&conv).await;
    let res = gw
        .http("POST", &assign, Some(&boss), Some(json!({"group": "bold"})))
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(res.json()["error"]["code"], "conflict");
    gw.node.stop().await;
}

/// The supervisor's display name as logged in.
async fn by_name(gw: &Gateway) -> String {
    let body = json!({"shop": "afu", "agent": SUPERVISOR, "password": "qin-demo"});
    let res = gw.http("POST", "/api/login", None, Some(body)).await;
    res.json()["agent"]["name"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn routing_records_and_groups_are_shown_as_stored() {
    let gw = Gateway::start().await;
    let boss = login(gw.addr, SUPERVISOR).await;
    let (_shopper_ws, shopper_welcome) = shopper(gw.addr, None).await;
    let conv = gw.assigned(&shopper_welcome, "anhong").await;
    let record = json!({"ts": 1700000000000_i64, "rule": "least_loaded", "group": "lady",
        "agent": "anhong", "from": null, "position": null, "note": null, "profile": null,
        "candidates": [{"agent": "anhong", "status": "online", "load": 1.5, "max": 5}]});
    let id = ConvId::parse(conv.as_str()).unwrap();
    gw.store
        .append_routing(&id, &record.to_string())
        .await
        .unwrap();
    let res = gw
        .http(
            "GET",
            &format!("/api/conversations/{conv}/routing"),
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.json(),
        json!({"conv": conv, "state": "assigned", "group": "lady", "agent": "anhong",
               "decisions": [record]})
    );

    let res = gw
        .http("GET", "/api/shops/afu/groups", Some(&boss), None)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let groups = res.json()["groups"].as_array().unwrap().clone();
    let ids: Vec<_> = groups.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["lady", "bold", "fresh", "zany"]);
    gw.node.stop().await;
}

// ---- with the router: its answers reach the sockets ----

#[tokio::test]
async fn a_transfer_moves_the_chat_with_a_note_for_agents_only() {
    let (node, addr) = embedded(routing_config()).await;
    let (anhong, _) = online_agent(addr, "anhong").await;
    let (xiaoya, _) = online_agent(addr, "xiaoya").await;
    let (mut shopper_ws, _) = shopper(addr, None).await;
    let conv = open(&mut shopper_ws, "lady").await;
    let assigned = conversation_state(&mut shopper_ws, &conv, "assigned").await;
    // Whoever got it hands it to the other.
    let (from, to, mut old, mut new) = if assigned["agent"]["id"] == handle_of("anhong") {
        ("anhong", "xiaoya", anhong, xiaoya)
    } else {
        ("xiaoya", "anhong", xiaoya, anhong)
    };

    old.send(json!({"type": "transfer", "conv": conv, "to_agent": to, "note": "要发票"}))
        .await;
    let gone = old.recv_type("unassigned").await;
    assert_eq!(
        gone,
        json!({"type": "unassigned", "conv": conv, "reason": "transferred"})
    );
    let got = new
        .recv_where(|f| f["type"] == "assigned" && f["conv"] == conv.as_str())
        .await
        .expect("the new agent is told");
    assert_eq!(
        got["handover"],
        json!({"from": from, "reason": "transfer", "note": "要发票"})
    );
    let moved = shopper_ws
        .recv_where(|f| f["type"] == "conversation" && f["agent"]["id"] == handle_of(to))
        .await
        .expect("the shopper sees the new agent");
    assert!(
        moved.get("handover").is_none(),
        "handover reached the shopper: {moved}"
    );
    let seq = new.send_message(&conv, "n1", "亲，我来帮您开发票").await;
    let reply = shopper_ws.recv_message(&conv, "亲，我来帮您开发票").await;
    assert_eq!(reply["seq"], seq);

    let boss = login(addr, SUPERVISOR).await;
    let res = http(
        &addr.to_string(),
        "GET",
        &format!("/api/conversations/{conv}/routing"),
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let body = res.json();
    assert_eq!(body["agent"], to);
    let rules: Vec<_> = body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(rules.contains(&"transfer".to_owned()), "{rules:?}");
    assert!(!shopper_ws.received(|f| f.to_string().contains("要发票")));
    node.stop().await;
}

#[tokio::test]
async fn a_transfer_nobody_can_take_is_refused_and_nothing_moves() {
    let (node, addr) = embedded(routing_config()).await;
    let (mut anhong, _) = online_agent(addr, "anhong").await;
    let (mut shopper_ws, _) = shopper(addr, None).await;
    let conv = open(&mut shopper_ws, "lady").await;
    conversation_state(&mut shopper_ws, &conv, "assigned").await;
    anhong.recv_type("assigned").await;
    // xiaoya is offline: she cannot take it.
    anhong
        .send(json!({"type": "transfer", "conv": conv, "to_agent": "xiaoya"}))
        .await;
    let e = error_code(&mut anhong, "conflict").await;
    assert_eq!(e["ref"], "transfer", "{e}");
    anhong.send_message(&conv, "still-mine", "亲，还是我").await;
    assert!(!anhong.received(|f| f["type"] == "unassigned"));
    node.stop().await;
}

#[tokio::test]
async fn a_followed_agent_gets_the_next_chat_and_a_busy_one_is_offered() {
    let mut config = routing_config();
    for a in &mut config.shops[0].agents {
        if a.id.as_str() == "xiaoya" {
            a.max_chats = 1;
        }
    }
    let (node, addr) = embedded(config).await;
    let (_anhong, _) = online_agent(addr, "anhong").await;
    let (mut xiaoya, _) = online_agent(addr, "xiaoya").await;

    let (mut fan, _) = shopper(addr, None).await;
    fan.send(json!({"type": "follow", "agent": handle_of("xiaoya")}))
        .await;
    assert_eq!(following(&mut fan).await, [handle_of("xiaoya")]);
    let first = open(&mut fan, "lady").await;
    let assigned = conversation_state(&mut fan, &first, "assigned").await;
    assert_eq!(
        assigned["agent"]["id"],
        handle_of("xiaoya"),
        "the fan's favourite"
    );
    xiaoya.recv_type("assigned").await;

    // xiaoya is full now: a second fan is offered to wait for her or take anyone.
    let (mut second, _) = shopper(addr, None).await;
    second
        .send(json!({"type": "follow", "agent": handle_of("xiaoya")}))
        .await;
    following(&mut second).await;
    let conv = open(&mut second, "lady").await;
    let waiting = conversation_state(&mut second, &conv, "waiting_agent").await;
    assert_eq!(waiting["agent"]["id"], handle_of("xiaoya"), "{waiting}");
    assert_eq!(waiting["position"], 1, "{waiting}");
    second
        .send(json!({"type": "choose", "conv": conv, "choice": "any_agent"}))
        .await;
    let assigned = conversation_state(&mut second, &conv, "assigned").await;
    assert_eq!(assigned["agent"]["id"], handle_of("anhong"));
    node.stop().await;
}

#[tokio::test]
async fn a_picked_group_beats_a_followed_agent_of_another_group() {
    let (node, addr) = embedded(routing_config()).await;
    let (_anhong, _) = online_agent(addr, "anhong").await;
    let (_shasha, _) = online_agent(addr, "shasha").await;
    let (mut fan, _) = shopper(addr, None).await;
    fan.send(json!({"type": "follow", "agent": handle_of("anhong")}))
        .await;
    assert_eq!(following(&mut fan).await, [handle_of("anhong")]);

    // She follows 安红 of 淑女组 but picks 小清新: a 小清新 agent, 小清新's greeting.
    let conv = open(&mut fan, "fresh").await;
    let assigned = conversation_state(&mut fan, &conv, "assigned").await;
    assert_eq!(
        (&assigned["agent"]["id"], &assigned["group"]),
        (&json!(handle_of("shasha")), &json!("fresh")),
        "{assigned}"
    );
    fan.send(json!({"type": "close", "conv": conv})).await;
    conversation_state(&mut fan, &conv, "closed").await;

    // Opening without a group (or with hers) brings her back to 安红.
    fan.send(json!({"type": "open"})).await;
    let opened = fan.recv_type("conversation").await;
    let conv = opened["conv"].as_str().unwrap().to_owned();
    let assigned = conversation_state(&mut fan, &conv, "assigned").await;
    assert_eq!(assigned["agent"]["id"], handle_of("anhong"), "{assigned}");
    node.stop().await;
}

#[tokio::test]
async fn while_the_shop_is_closed_shoppers_are_told_when_it_opens() {
    let mut config = routing_config();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let shop = &mut config.shops[0];
    let calendar = shop.hours.calendar().unwrap();
    let day = 86_400_000;
    // Closed today and tomorrow (local dates): it opens the day after.
    shop.hours.holidays = vec![calendar.date(now), calendar.date(now + day)];
    let (node, addr) = embedded(config).await;
    let (_anhong, _) = online_agent(addr, "anhong").await;
    let (mut first, welcome) = shopper(addr, None).await;
    let opens_at = |groups: &Value| -> Vec<i64> {
        groups
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                g["opens_at"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("no opens_at: {g}"))
            })
            .collect()
    };
    let told = opens_at(&welcome["groups"]);
    assert!(told.iter().all(|&t| t > now + day), "{told:?}");
    // Once the router has queued a chat, what it stored says the same.
    let conv = open(&mut first, "lady").await;
    conversation_state(&mut first, &conv, "queued").await;
    let (_second, welcome) = shopper(addr, None).await;
    assert_eq!(opens_at(&welcome["groups"]), told);
    node.stop().await;
}

#[tokio::test]
async fn a_queued_chat_whose_shopper_left_is_closed_as_abandoned() {
    let mut config = routing_config();
    config.shops[0].routing.abandon_after_s = 1;
    let (node, addr) = embedded(config).await; // nobody online: every chat waits
    let (mut gone, _) = shopper(addr, None).await;
    let left = open(&mut gone, "lady").await;
    conversation_state(&mut gone, &left, "queued").await;
    let (mut blip, blip_welcome) = shopper(addr, None).await;
    let reconnected = open(&mut blip, "lady").await;
    conversation_state(&mut blip, &reconnected, "queued").await;
    let (mut stays, _) = shopper(addr, None).await;
    let stayed = open(&mut stays, "lady").await;
    let queued = conversation_state(&mut stays, &stayed, "queued").await;
    assert_eq!(queued["position"], 3, "{queued}");

    gone.close().await; // for good
    blip.close().await; // and back at once, with her token
    let token = blip_welcome["token"].as_str().expect("token");
    let (mut blip, welcome) = shopper(addr, Some(token)).await;
    assert_eq!(welcome["conversations"][0]["conv"], reconnected.as_str());

    // The one who left is gone from the queue: everyone behind her moves up.
    let moved = stays
        .recv_where(|f| {
            f["type"] == "conversation" && f["conv"] == stayed.as_str() && f["position"] == 2
        })
        .await
        .expect("the queue moves up");
    assert_eq!(moved["state"], "queued");
    let boss = login(addr, SUPERVISOR).await;
    let routing = |conv: &str| {
        let path = format!("/api/conversations/{conv}/routing");
        let (host, boss) = (addr.to_string(), boss.clone());
        async move { http(&host, "GET", &path, Some(&boss), None).await.json() }
    };
    // Closed and recorded as abandoned (applied beside the queue's news, so maybe a moment
    // after it).
    eventually("the chat closed as abandoned", async || {
        let record = routing(&left).await;
        let last = record["decisions"]
            .as_array()
            .and_then(|d| d.last())
            .cloned();
        let rule = last.as_ref().map(|d| d["rule"].clone());
        if record["state"] == "closed" && rule == Some(json!("abandoned")) {
            Ok(())
        } else {
            Err(record)
        }
    })
    .await;
    // The shopper who came back within the grace still waits, now first.
    assert_eq!(routing(&reconnected).await["state"], "queued");
    blip.recv_where(|f| f["conv"] == reconnected.as_str() && f["position"] == 1)
        .await
        .expect("first in the queue");
    node.stop().await;
}

#[tokio::test]
async fn a_supervisor_reassigning_a_queued_chat_passes_the_note_on() {
    let (node, addr) = embedded(routing_config()).await;
    let (mut dazhuang, _) = online_agent(addr, "dazhuang").await;
    let (mut shopper_ws, _) = shopper(addr, None).await;
    let conv = open(&mut shopper_ws, "lady").await; // nobody of 淑女组 is online
    conversation_state(&mut shopper_ws, &conv, "queued").await;

    let boss = login(addr, SUPERVISOR).await;
    let body = json!({"agent": "dazhuang", "note": "老顾客，上次的快递破损了"});
    let res = http(
        &addr.to_string(),
        "POST",
        &format!("/api/conversations/{conv}/assign"),
        Some(&boss),
        Some(&body),
    )
    .await;
    assert_eq!(res.status, 202, "{}", res.body);
    let got = dazhuang
        .recv_where(|f| f["type"] == "assigned" && f["conv"] == conv.as_str())
        .await
        .expect("dazhuang gets the chat");
    assert_eq!(
        got["handover"],
        json!({"reason": "reassign", "note": "老顾客，上次的快递破损了"}),
        "{got}"
    );
    let moved = conversation_state(&mut shopper_ws, &conv, "assigned").await;
    assert!(moved.get("handover").is_none(), "{moved}");
    assert!(!shopper_ws.received(|f| f.to_string().contains("快递破损")));
    node.stop().await;
}

#[tokio::test]
async fn a_supervisor_reassignment_and_profile_switch_take_effect() {
    let (node, addr) = embedded(routing_config()).await;
    let (_anhong, _) = online_agent(addr, "anhong").await;
    let (mut dazhuang, _) = online_agent(addr, "dazhuang").await;
    let (mut shopper_ws, _) = shopper(addr, None).await;
    let conv = open(&mut shopper_ws, "lady").await;
    conversation_state(&mut shopper_ws, &conv, "assigned").await;

    let boss = login(addr, SUPERVISOR).await;
    let host = addr.to_string();
    let body = json!({"group": "bold", "note": "顾客想要更直接的回答"});
    let res = http(
        &host,
        "POST",
        &format!("/api/conversations/{conv}/assign"),
        Some(&boss),
        Some(&body),
    )
    .await;
    assert_eq!(res.status, 202, "{}", res.body);
    let got = dazhuang
        .recv_where(|f| f["type"] == "assigned" && f["conv"] == conv.as_str())
        .await
        .expect("dazhuang of 重口味 gets the chat");
    assert_eq!(got["handover"]["reason"], "reassign", "{got}");
    assert_eq!(got["handover"]["note"], "顾客想要更直接的回答");

    let res = http(
        &host,
        "PUT",
        "/api/shops/afu/profile",
        Some(&boss),
        Some(&json!({"profile": "double11"})),
    )
    .await;
    assert_eq!(res.status, 202, "{}", res.body);
    eventually("the profile switched to double11", async || {
        let res = http(&host, "GET", "/api/shops/afu/profile", Some(&boss), None).await;
        if res.json()["profile"] == "double11" {
            Ok(())
        } else {
            Err(res.body)
        }
    })
    .await;
    // The staff list shows the caps in force (the profile's 12), the configured ones beside.
    let res = http(&host, "GET", "/api/shops/afu/staff", Some(&boss), None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let staff = res.json();
    let entry = |id: &str| {
        staff["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not in {staff}"))
    };
    let anhong = entry("anhong");
    assert_eq!(
        (&anhong["max_chats"], &anhong["configured_max_chats"]),
        (&json!(12), &json!(5)),
        "{anhong}"
    );
    let boss_entry = entry(SUPERVISOR);
    assert_eq!(
        boss_entry["max_chats"], 0,
        "a supervisor taking no chats keeps 0"
    );
    let res = http(&host, "GET", "/api/shops/afu/profile", Some(&boss), None).await;
    assert_eq!(res.json()["in_force"], "double11", "{}", res.body);
    // A console signing in now is told its cap in force.
    let (_, welcome) = online_agent(addr, "xiaoya").await;
    assert_eq!(welcome["max_chats"], 12, "{welcome}");
    node.stop().await;
}
