//! How Redis replies are read: log entry IDs, and Redis failures as [`StoreError`]s.
//! (How messages and other values are encoded is shared with the other backends: `codec`.)

use crate::{Result, StoreError};
use qin_proto::ConvId;
use redis::{ErrorKind, RedisError};

/// The seq in a log entry ID `<seq>-0`.
pub(crate) fn seq_of_entry_id(conv: &ConvId, id: &str) -> Result<u64> {
    id.strip_suffix("-0")
        .and_then(|seq| seq.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("log of {conv}: unexpected entry id {id:?}")))
}

/// Replies that do not have the expected shape, or keys of the wrong type, mean the stored
/// data is not what this code wrote: `Corrupt`. Everything else (refused or dropped
/// connections, timeouts, a server that is loading or read-only) is worth retrying:
/// `Unavailable`.
pub(crate) fn map_redis_error(e: RedisError) -> StoreError {
    let corrupt = matches!(e.kind(), ErrorKind::Parse | ErrorKind::UnexpectedReturnType)
        || e.code() == Some("WRONGTYPE");
    if corrupt {
        StoreError::Corrupt(e.to_string())
    } else {
        StoreError::Unavailable(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_parse_only_in_the_stored_form() {
        let conv = ConvId::parse("c1").expect("valid id");
        assert_eq!(seq_of_entry_id(&conv, "42-0").ok(), Some(42));
        assert!(seq_of_entry_id(&conv, "42-1").is_err());
        assert!(seq_of_entry_id(&conv, "x-0").is_err());
    }
}
