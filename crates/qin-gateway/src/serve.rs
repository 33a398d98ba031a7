//! The gateway's accept loop: admits each TCP connection (process ceiling, per-address
//! cap), serves it over HTTP/1.1 with a header-read timeout and websocket upgrades, tells
//! every request who its client is, backs off when accepting fails (out of open files), and
//! stops through the state's shutdown token, draining connections and then sockets.

use crate::admission::Refusal;
use crate::burst::Burst;
use crate::client::{ClientAddr, Peer, client_ip, is_proxy};
use crate::state::GatewayState;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use qin_config::Cidr;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How long a stopping gateway waits for its connections, then its sockets, to finish.
const DRAIN: Duration = Duration::from_secs(10);
/// Pause after a failed accept (out of open files, say), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` (the gateway's routes over `state`) on `listener` until `state.shutdown`
/// is cancelled. Then it stops accepting, lets requests in flight finish, tells every open
/// socket to reconnect elsewhere (close code 1001), and waits (at most 10 s each) until
/// connections and sockets are done.
pub(crate) async fn run(
    listener: TcpListener,
    state: GatewayState,
    router: Router,
) -> std::io::Result<()> {
    let shutdown = state.shutdown.clone();
    let connections = TaskTracker::new();
    let proxies: Arc<[Cidr]> = state.config.connections.trusted_proxies.clone().into();
    let header_timeout = Duration::from_secs(state.config.connections.header_timeout_s);
    let limits = state.admission.limits();
    tracing::info!(
        max_connections = limits.max_connections,
        max_sockets = limits.max_sockets,
        per_address = limits.per_address,
        "accepting connections"
    );
    let (mut failures, mut refusals) = (Burst::default(), Burst::default());
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if is_per_connection(&e) => continue,
            Err(e) => {
                if let Some(earlier) = failures.note(Instant::now()) {
                    tracing::warn!(error = %e, earlier, "cannot accept connections; backing off");
                }
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let ip = peer.ip().to_canonical();
        let proxy = is_proxy(ip, &proxies);
        let slot = match state.admission.accept(ip, !proxy) {
            Ok(slot) => slot,
            Err(why) => {
                drop(stream);
                if let Some(earlier) = refusals.note(Instant::now()) {
                    let why = match why {
                        Refusal::AddressFull => "the address holds connections.per_address already",
                        _ => "the process holds connections.max_connections already",
                    };
                    tracing::warn!(%ip, earlier, "connection refused: {why}");
                }
                continue;
            }
        };
        let (router, proxies, shutdown) = (router.clone(), proxies.clone(), shutdown.clone());
        connections.spawn(async move {
            let connection = Connection {
                peer,
                proxy,
                proxies,
                header_timeout,
            };
            connection.serve(stream, router, shutdown).await;
            drop(slot);
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(DRAIN, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            left = connections.len(),
            "connections still open after the drain period"
        );
    }
    let sockets = state.sockets.clone();
    sockets.close();
    if tokio::time::timeout(DRAIN, sockets.wait()).await.is_err() {
        tracing::warn!(
            left = sockets.len(),
            "sockets still open after the drain period"
        );
    }
    Ok(())
}

/// Errors that concern one connection that came and went, not the listener.
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// One admitted TCP connection.
struct Connection {
    peer: SocketAddr,
    proxy: bool,
    proxies: Arc<[Cidr]>,
    header_timeout: Duration,
}

impl Connection {
    /// Serves HTTP/1.1 requests (and at most one upgrade) until the client leaves, is too
    /// slow with its headers, or the gateway stops (requests in flight are finished first).
    async fn serve(self, stream: TcpStream, router: Router, shutdown: CancellationToken) {
        let Self {
            peer,
            proxy,
            proxies,
            header_timeout,
        } = self;
        let service =
            hyper::service::service_fn(move |mut request: axum::http::Request<Incoming>| {
                let client = client_ip(peer.ip(), request.headers(), &proxies);
                request.extensions_mut().insert(ClientAddr(client));
                request.extensions_mut().insert(Peer { proxy });
                router.clone().oneshot(request)
            });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut connection = pin!(connection);
        tokio::select! {
            _ = connection.as_mut() => {}
            () = shutdown.cancelled() => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        }
    }
}
