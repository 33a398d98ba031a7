//! Checks of `[connections]` and of the shops' storefront `origins`.

use super::invalid;
use crate::{ConfigError, ConnectionsConfig, ShopConfig};

pub(super) fn connections(c: &ConnectionsConfig) -> Result<(), ConfigError> {
    let at = |key: &str| format!("connections.{key}");
    if c.http_reserve == 0 {
        return Err(invalid(
            at("http_reserve"),
            "must be at least 1, so /healthz answers while sockets are at their ceiling",
        ));
    }
    if c.max_connections != 0 && c.max_connections <= c.http_reserve {
        return Err(invalid(
            at("max_connections"),
            format!(
                "must be 0 (derived from the open-files limit) or more than http_reserve ({})",
                c.http_reserve
            ),
        ));
    }
    if c.per_address == 0 {
        return Err(invalid(at("per_address"), "must be at least 1"));
    }
    if c.upgrades_per_s == 0 {
        return Err(invalid(at("upgrades_per_s"), "must be at least 1"));
    }
    if c.upgrade_burst == 0 {
        return Err(invalid(at("upgrade_burst"), "must be at least 1"));
    }
    for (key, value, most) in [
        ("hello_timeout_s", c.hello_timeout_s, 300),
        ("header_timeout_s", c.header_timeout_s, 300),
        ("body_timeout_s", c.body_timeout_s, 3600),
    ] {
        if !(1..=most).contains(&value) {
            return Err(invalid(at(key), format!("must be 1 to {most} seconds")));
        }
    }
    Ok(())
}

/// Each origin must be written as browsers send it in `Origin`: `scheme://host[:port]`,
/// lower case, no path and no default port.
pub(super) fn origins(shop: &ShopConfig, at: &str) -> Result<(), ConfigError> {
    for (i, origin) in shop.origins.iter().enumerate() {
        let key = format!("{at}.origins[{i}]");
        let url = url::Url::parse(origin).map_err(|_| {
            invalid(
                &key,
                format!("{origin:?} is not an origin such as https://shop.example.com"),
            )
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(invalid(&key, "the scheme must be https or http"));
        }
        let canonical = url.origin().ascii_serialization();
        if canonical != *origin {
            return Err(invalid(
                &key,
                format!(
                    "write it as browsers send it: {canonical:?} (no path, no trailing slash, no default port)"
                ),
            ));
        }
    }
    Ok(())
}
