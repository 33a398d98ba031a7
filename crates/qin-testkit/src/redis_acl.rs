//! The least rights Qin needs on Redis, as ACL rules: the rules `docs/security.md` gives
//! operators (with the prefix `qin:`), and what tests give their Redis users.

/// Commands Qin runs, directly or inside its Lua scripts: strings, hashes, lists, sorted
/// sets and streams under its prefix, transactions (`MULTI`/`EXEC`), scripts (`EVALSHA`, and
/// `SCRIPT LOAD` when the server does not have one yet), pub/sub, `PING`.
const COMMANDS: &str = "-@all +ping +get +set +mget +del \
+hset +hget +hmget +hgetall +hdel +hexists +hlen \
+rpush +lrange +lrem +ltrim +lpos \
+zadd +zrange +zrem +zscore \
+xadd +xrange +xrevrange +xlen \
+multi +exec +evalsha +script|load \
+publish +subscribe +unsubscribe";

/// The ACL rules for Qin with key and channel prefix `prefix` (e.g. `qin:`): only keys and
/// channels under it, only the commands it runs. One rule per item, as `ACL SETUSER` and
/// `redis-server --user NAME on >PASSWORD ...` take them.
pub fn qin_acl_rules(prefix: &str) -> Vec<String> {
    let mut rules = vec![
        "resetkeys".to_owned(),
        format!("~{prefix}*"),
        "resetchannels".to_owned(),
        format!("&{prefix}*"),
    ];
    rules.extend(COMMANDS.split_whitespace().map(str::to_owned));
    rules
}
