//! Who calls the REST API, as axum extractors: any holder of a valid bearer token
//! ([`Caller`]), or an [`Agent`] or [`Supervisor`] of the shop named in the path.
//!
//! The answers are the same for every route: 401 without a valid token, 404 for a shop the
//! gateway does not serve, 403 for a token of someone else (a shopper, another shop's agent,
//! an agent where a supervisor is needed), 401 for an agent no longer in the config, disabled,
//! or signed out since her token was issued.

use super::{Claims, TokenKind};
use crate::error::ApiError;
use crate::sign_out;
use crate::state::{GatewayState, now_ms};
use axum::extract::{FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use qin_config::{AgentConfig, ShopConfig};
use qin_proto::{ErrorCode, ShopId};
use std::collections::HashMap;
use std::sync::Arc;

/// The token of `Authorization: Bearer <token>`, unverified.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// A call with a genuine, unexpired bearer token: a shopper's, or an agent's whose login
/// still stands (in the config, not disabled, not signed out since; else 401).
#[derive(Debug)]
pub(crate) struct Caller(pub Claims);

impl FromRequestParts<GatewayState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &GatewayState,
    ) -> Result<Self, Self::Rejection> {
        let claims = bearer(&parts.headers)
            .and_then(|t| state.tokens.verify(t, now_ms()))
            .ok_or_else(|| {
                ApiError::new(ErrorCode::Unauthorized, "a valid Bearer token is required")
            })?;
        if claims.kind == TokenKind::Agent {
            let shop = state.shop(&claims.shop);
            let standing = match &shop {
                Some(shop) => sign_out::standing(state, shop, &claims)
                    .await
                    .map_err(ApiError::store)?,
                None => None,
            };
            if standing.is_none() {
                return Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "signed out or no longer on the staff: log in again",
                ));
            }
        }
        Ok(Caller(claims))
    }
}

impl Caller {
    /// The agent behind the token in `shop` (403 for a shopper or another shop's agent, 401
    /// for an agent no longer in the config or disabled: log in again).
    pub fn agent_of(&self, shop: &ShopConfig) -> Result<AgentConfig, ApiError> {
        let claims = &self.0;
        if claims.kind != TokenKind::Agent || claims.shop != shop.id {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("only staff of shop {} may do this", shop.id),
            ));
        }
        shop.agents
            .iter()
            .find(|a| a.id.as_str() == claims.sub && !a.disabled)
            .cloned()
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "log in again"))
    }

    /// The supervisor behind the token in `shop` (403 for anyone else).
    pub fn supervisor_of(&self, shop: &ShopConfig) -> Result<AgentConfig, ApiError> {
        let agent = self.agent_of(shop)?;
        if !agent.supervisor {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("only supervisors of shop {} may do this", shop.id),
            ));
        }
        Ok(agent)
    }
}

/// The shop named `id` (404 if the gateway does not serve it).
fn shop_of(state: &GatewayState, id: &str) -> Result<Arc<ShopConfig>, ApiError> {
    ShopId::parse(id)
        .and_then(|id| state.shop(&id))
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such shop"))
}

/// The caller and the shop of the path's `{shop}`, in that order (401 before 404).
async fn caller_in_path_shop(
    parts: &mut Parts,
    state: &GatewayState,
) -> Result<(Caller, Arc<ShopConfig>), ApiError> {
    let caller = Caller::from_request_parts(parts, state).await?;
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|e| ApiError::new(ErrorCode::BadFrame, e.body_text()))?;
    let id = params.get("shop").map_or("", String::as_str);
    Ok((caller, shop_of(state, id)?))
}

/// Any agent (supervisor or not) of the shop named in the path.
#[derive(Debug)]
pub(crate) struct Agent {
    /// The shop, as in force for this call.
    pub shop: Arc<ShopConfig>,
    /// The agent's config entry.
    pub agent: AgentConfig,
}

impl FromRequestParts<GatewayState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &GatewayState,
    ) -> Result<Self, Self::Rejection> {
        let (caller, shop) = caller_in_path_shop(parts, state).await?;
        let agent = caller.agent_of(&shop)?;
        Ok(Self { shop, agent })
    }
}

/// A supervisor (`supervisor = true`) of the shop named in the path.
#[derive(Debug)]
pub(crate) struct Supervisor {
    /// The shop, as in force for this call.
    pub shop: Arc<ShopConfig>,
    /// The supervisor's config entry.
    pub agent: AgentConfig,
}

impl FromRequestParts<GatewayState> for Supervisor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &GatewayState,
    ) -> Result<Self, Self::Rejection> {
        let (caller, shop) = caller_in_path_shop(parts, state).await?;
        let agent = caller.supervisor_of(&shop)?;
        Ok(Self { shop, agent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> ShopConfig {
        let mut shop = crate::testing::demo_shop();
        shop.agents[0].supervisor = true;
        shop
    }

    fn caller(kind: TokenKind, shop: &str, sub: &str) -> Caller {
        Caller(Claims {
            kind,
            shop: ShopId::parse(shop).expect("valid id"),
            sub: sub.into(),
            exp: i64::MAX,
            iat: 0,
        })
    }

    fn code<T>(r: Result<T, ApiError>) -> Option<ErrorCode> {
        r.err().map(|e| e.code())
    }

    #[test]
    fn only_the_shops_supervisors_supervise() {
        let shop = shop();
        let boss = shop.agents[0].id.to_string();
        let worker = shop.agents[1].id.to_string();
        let supervises = |c: Caller| code(c.supervisor_of(&shop));
        assert_eq!(supervises(caller(TokenKind::Agent, "afu", &boss)), None);
        assert_eq!(
            supervises(caller(TokenKind::Agent, "afu", &worker)),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            supervises(caller(TokenKind::Shopper, "afu", &boss)),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            supervises(caller(TokenKind::Agent, "other", &boss)),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            supervises(caller(TokenKind::Agent, "afu", "gone")),
            Some(ErrorCode::Unauthorized)
        );
        let worker = caller(TokenKind::Agent, "afu", &worker);
        assert_eq!(code(worker.agent_of(&shop)), None);
    }

    #[test]
    fn a_bearer_header_gives_its_token_and_nothing_else_does() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            axum::http::header::AUTHORIZATION,
            "Basic abc".parse().expect("header"),
        );
        assert_eq!(bearer(&headers), None);
        headers.insert(
            axum::http::header::AUTHORIZATION,
            "Bearer abc.def".parse().expect("header"),
        );
        assert_eq!(bearer(&headers), Some("abc.def"));
    }
}
