//! Where a `qin serve` child listens, read from its banner: the child binds port 0 itself and
//! says which port it got, so no port number is ever handed over and lost to another process.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use tokio::sync::watch;

/// What a child's standard output has said about its gateway so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listening {
    /// No banner yet.
    NotYet,
    /// The banner named this address.
    At(SocketAddr),
    /// The output ended without a banner: the child exited, or runs no gateway.
    Never,
}

/// Reads `output` on a thread of its own until it ends, publishing the banner's address.
/// Everything is read, so the child never blocks on a full pipe.
pub(crate) fn watch_output(output: impl Read + Send + 'static) -> watch::Receiver<Listening> {
    let (tx, rx) = watch::channel(Listening::NotYet);
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if *tx.borrow() == Listening::NotYet
                && let Some(addr) = banner_addr(&line)
            {
                tx.send_replace(Listening::At(addr));
            }
        }
        tx.send_if_modified(|seen| {
            let first = *seen == Listening::NotYet;
            if first {
                *seen = Listening::Never;
            }
            first
        });
    });
    rx
}

/// The address in a banner line such as `  Shopper widget (demo shop):  http://127.0.0.1:4000/`.
fn banner_addr(line: &str) -> Option<SocketAddr> {
    let (_, url) = line.split_once("http://")?;
    let (authority, _) = url.split_once('/')?;
    authority.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WAIT;

    async fn settled(mut rx: watch::Receiver<Listening>) -> Listening {
        let seen = tokio::time::timeout(WAIT, rx.wait_for(|l| *l != Listening::NotYet)).await;
        *seen.expect("output read").expect("reader alive")
    }

    #[test]
    fn the_shopper_widget_line_names_the_address() {
        let line = "  Shopper widget (demo shop):  http://127.0.0.1:40123/";
        assert_eq!(banner_addr(line), Some(([127, 0, 0, 1], 40123).into()));
        assert_eq!(banner_addr("  Qin (亲) is running — roles: gateway"), None);
        assert_eq!(banner_addr("see http://example.com/docs"), None);
    }

    #[tokio::test]
    async fn output_without_a_banner_says_never() {
        let rx = watch_output(&b"starting\nbye\n"[..]);
        assert_eq!(settled(rx).await, Listening::Never);
    }

    #[tokio::test]
    async fn the_first_banner_address_is_kept() {
        let out = "\n  Qin\n  Shopper widget:  http://127.0.0.1:5/\n  Console:  http://127.0.0.1:6/console\n";
        let rx = watch_output(out.as_bytes());
        assert_eq!(settled(rx).await, Listening::At(([127, 0, 0, 1], 5).into()));
    }
}
