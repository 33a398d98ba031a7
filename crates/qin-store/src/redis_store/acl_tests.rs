//! The Redis store as the least-privileged ACL user of `docs/security.md` (only its commands,
//! only keys under its prefix): every conformance case passes with those rights.

use super::RedisStore;
use crate::{Store, conformance};
use qin_testkit::{RedisServer, WAIT, qin_acl_rules, unique_prefix};
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "store-acl-password-0123456789abcdef";

/// Bound for the whole suite, run case after case.
const SUITE_WAIT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_passes_as_the_documented_acl_user() {
    let prefix = unique_prefix();
    let server = RedisServer::builder()
        .acl_user("qin", PASSWORD, &qin_acl_rules(&prefix))
        .start();
    let url = server.url_with_credentials("qin", PASSWORD);
    let store = tokio::time::timeout(WAIT, RedisStore::connect(&url, &prefix))
        .await
        .expect("connect timed out")
        .expect("connect as the ACL user");
    let store: Arc<dyn Store> = Arc::new(store);
    tokio::time::timeout(SUITE_WAIT, conformance::run_all(&store))
        .await
        .expect("suite timed out");
}

#[tokio::test]
async fn the_acl_user_may_not_touch_other_keys_or_the_server() {
    let prefix = unique_prefix();
    let server = RedisServer::builder()
        .acl_user("qin", PASSWORD, &qin_acl_rules(&prefix))
        .start();
    let client = redis::Client::open(server.url_with_credentials("qin", PASSWORD)).expect("url");
    let mut conn = tokio::time::timeout(WAIT, client.get_multiplexed_async_connection())
        .await
        .expect("connect timed out")
        .expect("connect");
    let mut refused = async |cmd: &mut redis::Cmd| {
        let answer: redis::RedisResult<redis::Value> = cmd.query_async(&mut conn).await;
        let error = answer.expect_err("the ACL must refuse it");
        assert!(
            error.to_string().to_uppercase().contains("NOPERM"),
            "{error}"
        );
    };
    refused(redis::cmd("SET").arg("elsewhere:key").arg("1")).await;
    refused(&mut redis::cmd("FLUSHALL")).await;
    refused(redis::cmd("CONFIG").arg("GET").arg("*")).await;
    refused(redis::cmd("KEYS").arg("*")).await;
    let ours: redis::RedisResult<()> = redis::cmd("SET")
        .arg(format!("{prefix}key"))
        .arg("1")
        .query_async(&mut conn)
        .await;
    ours.expect("its own prefix is allowed");
}
