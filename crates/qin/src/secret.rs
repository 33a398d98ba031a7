//! The secret that signs shopper and agent tokens.
//!
//! Gateways sharing Redis must share it, so there it must be configured. An embedded node
//! with a data directory keeps one there (so shoppers keep their identity across restarts);
//! a purely in-memory node makes one up. A configured secret shorter than [`MIN_BYTES`] is
//! refused: a short or guessable one falls to an offline dictionary run over any token, and
//! then anyone can sign a supervisor's token.

use crate::node::Backend;
use anyhow::Context;
use qin_config::Config;
use std::io::Write;
use std::path::Path;

/// The file in the data directory that keeps the secret.
pub(crate) const SECRET_FILE: &str = "token-secret";

/// The shortest secret accepted, in bytes.
pub const MIN_BYTES: usize = 32;

/// A fresh random secret: 32 random bytes as 64 hex digits (what `qin gen-secret` prints).
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses a configured secret (`server.secret`, `QIN_SECRET`) shorter than [`MIN_BYTES`];
/// none configured is fine here.
pub fn check_configured(config: &Config) -> anyhow::Result<()> {
    let len = config.server.secret.len();
    anyhow::ensure!(
        len == 0 || len >= MIN_BYTES,
        "server.secret (or QIN_SECRET) is {len} bytes; it must be at least {MIN_BYTES} random \
         bytes, or anyone can guess it from a token and sign their own: make one with \
         `qin gen-secret`"
    );
    Ok(())
}

/// The token secret for a node on `backend`.
pub(crate) fn token_secret(config: &Config, backend: &Backend) -> anyhow::Result<Vec<u8>> {
    if !config.server.secret.is_empty() {
        check_configured(config)?;
        return Ok(config.server.secret.as_bytes().to_vec());
    }
    match backend {
        Backend::Redis { .. } => anyhow::bail!(
            "server.secret (or QIN_SECRET) must be set with Redis: every gateway needs the same one"
        ),
        Backend::File { dir } => kept_in(dir),
        Backend::Memory { .. } => {
            tracing::warn!(
                "no server.secret set: using a random one; tokens end with this process"
            );
            Ok(random())
        }
    }
}

fn random() -> Vec<u8> {
    generate().into_bytes()
}

/// The secret stored in `dir`, created (readable by its owner only) on first use.
fn kept_in(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(SECRET_FILE);
    match std::fs::read(&path) {
        Ok(secret) if secret.len() >= 32 => return Ok(secret),
        Ok(_) => anyhow::bail!(
            "{} is too short; delete it to make a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let secret = random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(&secret)?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "made a token secret for this data directory");
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_directory_keeps_its_secret() {
        let dir = qin_testkit::TempDir::new("secret");
        let first = kept_in(dir.path()).unwrap();
        assert_eq!(kept_in(dir.path()).unwrap(), first);
        assert_eq!(first.len(), 64);
    }

    #[test]
    fn a_short_configured_secret_is_refused() {
        let mut config =
            Config::parse(include_str!("../../../config/qin.toml"), "qin.toml").unwrap();
        check_configured(&config).unwrap();
        for short in ["x", "changeme", &"a".repeat(31)] {
            config.server.secret = short.to_owned();
            let err = check_configured(&config).unwrap_err().to_string();
            assert!(err.contains("qin gen-secret"), "{err}");
            assert!(
                short.len() < 8 || !err.contains(short),
                "the secret in {err}"
            );
        }
        config.server.secret = generate();
        check_configured(&config).unwrap();
    }
}
