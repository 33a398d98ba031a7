//! The secret that signs shopper and agent tokens.
//!
//! Gateways sharing Redis must share it, so there it must be configured. An embedded node
//! with a data directory keeps one there (so shoppers keep their identity across restarts);
//! a purely in-memory node makes one up.

use crate::node::Backend;
use anyhow::Context;
use qin_config::Config;
use std::io::Write;
use std::path::Path;

const SECRET_FILE: &str = "token-secret";

/// The token secret for a node on `backend`.
pub(crate) fn token_secret(config: &Config, backend: &Backend) -> anyhow::Result<Vec<u8>> {
    if !config.server.secret.is_empty() {
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
    let bytes: [u8; 32] = rand::random();
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into_bytes()
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
}
