//! Password checks: Argon2, a few at once at most (each takes ~19 MiB and tens of ms of a
//! core, so a login storm would otherwise eat memory and starve genuine logins), and as
//! much work for a name that does not exist as for one that does.

use crate::auth::password_matches;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Runs password checks, at most `concurrent` at once.
pub(crate) struct Checker {
    permits: Arc<Semaphore>,
    wait: Duration,
    stats: Arc<Stats>,
}

/// What the checks did so far: for tests and for anyone watching a storm.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Checks run (dummy ones included).
    pub run: AtomicU64,
    running: AtomicUsize,
    /// The most checks that ever ran at once.
    pub peak: AtomicUsize,
}

impl Checker {
    /// A checker running at most `concurrent` checks at once; a login waits at most `wait`
    /// for its turn.
    pub(crate) fn new(concurrent: usize, wait: Duration) -> Self {
        // Make the dummy hash now, so that not even the first unknown name takes longer.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn_blocking(dummy_hash);
        }
        Self {
            permits: Arc::new(Semaphore::new(concurrent)),
            wait,
            stats: Arc::default(),
        }
    }

    /// What the checks did so far.
    #[cfg(test)]
    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Whether `password` matches `hash`; with no hash (unknown or disabled agent) it is
    /// checked against a dummy hash all the same, and never matches. `None`: no check was
    /// free within the wait.
    pub(crate) async fn check(&self, password: String, hash: Option<String>) -> Option<bool> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .ok()?
            .ok()?;
        let stats = self.stats.clone();
        // Argon2 is slow on purpose: off the async workers. The permit goes along, so a
        // client that hangs up does not free its place before the check is done.
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let running = stats.running.fetch_add(1, Ordering::SeqCst) + 1;
            stats.peak.fetch_max(running, Ordering::SeqCst);
            stats.run.fetch_add(1, Ordering::SeqCst);
            let matches = match &hash {
                Some(hash) => password_matches(&password, hash),
                None => {
                    let _ = password_matches(&password, dummy_hash());
                    false
                }
            };
            stats.running.fetch_sub(1, Ordering::SeqCst);
            matches
        });
        Some(task.await.unwrap_or(false))
    }
}

/// A hash of a random password, made once, with the parameters `qin hash-password` uses
/// (Argon2id defaults), so checking against it costs what checking a real agent's does.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let password: [u8; 32] = rand::random();
        let salt: [u8; 16] = rand::random();
        let Ok(salt) = SaltString::encode_b64(&salt) else {
            return String::new();
        };
        argon2::Argon2::default()
            .hash_password(&password, &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_ones() {
        let real = "$argon2id$v=19$m=19456,t=2,p=1$pGFBn521NXng7u0cVWYxmg$ujAivVu1chkCsfbKxOKYQRXcax1QR+2wNjtdEs4eNzk";
        let params = |h: &str| h.split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(params(dummy_hash()), params(real));
        assert!(!password_matches("qin-demo", dummy_hash()));
        assert!(!password_matches("", dummy_hash()));
    }
}
