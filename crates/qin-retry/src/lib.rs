//! Retries of store and bus calls that failed for a reason that may pass (backend
//! unreachable), shared by the router and auto-reply workers.

use qin_bus::BusError;
use qin_store::StoreError;
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// Delay before the first retry; it doubles after each.
const FIRST_DELAY: Duration = Duration::from_millis(50);

/// Whether an error may go away if the same call is simply tried again.
pub trait Transient: Display {
    /// True when trying again may succeed.
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

/// Calls `f` until it succeeds, fails for good, or `attempts` tries are used up, waiting
/// longer after each transient failure. The last error is returned for the caller to log.
pub async fn retry<T, E, F, Fut>(what: &'static str, attempts: u32, mut f: F) -> Result<T, E>
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
            Err(error) if attempt < attempts && error.is_transient() => {
                tracing::warn!(what, attempt, %error, "retrying after a backend failure");
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

    const ATTEMPTS: u32 = 5;

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_then_given_up() {
        let calls = Cell::new(0);
        let result: Result<(), BusError> = retry("test", ATTEMPTS, || {
            calls.set(calls.get() + 1);
            async { Err(BusError::Unavailable("down".into())) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), ATTEMPTS);

        calls.set(0);
        let result: Result<(), BusError> = retry("test", ATTEMPTS, || {
            calls.set(calls.get() + 1);
            async { Err(BusError::Closed) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), 1);

        calls.set(0);
        let result = retry("test", ATTEMPTS, || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err(StoreError::Unavailable("busy".into()))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.ok(), Some(3));
    }
}
