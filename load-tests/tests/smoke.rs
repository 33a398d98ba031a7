//! Smoke run of the load generator: a few relay pairs for about two seconds through two Qin
//! gateways on a private Redis, and nothing lost, duplicated or reordered.

use qin::{Backend, Node, NodeOptions, Roles};
use qin_load::scenario::RelaySpec;
use qin_load::target::{Dialect, Target};
use qin_load::{qinconf, relay};
use qin_testkit::{RedisServer, unique_prefix};
use std::time::Duration;

async fn node(config: &qin_config::Config, roles: &str, backend: &Backend) -> Node {
    let roles: Roles = roles.parse().expect("roles");
    Node::start(NodeOptions {
        config: config.clone(),
        roles,
        backend: backend.clone(),
        listen: "127.0.0.1:0".into(),
        config_file: None,
    })
    .await
    .expect("node starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_smoke_run_loses_nothing() {
    let redis = RedisServer::start();
    let mut config =
        qin_config::Config::parse(&qinconf::generate(8, 5), "generated").expect("config");
    config.server.secret = "smoke-secret-0123456789abcdef0123456789".into();
    let backend = Backend::Redis {
        url: redis.url(),
        key_prefix: unique_prefix(),
    };
    let router = node(&config, "router,autoreply", &backend).await;
    let a = node(&config, "gateway", &backend).await;
    let b = node(&config, "gateway", &backend).await;
    let target = Target {
        dialect: Dialect::Qin,
        gateways: vec![a.addr.expect("a"), b.addr.expect("b")],
        procs: Vec::new(),
        shop: "afu".into(),
        password: qinconf::PASSWORD.into(),
    };
    let spec = RelaySpec {
        pairs: 4,
        rates: vec![200, 400],
        step_s: 1.0,
        body_bytes: 64,
        drain_s: 5.0,
    };
    let result = tokio::time::timeout(Duration::from_secs(60), relay::run(&target, &spec, false))
        .await
        .expect("relay finishes")
        .expect("relay runs");
    assert!(result.sent > 400, "{result:?}");
    assert_eq!(result.acked, result.sent, "{result:?}");
    assert!(result.clean(), "{result:?}");
    assert_eq!(result.steps_skipped, 0, "{result:?}");
    assert_eq!(result.delivered, result.sent, "{result:?}");
    for node in [a, b, router] {
        node.stop().await;
    }
}
