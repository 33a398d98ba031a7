//! Retries of store and bus calls that failed for a reason that may pass (backend unreachable).

use qin_bus::BusError;
use qin_store::StoreError;
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// Tries per call: a short blip is ridden out, a long outage drops the reply rather than
/// stalling every later event of the shop behind it.
pub(crate) const ATTEMPTS: u32 = 3;
/// Delay before the first retry; it doubles after each.
const FIRST_DELAY: Duration = Duration::from_millis(50);

/// Whether an error may go away if the same call is simply tried again.
pub(crate) trait Transient: Display {
    fn is_transient(&self) -> bool;
}

impl Transient for StoreError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl Transient for BusError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Calls `f` until it succeeds, fails for good, or [`ATTEMPTS`] are used up, waiting longer
/// after each transient failure. The last error is returned for the caller to log.
pub(crate) async fn retry<T, E, F, Fut>(what: &'static str, mut f: F) -> Result<T, E>
where
    E: Transient,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut delay = FIRST_DELAY;
    let mut attempt = 1;
    loop {
        match f().await {
            Ok(value) => return Ok(value),
            Err(error) if attempt < ATTEMPTS && error.is_transient() => {
                tracing::warn!(what, attempt, %error, "backend failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_then_given_up() {
        let calls = Cell::new(0);
        let result: Result<(), BusError> = retry("test", || {
            calls.set(calls.get() + 1);
            async { Err(BusError::Unavailable("down".into())) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), ATTEMPTS);

        calls.set(0);
        let result: Result<(), StoreError> = retry("test", || {
            calls.set(calls.get() + 1);
            async { Err(StoreError::Corrupt("bad".into())) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), 1, "a lasting failure is not retried");

        calls.set(0);
        let result = retry("test", || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < ATTEMPTS {
                    Err(StoreError::Unavailable("busy".into()))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.ok(), Some(ATTEMPTS));
    }
}
