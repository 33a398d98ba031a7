//! Logins through the handler: lockouts with `Retry-After`, the address throttle, dummy
//! checks for names that do not exist, and the bound on password checks.

use super::*;
use crate::testing::{Gateway, demo_config};
use axum::http::StatusCode;
use qin_testkit::eventually;
use std::sync::atomic::Ordering::SeqCst;

fn gateway(login: LoginConfig) -> Gateway {
    let mut config = demo_config();
    config.login = login;
    Gateway::with_config(config)
}

/// Status and `Retry-After` of a login of `agent` of shop `afu` from `ip`.
async fn try_login(
    gw: &Gateway,
    ip: &str,
    agent: &str,
    password: &str,
) -> (StatusCode, Option<u64>) {
    try_shop(gw, ip, "afu", agent, password).await
}

async fn try_shop(
    gw: &Gateway,
    ip: &str,
    shop: &str,
    agent: &str,
    password: &str,
) -> (StatusCode, Option<u64>) {
    let peer = ClientAddr(ip.parse().unwrap());
    let request = LoginRequest {
        shop: ShopId::parse(shop).unwrap(),
        agent: AgentId::parse(agent).unwrap(),
        password: password.into(),
    };
    let response = match login(State(gw.state.clone()), peer, Ok(Json(request))).await {
        Ok(answer) => answer.into_response(),
        Err(refusal) => refusal,
    };
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (response.status(), retry_after)
}

/// Password checks run so far.
fn checks(gw: &Gateway) -> u64 {
    gw.state.login.checks().run.load(SeqCst)
}

const UNAUTHORIZED: (StatusCode, Option<u64>) = (StatusCode::UNAUTHORIZED, None);
const OK: (StatusCode, Option<u64>) = (StatusCode::OK, None);

#[tokio::test]
async fn an_agent_is_locked_out_after_her_failures_even_with_the_right_password() {
    let gw = gateway(LoginConfig {
        agent_failures: 3,
        lock_s: 1,
        lock_max_s: 1,
        ..LoginConfig::default()
    });
    for _ in 0..3 {
        assert_eq!(
            try_login(&gw, "10.0.0.1", "anhong", "guess").await,
            UNAUTHORIZED
        );
    }
    assert_eq!(checks(&gw), 3);
    // Locked: the right password is refused too, without a password check, from anywhere.
    let locked = (StatusCode::TOO_MANY_REQUESTS, Some(1));
    assert_eq!(
        try_login(&gw, "10.0.0.1", "anhong", "qin-demo").await,
        locked
    );
    assert_eq!(
        try_login(&gw, "10.0.0.9", "anhong", "qin-demo").await,
        locked
    );
    assert_eq!(checks(&gw), 3);
    // Other agents are not affected.
    assert_eq!(try_login(&gw, "10.0.0.1", "xiaoya", "qin-demo").await, OK);
    // Once the lock is over, the right password works.
    eventually("anhong's lock ends", async || {
        try_login(&gw, "10.0.0.1", "anhong", "qin-demo").await == OK
    })
    .await;
}

#[tokio::test]
async fn a_success_forgets_the_agents_failures() {
    let gw = gateway(LoginConfig {
        agent_failures: 3,
        ..LoginConfig::default()
    });
    for _ in 0..2 {
        assert_eq!(
            try_login(&gw, "10.0.0.1", "anhong", "guess").await,
            UNAUTHORIZED
        );
    }
    assert_eq!(try_login(&gw, "10.0.0.1", "anhong", "qin-demo").await, OK);
    for _ in 0..2 {
        assert_eq!(
            try_login(&gw, "10.0.0.1", "anhong", "guess").await,
            UNAUTHORIZED
        );
    }
    assert_eq!(try_login(&gw, "10.0.0.1", "anhong", "qin-demo").await, OK);
}

#[tokio::test]
async fn an_address_is_locked_out_across_agent_names() {
    let gw = gateway(LoginConfig {
        agent_failures: 100,
        address_failures: 3,
        lock_s: 60,
        ..LoginConfig::default()
    });
    for agent in ["nobody", "somebody", "anhong"] {
        assert_eq!(
            try_login(&gw, "192.0.2.7", agent, "guess").await,
            UNAUTHORIZED
        );
    }
    let (status, retry_after) = try_login(&gw, "192.0.2.7", "xiaoya", "qin-demo").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        retry_after.is_some_and(|s| (1..=60).contains(&s)),
        "{retry_after:?}"
    );
    assert_eq!(checks(&gw), 3);
    // Another address is not.
    assert_eq!(try_login(&gw, "192.0.2.8", "xiaoya", "qin-demo").await, OK);
}

#[tokio::test]
async fn unknown_shops_and_agents_and_disabled_agents_cost_a_password_check_too() {
    let mut config = demo_config();
    config.shops[0].agents[1].disabled = true; // xiaoya
    let gw = Gateway::with_config(config);
    let cases = [
        ("afu", "anhong", "guess"),
        ("afu", "nobody", "qin-demo"),
        ("nosuchshop", "anhong", "qin-demo"),
        ("afu", "xiaoya", "qin-demo"),
    ];
    for (i, (shop, agent, password)) in cases.into_iter().enumerate() {
        let answer = try_shop(&gw, "10.0.0.1", shop, agent, password).await;
        assert_eq!(answer, UNAUTHORIZED, "{shop}/{agent}");
        assert_eq!(
            checks(&gw),
            i as u64 + 1,
            "{shop}/{agent}: no password check"
        );
    }
}

#[tokio::test]
async fn unknown_agent_names_are_locked_out_like_real_ones() {
    let gw = gateway(LoginConfig {
        agent_failures: 2,
        ..LoginConfig::default()
    });
    for agent in ["anhong", "nobody"] {
        for _ in 0..2 {
            assert_eq!(
                try_login(&gw, "10.0.0.1", agent, "guess").await,
                UNAUTHORIZED
            );
        }
        let (status, _) = try_login(&gw, "10.0.0.1", agent, "guess").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{agent}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_storm_runs_no_more_password_checks_at_once_than_the_bound() {
    let roomy = LoginConfig {
        agent_failures: 1000,
        address_failures: 1000,
        ..LoginConfig::default()
    };
    // No waiting: whoever finds both checks busy is told to come back.
    let gw = gateway(LoginConfig {
        concurrent_checks: 2,
        check_wait_ms: 0,
        ..roomy.clone()
    });
    let storm = (0..24).map(|_| try_login(&gw, "10.0.0.1", "anhong", "guess"));
    let answers = futures_util::future::join_all(storm).await;
    let busy = answers
        .iter()
        .filter(|a| **a == (StatusCode::SERVICE_UNAVAILABLE, Some(1)))
        .count();
    let refused = answers.iter().filter(|a| **a == UNAUTHORIZED).count();
    assert_eq!(busy + refused, answers.len(), "{answers:?}");
    assert!(busy > 0, "nobody was told to come back: {answers:?}");
    let stats = gw.state.login.checks();
    assert!(stats.peak.load(SeqCst) <= 2, "{stats:?}");
    assert_eq!(stats.run.load(SeqCst), refused as u64);

    // Waiting long enough: everyone gets an answer, still at most two checks at once.
    let gw = gateway(LoginConfig {
        concurrent_checks: 2,
        check_wait_ms: 60_000,
        ..roomy
    });
    let storm = (0..12).map(|_| try_login(&gw, "10.0.0.1", "anhong", "guess"));
    let answers = futures_util::future::join_all(storm).await;
    assert!(answers.iter().all(|a| *a == UNAUTHORIZED), "{answers:?}");
    let stats = gw.state.login.checks();
    assert!(stats.peak.load(SeqCst) <= 2, "{stats:?}");
    assert_eq!(stats.run.load(SeqCst), 12);
}
