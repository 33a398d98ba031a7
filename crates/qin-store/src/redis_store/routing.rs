//! The router's desk in Redis: a capped list of routing records per conversation, a list as
//! each shop's request inbox, and a string for the profile choice.

use super::RedisStore;
use super::replies::map_redis_error;
use crate::{MAX_ROUTING_RECORDS, Result, RoutingDesk};
use async_trait::async_trait;
use qin_proto::{ConvId, ShopId};

#[async_trait]
impl RoutingDesk for RedisStore {
    async fn append_routing(&self, conv: &ConvId, record: &str) -> Result<()> {
        let key = self.keys.routing(conv);
        let keep = i64::try_from(MAX_ROUTING_RECORDS).unwrap_or(i64::MAX);
        redis::pipe()
            .atomic()
            .cmd("RPUSH")
            .arg(&key)
            .arg(record)
            .ignore()
            .cmd("LTRIM")
            .arg(&key)
            .arg(-keep)
            .arg(-1)
            .ignore()
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn routing(&self, conv: &ConvId) -> Result<Vec<String>> {
        redis::cmd("LRANGE")
            .arg(self.keys.routing(conv))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn push_request(&self, shop: &ShopId, request: &str) -> Result<()> {
        redis::cmd("RPUSH")
            .arg(self.keys.requests(shop))
            .arg(request)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn requests(&self, shop: &ShopId, max: usize) -> Result<Vec<String>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        redis::cmd("LRANGE")
            .arg(self.keys.requests(shop))
            .arg(0)
            .arg(i64::try_from(max).unwrap_or(i64::MAX) - 1)
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn ack_requests(&self, shop: &ShopId, n: usize) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        redis::cmd("LTRIM")
            .arg(self.keys.requests(shop))
            .arg(i64::try_from(n).unwrap_or(i64::MAX))
            .arg(-1)
            .exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn set_profile(&self, shop: &ShopId, profile: Option<&str>) -> Result<()> {
        let key = self.keys.profile(shop);
        let cmd = match profile {
            Some(p) => {
                let mut c = redis::cmd("SET");
                c.arg(&key).arg(p);
                c
            }
            None => {
                let mut c = redis::cmd("DEL");
                c.arg(&key);
                c
            }
        };
        cmd.exec_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }

    async fn profile(&self, shop: &ShopId) -> Result<Option<String>> {
        redis::cmd("GET")
            .arg(self.keys.profile(shop))
            .query_async(&mut self.conn())
            .await
            .map_err(map_redis_error)
    }
}

#[cfg(test)]
crate::conformance::routing::suite!(super::tests::backend);
