//! The Lua scripts that make `append` and `save_conversation` atomic in Redis.
//!
//! A script runs alone on the server, so concurrent appenders on any number of connections
//! and processes see each other's writes in full or not at all: that is what keeps `seq`
//! gap-free and `cid` retries single. Scripts return plain tables of strings and integers
//! (never cjson-encoded numbers, which Redis's cjson rounds to 14 digits).

use redis::Script;
use std::sync::LazyLock;

/// Appends one message, and publishes what announces it.
///
/// KEYS: 1 conversation record, 2 log stream, 3 cid key.
/// ARGV: 1 stored message JSON (without seq), 2 cid TTL in seconds, then zero or more pairs
/// (channel, payload): each payload is published on its channel once the message is stored,
/// with the seq in place of every byte 1 (`qin_proto::unsequenced::SEQ_MARK`).
/// Returns `{status, seq, json}`; status is `ok` (json empty), `dup` (json of the original),
/// `missing` (no such conversation), `closed` (the conversation is closed) or `lost` (the cid
/// names a seq whose entry is gone). Only `ok` publishes.
///
/// Closed is told from the record's text: in its compact JSON the top-level field is spelled
/// exactly `"state":"closed"`, and no nested object of a conversation has a `state` field (a
/// string value cannot hold the unescaped quotes) — the tests below pin that spelling. This
/// costs a plain substring search instead of decoding the record.
///
/// The seq is the stream's length + 1: the log is never trimmed and its first seq is 1, so
/// that is the top ID + 1 without reading the top entry (XLEN is O(1)); the explicit ID
/// `<seq>-0` makes Redis itself refuse a seq that does not grow, and XADD comes before any
/// other write so a failing XADD leaves nothing half-done.
pub(crate) static APPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local record = redis.call('GET', KEYS[1])
if not record then
  return {'missing', 0, ''}
end
local dup = redis.call('GET', KEYS[3])
if dup then
  local id = dup .. '-0'
  local entries = redis.call('XRANGE', KEYS[2], id, id)
  if #entries == 0 then
    return {'lost', tonumber(dup), ''}
  end
  local fields = entries[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'm' then
      return {'dup', tonumber(dup), fields[i + 1]}
    end
  end
  return {'lost', tonumber(dup), ''}
end
if string.find(record, '"state":"closed"', 1, true) then
  return {'closed', 0, ''}
end
local seq = redis.call('XLEN', KEYS[2]) + 1
local seq_text = string.format('%d', seq)
redis.call('XADD', KEYS[2], seq_text .. '-0', 'm', ARGV[1])
redis.call('SET', KEYS[3], seq_text, 'EX', ARGV[2])
for i = 3, #ARGV, 2 do
  redis.call('PUBLISH', ARGV[i], (string.gsub(ARGV[i + 1], '\1', seq_text)))
end
return {'ok', seq, ''}
"#,
    )
});

/// Creates or overwrites a conversation record and moves it between the open indexes.
///
/// KEYS: 1 record, 2 shop's open index, 3 shopper's open index, 4 (only with an agent)
/// agent's open index — all for the *new* record.
/// ARGV: 1 new record JSON, 2 conv id, 3 `opened_at`, 4 `1` if the new record is open else `0`,
/// 5 key prefix.
/// Returns `ok`, `closed` (stored as closed and the new record is open) or `corrupt`.
///
/// The old record's indexes are named from the old record itself (read with cjson), so a
/// reassignment or a move needs no read-modify-write round trip from the client: WATCH/MULTI
/// would not work on the shared multiplexed connection anyway.
pub(crate) static SAVE_CONVERSATION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local current = redis.call('GET', KEYS[1])
if current then
  local ok, old = pcall(cjson.decode, current)
  if not ok or type(old) ~= 'table' or type(old.shop) ~= 'string' then
    return 'corrupt'
  end
  if old.state == 'closed' then
    if ARGV[4] == '1' then
      return 'closed'
    end
  else
    local base = ARGV[5] .. 'shop:{' .. old.shop .. '}:'
    redis.call('ZREM', base .. 'open', ARGV[2])
    if type(old.shopper) == 'table' and type(old.shopper.id) == 'string' then
      redis.call('ZREM', base .. 'shopper:' .. old.shopper.id, ARGV[2])
    end
    if type(old.agent) == 'string' then
      redis.call('ZREM', base .. 'agent:' .. old.agent, ARGV[2])
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[4] == '1' then
  for i = 2, #KEYS do
    redis.call('ZADD', KEYS[i], ARGV[3], ARGV[2])
  end
end
return 'ok'
",
    )
});

/// Adds an agent to a shopper's followed list unless there, keeping the newest `ARGV[2]`.
///
/// KEYS: 1 the list. ARGV: 1 agent id, 2 most entries.
pub(crate) static FOLLOW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('LPOS', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return 1
",
    )
});

/// Takes or renews a lease: set to `ARGV[1]` for `ARGV[2]` ms when free or already held by
/// `ARGV[1]`. KEYS: 1 the lease. Returns 1 when held by `ARGV[1]` now, else 0.
pub(crate) static TAKE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
",
    )
});

/// Deletes a lease only if `ARGV[1]` holds it. KEYS: 1 the lease.
pub(crate) static RELEASE_LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

#[cfg(test)]
mod tests {
    use crate::Conversation;
    use crate::codec::encode_json;
    use qin_proto::{AgentId, ConvId, ConvState, GroupId, Party, Role, ShopId};

    /// The append script tells a closed conversation by the exact text `"state":"closed"`
    /// in its record: only the top-level state may spell it, whatever the names and tags say.
    #[test]
    fn only_a_closed_record_spells_the_closed_state() {
        let sly = r#"x","state":"closed"#;
        let mut conv = Conversation {
            id: ConvId::parse("c1").expect("valid id"),
            shop: ShopId::parse("afu").expect("valid id"),
            shopper: Party {
                role: Role::Shopper,
                id: "v1".into(),
                name: sly.into(),
            },
            group: GroupId::parse("lady").expect("valid id"),
            requested_agent: AgentId::parse("anhong"),
            group_chosen: false,
            state: ConvState::Assigned,
            agent: AgentId::parse("anhong"),
            opened_at: 1,
            closed_at: None,
            tags: vec![sly.into(), "state".into()],
            rating: None,
            disposition: None,
        };
        let spelled = |c: &Conversation| {
            encode_json("conversation", c)
                .expect("encodes")
                .matches(r#""state":"closed""#)
                .count()
        };
        for state in [
            ConvState::Queued,
            ConvState::Assigned,
            ConvState::WaitingAgent,
        ] {
            conv.state = state;
            assert_eq!(spelled(&conv), 0, "{state:?}");
        }
        conv.state = ConvState::Closed;
        conv.closed_at = Some(2);
        conv.rating = Some(5);
        assert_eq!(spelled(&conv), 1);
    }
}
