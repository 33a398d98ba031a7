//! Quick phrases in Redis: one hash per owner, `shop:{<shop>}:phrases` for the shop's own and
//! `shop:{<shop>}:phrases:<agent>` for an agent's, field = shortcut, value = text. A save is
//! one script, so the cap check and the write cannot interleave with another save.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::phrases::PhraseSaved;
use crate::{Result, StoreError};
use qin_proto::{AgentId, MAX_PHRASES, Phrase, ShopId};
use redis::Script;
use std::sync::LazyLock;

/// Stores one phrase unless that passes the cap.
///
/// KEYS: 1 the owner's hash. ARGV: 1 shortcut, 2 text, 3 cap.
/// Returns `replaced`, `added` or `full` (nothing written).
static SET_PHRASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 'replaced'
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 'full'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'added'
"#,
    )
});

impl RedisStore {
    pub(super) async fn list_phrases(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
    ) -> Result<Vec<Phrase>> {
        let raw: Vec<(Vec<u8>, Vec<u8>)> = redis::cmd("HGETALL")
            .arg(self.keys.phrases(shop, owner))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes)
                .map_err(|_| StoreError::Corrupt(format!("phrases of {shop}: not UTF-8")))
        };
        let mut phrases = raw
            .into_iter()
            .map(|(shortcut, body)| {
                Ok(Phrase {
                    shortcut: text(shortcut)?,
                    text: text(body)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        phrases.sort_unstable_by(|a, b| a.shortcut.cmp(&b.shortcut));
        Ok(phrases)
    }

    pub(super) async fn save_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        phrase: &Phrase,
    ) -> Result<PhraseSaved> {
        let status: String = SET_PHRASE
            .key(self.keys.phrases(shop, owner))
            .arg(&phrase.shortcut)
            .arg(&phrase.text)
            .arg(MAX_PHRASES)
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        match status.as_str() {
            "added" => Ok(PhraseSaved::Added),
            "replaced" => Ok(PhraseSaved::Replaced),
            "full" => Ok(PhraseSaved::Full),
            other => Err(StoreError::Corrupt(format!("phrase script said {other:?}"))),
        }
    }

    pub(super) async fn remove_phrase(
        &self,
        shop: &ShopId,
        owner: Option<&AgentId>,
        shortcut: &str,
    ) -> Result<bool> {
        let removed: i64 = redis::cmd("HDEL")
            .arg(self.keys.phrases(shop, owner))
            .arg(shortcut)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)?;
        Ok(removed > 0)
    }
}
