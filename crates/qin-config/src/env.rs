//! `QIN_*` environment overrides for deployment settings. The lookup is passed in, so tests
//! never touch the process environment.

use crate::{Config, ConfigError};

/// Applies overrides found by `lookup` (normally `|k| std::env::var(k).ok()`):
/// `QIN_LISTEN`, `QIN_REDIS` (empty means embedded), `QIN_REDIS_CA_FILE` (empty means the
/// system's roots), `QIN_DATA_DIR` (empty means in memory only), `QIN_KEY_PREFIX`,
/// `QIN_SECRET`, `QIN_TRUSTED_PROXIES` (comma-separated addresses or networks; empty: none).
pub fn apply_env(
    config: &mut Config,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = lookup("QIN_LISTEN") {
        config.server.listen = v;
    }
    if let Some(v) = lookup("QIN_REDIS") {
        config.server.redis = (!v.is_empty()).then_some(v);
    }
    if let Some(v) = lookup("QIN_REDIS_CA_FILE") {
        config.server.redis_ca_file = (!v.is_empty()).then_some(v);
    }
    if let Some(v) = lookup("QIN_DATA_DIR") {
        config.server.data_dir = (!v.is_empty()).then_some(v);
    }
    if let Some(v) = lookup("QIN_KEY_PREFIX") {
        config.server.key_prefix = v;
    }
    if let Some(v) = lookup("QIN_SECRET") {
        config.server.secret = v;
    }
    if let Some(v) = lookup("QIN_TRUSTED_PROXIES") {
        config.connections.trusted_proxies = v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|message| ConfigError::Invalid {
                key: "connections.trusted_proxies (QIN_TRUSTED_PROXIES)".into(),
                message,
            })?;
    }
    config.validate()
}
