//! Reaching Redis as the operator configured it: the URL (with its credentials, `rediss://`
//! for TLS), the CA to trust, and the URL as it may be shown, with its password hidden.

use anyhow::Context;
use std::path::Path;

/// A Redis client for `url`. With `ca_file` (a PEM file; only for a `rediss://` URL) the
/// server's certificate must come from that CA alone; without it, from one of the system's
/// roots (which honour `SSL_CERT_FILE` and `SSL_CERT_DIR`).
pub fn client(url: &str, ca_file: Option<&Path>) -> anyhow::Result<redis::Client> {
    // Errors name the redacted URL: the redis crate's own never echo it.
    let shown = redacted(url);
    let Some(ca_file) = ca_file else {
        return redis::Client::open(url).with_context(|| format!("invalid Redis URL {shown}"));
    };
    let root_cert = std::fs::read(ca_file)
        .with_context(|| format!("reading the Redis CA file {}", ca_file.display()))?;
    let certificates = redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(root_cert),
    };
    redis::Client::build_with_tls(url, certificates).with_context(|| {
        format!(
            "Redis URL {shown} with the CA file {} (which needs a rediss:// URL)",
            ca_file.display()
        )
    })
}

/// `url` fit to print or log: a password in it (`redis://user:password@…`, or `pass=` in a
/// `redis+unix://` query) is replaced by `***`. A URL that does not parse is not shown.
pub fn redacted(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(unparsable Redis URL)".to_owned();
    };
    if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
        return "(Redis URL)".to_owned();
    }
    if parsed.query_pairs().any(|(k, _)| k == "pass") {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "pass" { "***".into() } else { v };
                (k.into_owned(), v.into_owned())
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.into()
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_are_hidden_and_the_rest_kept() {
        assert_eq!(
            redacted("redis://qin:s3cret@redis.internal:6380/"),
            "redis://qin:***@redis.internal:6380/"
        );
        assert_eq!(
            redacted("rediss://:s3cret@127.0.0.1:6379"),
            "rediss://:***@127.0.0.1:6379"
        );
        assert_eq!(
            redacted("redis+unix:///run/redis.sock?db=1&pass=s3cret"),
            "redis+unix:///run/redis.sock?db=1&pass=***"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert!(!redacted("redis://:s3cret@[bad").contains("s3cret"));
    }
}
