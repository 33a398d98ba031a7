//! The quick-phrase REST API (快捷短语): every agent of a shop reads the shop-wide phrases and
//! their own, keeps their own, and supervisors keep the shop-wide ones.
//!
//! Shop-wide phrases are the config's `[[shops.phrases]]` plus those stored through this API;
//! a stored one replaces a configured one with the same shortcut (deleting it brings the
//! configured text back). Every call needs an agent's `Authorization: Bearer <token>`: 401
//! without a valid token, 404 for an unknown shop, 403 for anyone but the shop's staff (and,
//! for `scope: "shop"` changes, its supervisors). Bad input is refused before anything is
//! stored: 400 (`bad_frame`), 413 (`too_large`), 409 when the owner already has the most.

use crate::auth::Agent;
use crate::error::ApiError;
use crate::state::GatewayState;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use qin_config::{AgentConfig, PhraseConfig};
use qin_proto::phrase::{check_phrase_text, check_shortcut};
use qin_proto::{AgentId, ErrorCode, MAX_PHRASES, Phrase};
use qin_store::PhraseSaved;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whose phrase: the asking agent's own, or the shop's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The asking agent's own.
    #[default]
    Me,
    /// Shared by every agent of the shop; changed by supervisors only.
    Shop,
}

/// One phrase as the console sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownPhrase {
    shortcut: String,
    text: String,
    /// `me` or `shop`.
    owner: Scope,
    /// A shop-wide phrase from the config file (not stored): the API cannot delete it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    from_config: bool,
}

/// `GET /api/shops/{shop}/phrases` answer.
#[derive(Debug, Serialize)]
pub struct Phrases {
    /// The agent's own phrases by shortcut, then the shop's by shortcut.
    phrases: Vec<ShownPhrase>,
}

/// `PUT /api/shops/{shop}/phrases/{shortcut}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPhrase {
    text: String,
    #[serde(default)]
    scope: Scope,
}

/// `DELETE /api/shops/{shop}/phrases/{shortcut}` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    #[serde(default)]
    scope: Scope,
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadFrame, message)
}

/// A `PUT` body: an object with `text` and maybe `scope`, nothing else (serde alone would
/// also take `["text"]`, a struct as a sequence).
fn parse_body(body: serde_json::Value) -> Result<SetPhrase, ApiError> {
    const SHAPE: &str = r#"the body must be {"text": "…", "scope": "me" or "shop"}"#;
    if !body.is_object() {
        return Err(bad_request(SHAPE));
    }
    serde_json::from_value(body).map_err(|e| bad_request(format!("{SHAPE}: {e}")))
}

/// The store owner for `scope` (403 for a shop-wide change by anyone but a supervisor).
fn owner_for(agent: &AgentConfig, scope: Scope) -> Result<Option<AgentId>, ApiError> {
    match scope {
        Scope::Me => Ok(Some(agent.id.clone())),
        Scope::Shop if agent.supervisor => Ok(None),
        Scope::Shop => Err(ApiError::new(
            ErrorCode::Forbidden,
            "only supervisors change the shop's phrases; use scope \"me\" for your own",
        )),
    }
}

/// The agent's own phrases, then the shop's: configured ones with stored ones laid over them
/// by shortcut. Each part ordered by shortcut.
fn shown(own: Vec<Phrase>, stored: Vec<Phrase>, configured: &[PhraseConfig]) -> Vec<ShownPhrase> {
    let mut shop: BTreeMap<String, (String, bool)> = configured
        .iter()
        .map(|p| (p.shortcut.clone(), (p.text.clone(), true)))
        .collect();
    shop.extend(stored.into_iter().map(|p| (p.shortcut, (p.text, false))));
    let own = own.into_iter().map(|p| ShownPhrase {
        shortcut: p.shortcut,
        text: p.text,
        owner: Scope::Me,
        from_config: false,
    });
    let shop = shop
        .into_iter()
        .map(|(shortcut, (text, from_config))| ShownPhrase {
            shortcut,
            text,
            owner: Scope::Shop,
            from_config,
        });
    own.chain(shop).collect()
}

/// `GET /api/shops/{shop}/phrases`: the asking agent's phrases and the shop's.
pub async fn list(
    Agent { shop, agent }: Agent,
    State(state): State<GatewayState>,
) -> Result<Json<Phrases>, ApiError> {
    let own = state.store.phrases(&shop.id, Some(&agent.id));
    let stored = state.store.phrases(&shop.id, None);
    let (own, stored) = tokio::try_join!(own, stored).map_err(ApiError::store)?;
    Ok(Json(Phrases {
        phrases: shown(own, stored, &shop.phrases),
    }))
}

/// `PUT /api/shops/{shop}/phrases/{shortcut}` with `{"text": …, "scope": "me"|"shop"}`:
/// adds (201) or replaces (200) the phrase; answers with it.
pub async fn set(
    Agent { shop, agent }: Agent,
    State(state): State<GatewayState>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<(StatusCode, Json<ShownPhrase>), ApiError> {
    let Path((_, shortcut)) = path.map_err(|e| bad_request(e.body_text()))?;
    check_shortcut(&shortcut)?;
    let Json(body) = body.map_err(ApiError::bad_body)?;
    let req = parse_body(body)?;
    check_phrase_text(&req.text, state.config.limits.max_body_chars)?;
    let owner = owner_for(&agent, req.scope)?;
    let phrase = Phrase {
        shortcut,
        text: req.text,
    };
    let saved = state
        .store
        .set_phrase(&shop.id, owner.as_ref(), &phrase)
        .await
        .map_err(ApiError::store)?;
    let status = match saved {
        PhraseSaved::Added => StatusCode::CREATED,
        PhraseSaved::Replaced => StatusCode::OK,
        PhraseSaved::Full => {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("already {MAX_PHRASES} phrases in this scope: delete one first"),
            ));
        }
    };
    tracing::info!(shop = %shop.id, agent = %agent.id, scope = ?req.scope, shortcut = %phrase.shortcut, "phrase saved");
    Ok((
        status,
        Json(ShownPhrase {
            shortcut: phrase.shortcut,
            text: phrase.text,
            owner: req.scope,
            from_config: false,
        }),
    ))
}

/// `DELETE /api/shops/{shop}/phrases/{shortcut}?scope=me|shop`: removes a stored phrase (204).
pub async fn delete(
    Agent { shop, agent }: Agent,
    State(state): State<GatewayState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<DeleteQuery>, QueryRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((_, shortcut)) = path.map_err(|e| bad_request(e.body_text()))?;
    check_shortcut(&shortcut)?;
    let Query(query) = query.map_err(|e| bad_request(e.body_text()))?;
    let owner = owner_for(&agent, query.scope)?;
    let found = state
        .store
        .delete_phrase(&shop.id, owner.as_ref(), &shortcut)
        .await
        .map_err(ApiError::store)?;
    if found {
        tracing::info!(shop = %shop.id, agent = %agent.id, scope = ?query.scope, %shortcut, "phrase deleted");
        return Ok(StatusCode::NO_CONTENT);
    }
    let configured =
        query.scope == Scope::Shop && shop.phrases.iter().any(|p| p.shortcut == shortcut);
    Err(ApiError::new(
        ErrorCode::NotFound,
        if configured {
            format!("phrase {shortcut:?} comes from the config file; change it there")
        } else {
            format!("no phrase {shortcut:?} in this scope")
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qin_config::ShopConfig;

    fn shop() -> ShopConfig {
        let mut shop = crate::testing::demo_shop();
        shop.agents[0].supervisor = true;
        shop.agents[1].supervisor = false;
        shop
    }

    fn phrase(shortcut: &str, text: &str) -> Phrase {
        Phrase {
            shortcut: shortcut.into(),
            text: text.into(),
        }
    }

    fn configured(shortcut: &str, text: &str) -> PhraseConfig {
        PhraseConfig {
            shortcut: shortcut.into(),
            text: text.into(),
        }
    }

    #[test]
    fn only_supervisors_change_the_shops_phrases() {
        let shop = shop();
        let (boss, worker) = (&shop.agents[0], &shop.agents[1]);
        assert_eq!(
            owner_for(worker, Scope::Me).ok(),
            Some(Some(worker.id.clone()))
        );
        assert_eq!(owner_for(boss, Scope::Me).ok(), Some(Some(boss.id.clone())));
        assert_eq!(owner_for(boss, Scope::Shop).ok(), Some(None));
        let refused = owner_for(worker, Scope::Shop).expect_err("a worker changing the shop's");
        assert_eq!(refused.code(), ErrorCode::Forbidden);
    }

    #[test]
    fn own_phrases_come_first_and_stored_ones_override_the_config() {
        let own = vec![phrase("hi", "安红在呢"), phrase("zz", "晚安")];
        let stored = vec![phrase("bye", "拜拜亲"), phrase("new", "新的")];
        let config = [configured("hi", "亲，在的"), configured("bye", "再见")];
        let listed = shown(own, stored, &config);
        let summary: Vec<_> = listed
            .iter()
            .map(|p| (p.shortcut.as_str(), p.text.as_str(), p.owner, p.from_config))
            .collect();
        assert_eq!(
            summary,
            [
                ("hi", "安红在呢", Scope::Me, false),
                ("zz", "晚安", Scope::Me, false),
                ("bye", "拜拜亲", Scope::Shop, false),
                ("hi", "亲，在的", Scope::Shop, true),
                ("new", "新的", Scope::Shop, false),
            ]
        );
        let json = serde_json::to_value(&listed[3]).expect("json");
        assert_eq!(json["owner"], "shop");
        assert_eq!(json["from_config"], true);
        assert!(
            serde_json::to_value(&listed[0])
                .expect("json")
                .get("from_config")
                .is_none()
        );
    }

    #[test]
    fn bodies_and_queries_name_the_scope_or_nothing() {
        let body = parse_body(serde_json::json!({"text": "亲"})).expect("scope defaults");
        assert_eq!(body.scope, Scope::Me);
        let body = parse_body(serde_json::json!({"text": "亲", "scope": "shop"})).expect("shop");
        assert_eq!(body.scope, Scope::Shop);
        for bad in [
            r#"{"text":"亲","scope":"everyone"}"#,
            r#"{"text":"亲","owner":"me"}"#,
            r#"{"scope":"me"}"#,
            r#"{"text":5}"#,
            r#"["亲"]"#,
            r#"["亲","shop"]"#,
            r#""亲""#,
            "null",
        ] {
            let value = serde_json::from_str(bad).expect("json");
            let e = parse_body(value).expect_err(bad);
            assert_eq!(e.code(), ErrorCode::BadFrame, "{bad}");
        }
    }
}
