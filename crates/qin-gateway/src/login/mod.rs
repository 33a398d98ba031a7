//! `POST /api/login`: an agent's name and password for a signed token, throttled per agent
//! and per client address, with a bounded number of password checks and an audit log.
//!
//! Order of a login: locked out (agent name or address)? 429 with `Retry-After`, no password
//! check. Then wait (briefly) for a free password check, else 503 with `Retry-After`. Then
//! check the password — against a dummy hash for an unknown shop or agent or a disabled
//! agent, so the answer takes as long as for a real one. A failure counts against both the
//! agent name and the address; a success forgets the agent's failures (not the address's:
//! one account of her own must not reset an attacker's budget for the others).
//!
//! The counts live in this gateway process: with N gateways an attacker gets up to N times
//! the budget (the config documents it).

mod audit;
mod check;
mod throttle;

use crate::auth::{Claims, TokenKind};
use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::state::{GatewayState, now_ms};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use check::Checker;
use qin_config::LoginConfig;
use qin_proto::{AgentId, ErrorCode, Party, Role, ShopId};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use throttle::{Policy, Throttle, Verdict, address_key, retry_after_s};

/// Longest password considered; longer ones are refused without a check.
const MAX_PASSWORD_BYTES: usize = 1024;

/// `POST /api/login` body.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    shop: ShopId,
    agent: AgentId,
    password: String,
}

/// `POST /api/login` answer.
#[derive(Debug, Serialize)]
pub struct LoginResponse {
    token: String,
    /// The agent, by her login name.
    agent: Party,
    /// What shoppers know her by (`agent.id` in their frames), see `ShopConfig::agent_handle`.
    handle: AgentId,
    expires_in: u64,
}

/// A gateway's login guard: failure counts per agent and per address, and the password
/// checker. Settings from `[login]`, kept until restart.
pub(crate) struct Guard {
    agents: Mutex<Throttle<(ShopId, AgentId)>>,
    addresses: Mutex<Throttle<IpAddr>>,
    checker: Checker,
}

impl Guard {
    /// A guard with the settings of `config`.
    pub(crate) fn new(config: &LoginConfig) -> Self {
        let policy = |free_failures| Policy {
            free_failures,
            lock: Duration::from_secs(config.lock_s),
            lock_max: Duration::from_secs(config.lock_max_s),
            forget_after: Duration::from_secs(config.forget_after_s),
            capacity: config.max_tracked,
        };
        Self {
            agents: Mutex::new(Throttle::new(policy(config.agent_failures))),
            addresses: Mutex::new(Throttle::new(policy(config.address_failures))),
            checker: Checker::new(
                config.concurrent_checks,
                Duration::from_millis(config.check_wait_ms),
            ),
        }
    }

    fn agents(&self) -> MutexGuard<'_, Throttle<(ShopId, AgentId)>> {
        self.agents.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn addresses(&self) -> MutexGuard<'_, Throttle<IpAddr>> {
        self.addresses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the agent name or the address is locked out: which, and for how long.
    fn locked(&self, agent: &(ShopId, AgentId), addr: IpAddr) -> Option<(&'static str, Duration)> {
        let now = Instant::now();
        if let Verdict::Locked(left) = self.addresses().check(&addr, now) {
            return Some(("address", left));
        }
        match self.agents().check(agent, now) {
            Verdict::Locked(left) => Some(("agent", left)),
            Verdict::Open => None,
        }
    }

    /// Counts a failure against the agent name and the address; logs any lockout it starts.
    fn fail(&self, agent: &(ShopId, AgentId), ip: IpAddr, addr: IpAddr) {
        let now = Instant::now();
        if let Some(lock) = self.agents().fail(agent, now) {
            audit::locked_out(&agent.0, &agent.1, ip, "agent", lock);
        }
        if let Some(lock) = self.addresses().fail(&addr, now) {
            audit::locked_out(&agent.0, &agent.1, ip, "address", lock);
        }
    }

    /// What the password checks did so far.
    #[cfg(test)]
    pub(crate) fn checks(&self) -> &check::Stats {
        self.checker.stats()
    }
}

/// `POST /api/login`: an agent's id and password for a signed token.
pub async fn login(
    State(state): State<GatewayState>,
    ClientAddr(ip): ClientAddr,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginResponse>, Response> {
    let Json(req) = body.map_err(|e| ApiError::bad_body(e).into_response())?;
    let addr = address_key(ip);
    let key = (req.shop.clone(), req.agent.clone());
    let guard = &state.login;
    let refused = || ApiError::new(ErrorCode::Unauthorized, "unknown agent or wrong password");
    if req.password.len() > MAX_PASSWORD_BYTES {
        audit::failed(&req.shop, &req.agent, ip, "password too long");
        return Err(refused().into_response());
    }
    let locked = |what, left| {
        audit::still_locked(&req.shop, &req.agent, ip, what);
        let message = format!(
            "too many failed logins: try again in {} s",
            retry_after_s(left)
        );
        retry_after(ApiError::new(ErrorCode::RateLimited, message), left)
    };
    if let Some((what, left)) = guard.locked(&key, addr) {
        return Err(locked(what, left));
    }
    let shop = state.shop(&req.shop);
    let agent = shop
        .as_ref()
        .and_then(|shop| shop.agent(&req.agent).cloned())
        .filter(|agent| !agent.disabled);
    let hash = agent.as_ref().map(|a| a.password_hash.clone());
    let Some(matches) = guard.checker.check(req.password, hash).await else {
        audit::busy(&req.shop, &req.agent, ip);
        let message = "too many logins at once: try again shortly";
        let busy = ApiError::new(ErrorCode::Unavailable, message);
        return Err(retry_after(busy, Duration::from_secs(1)));
    };
    // Others may have locked it out while this one waited for its check.
    if let Some((what, left)) = guard.locked(&key, addr) {
        return Err(locked(what, left));
    }
    let agent = match agent {
        Some(agent) if matches => agent,
        found => {
            let why = if found.is_some() {
                "wrong password"
            } else {
                "unknown or disabled agent"
            };
            audit::failed(&req.shop, &req.agent, ip, why);
            guard.fail(&key, ip, addr);
            return Err(refused().into_response());
        }
    };
    guard.agents().succeed(&key);
    audit::succeeded(&req.shop, &req.agent, ip);
    let ttl = state.config.server.agent_token_ttl_s;
    let now = now_ms();
    let token = state.tokens.sign(&Claims {
        kind: TokenKind::Agent,
        shop: req.shop,
        sub: agent.id.to_string(),
        exp: now + ttl as i64 * 1000,
        iat: now,
    });
    let handle = shop.map_or_else(|| agent.id.clone(), |shop| shop.agent_handle(&agent));
    Ok(Json(LoginResponse {
        token,
        handle,
        agent: Party {
            role: Role::Agent,
            id: agent.id.to_string(),
            name: agent.name,
        },
        expires_in: ttl,
    }))
}

/// `error` with a `Retry-After` of `left` (whole seconds, rounded up).
fn retry_after(error: ApiError, left: Duration) -> Response {
    ([(RETRY_AFTER, retry_after_s(left).to_string())], error).into_response()
}

#[cfg(test)]
mod tests;
