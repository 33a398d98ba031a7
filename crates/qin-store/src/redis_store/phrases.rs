//! Quick phrases and auto-replies in Redis. Phrases: one hash per owner,
//! `shop:{<shop>}:phrases` for the shop's own and `shop:{<shop>}:phrases:<agent>` for an
//! agent's, field = shortcut, value = text. A save is one script, so the cap check and the
//! write cannot interleave with another save. Auto-replies: one hash per shop, agent → text.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::{PhraseSaved, Phrases, Result, StoreError};
use async_trait::async_trait;
use qin_proto::{AgentId, MAX_PHRASES, Phrase, ShopId};
use redis::Script;
use std::sync::LazyLock;

/// Stores one phrase unless that passes the cap.
///
/// KEYS: 1 the owner's hash. ARGV: 1 shortcut, 2 text, 3 cap.
/// Returns `replaced`, `added` or `full` (nothing written).
static SET_PHRASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 'replaced'
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 'full'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'added'
",
    )
});

#[async_trait]
impl Phrases for RedisStore {
    async fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> Result<Vec<Phrase>> {
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

    async fn set_phrase(
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

    async fn delete_phrase(
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

    async fn set_agent_auto_reply(
        &self,
        shop: &ShopId,
        agent: &AgentId,
        text: Option<&str>,
    ) -> Result<()> {
        let mut cmd = redis::cmd(if text.is_some() { "HSET" } else { "HDEL" });
        cmd.arg(self.keys.auto_replies(shop)).arg(agent.as_str());
        if let Some(text) = text {
            cmd.arg(text);
        }
        cmd.exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn agent_auto_reply(&self, shop: &ShopId, agent: &AgentId) -> Result<Option<String>> {
        redis::cmd("HGET")
            .arg(self.keys.auto_replies(shop))
            .arg(agent.as_str())
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }
}

#[cfg(test)]
crate::conformance::phrases::suite!(super::tests::backend);
