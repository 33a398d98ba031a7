//! The Redis bus as the least-privileged ACL user of `docs/security.md` (only its commands,
//! only channels under its prefix): the whole conformance suite passes with those rights, and
//! a wrong password is refused at connect without being echoed.

use super::RedisBus;
use crate::BusError;
use qin_testkit::{RedisServer, WAIT, qin_acl_rules, unique_prefix};
use tokio::time::timeout;

const PASSWORD: &str = "bus-acl-password-0123456789abcdef";

async fn connect(url: &str, prefix: &str) -> crate::Result<RedisBus> {
    timeout(WAIT, RedisBus::connect(url, prefix))
        .await
        .expect("connect timed out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_passes_as_the_documented_acl_user() {
    let prefix = unique_prefix();
    let server = RedisServer::builder()
        .acl_user("qin", PASSWORD, &qin_acl_rules(&prefix))
        .start();
    let url = server.url_with_credentials("qin", PASSWORD);
    let a = connect(&url, &prefix).await.expect("connect a");
    let b = connect(&url, &prefix).await.expect("connect b");
    let all = crate::conformance::run_all(&a, &b);
    timeout(WAIT * 6, all).await.expect("suite timed out");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_not_echoed() {
    let prefix = unique_prefix();
    let server = RedisServer::builder()
        .acl_user("qin", PASSWORD, &qin_acl_rules(&prefix))
        .start();
    let wrong = "not-the-password-0123456789abcdef";
    let refused = connect(&server.url_with_credentials("qin", wrong), &prefix).await;
    let Err(BusError::Unavailable(why)) = refused else {
        panic!("a wrong password must be refused: {refused:?}");
    };
    assert!(!why.contains(wrong), "{why}");
    assert!(why.to_lowercase().contains("auth"), "{why}");
}
