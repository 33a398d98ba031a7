//! Waiting in a test for something that happens in its own time: a check is polled until it
//! holds, and the test fails after [`WAIT`] naming what never happened.
//!
//! Prefer waiting for an event (a frame, a channel, a process's output) where there is one;
//! this is for state that can only be looked at: a Redis counter, a REST answer, a file lock.

use crate::WAIT;
use std::fmt::Display;
use std::time::Duration;

/// The first pause between two checks; it doubles up to [`MAX_PAUSE`], so quick things are
/// seen quickly and slow ones are not polled hard.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause between two checks.
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// What a check returns: whether the awaited thing happened and, if it did, what it yielded.
///
/// - `bool`: `true` once it happened; yields `()`.
/// - `Option<T>`: `Some(value)` once it happened; yields the value.
/// - `Result<T, E>`: `Ok(value)` once it happened; the last `Err` is shown if the wait fails.
pub trait Outcome {
    /// What the wait yields once the check holds.
    type Value;

    /// `Ok` with the value once the check holds; otherwise `Err` with what the check saw
    /// instead, if it says.
    fn settled(self) -> Result<Self::Value, Option<String>>;
}

impl Outcome for bool {
    type Value = ();

    fn settled(self) -> Result<(), Option<String>> {
        if self { Ok(()) } else { Err(None) }
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;

    fn settled(self) -> Result<T, Option<String>> {
        self.ok_or(None)
    }
}

impl<T, E: Display> Outcome for Result<T, E> {
    type Value = T;

    fn settled(self) -> Result<T, Option<String>> {
        self.map_err(|e| Some(e.to_string()))
    }
}

/// Polls `check` until it holds and returns what it yielded. Fails the test if it does not
/// hold within [`WAIT`] (a check that hangs counts against the same bound), with a message
/// saying `what` never happened and, for a `Result` check, its last error.
///
/// ```no_run
/// # async fn example(host: &str) {
/// use qin_testkit::{eventually, http};
/// eventually("the profile switched to double11", async || {
///     let res = http(host, "GET", "/api/shops/afu/profile", None, None).await;
///     res.json()["profile"] == "double11"
/// })
/// .await;
/// # }
/// ```
///
/// In a spawned task, give the check what it needs by value (`async move ||`): a check that
/// borrows makes the task's future not provably `Send` with today's compiler.
pub async fn eventually<O: Outcome>(what: &str, check: impl AsyncFnMut() -> O) -> O::Value {
    match poll(WAIT, check).await {
        Ok(value) => value,
        Err(Some(last)) => panic!("{what}: not within {WAIT:?}; last: {last}"),
        Err(None) => panic!("{what}: not within {WAIT:?}"),
    }
}

/// Like [`eventually`] within `limit`, but returns `None` instead of failing the test: for a
/// test that reports what it measured before it asserts.
pub async fn poll_until<O: Outcome>(
    limit: Duration,
    check: impl AsyncFnMut() -> O,
) -> Option<O::Value> {
    poll(limit, check).await.ok()
}

/// Polls `check` for at most `limit`; on timeout, the last thing the check said.
async fn poll<O: Outcome>(
    limit: Duration,
    mut check: impl AsyncFnMut() -> O,
) -> Result<O::Value, Option<String>> {
    let mut last = None;
    let polling = async {
        let mut pause = FIRST_PAUSE;
        loop {
            match check().await.settled() {
                Ok(value) => return value,
                Err(seen) => last = seen,
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_PAUSE);
        }
    };
    let outcome = tokio::time::timeout(limit, polling).await;
    outcome.map_err(|_| last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn yields_what_the_check_found_once_it_holds() {
        let mut calls = 0;
        let found = eventually("the third call", async || {
            calls += 1;
            (calls == 3).then_some(calls * 10)
        })
        .await;
        assert_eq!(found, 30);
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "the port opened: not within 10s; last: refused")]
    async fn fails_naming_what_never_happened_and_the_last_error() {
        eventually("the port opened", async || Err::<(), _>("refused")).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_that_hangs_counts_against_the_limit() {
        let never = poll_until(WAIT, async || std::future::pending::<bool>().await).await;
        assert_eq!(never, None);
    }
}
