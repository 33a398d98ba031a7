//! The websocket loop every shopper and agent socket runs: admitted at the upgrade (socket
//! ceiling, per-address caps, staff origin), hello first and in time (a shopper's page origin
//! checked against the shop), then frames in, hub deliveries out, with size and rate limits,
//! slow-consumer and shutdown handling.

use crate::admission::Refusal;
use crate::agent::AgentSession;
use crate::client::{ClientAddr, Peer};
use crate::conn::Conn;
use crate::error::ApiError;
use crate::hub::{Next, Outbox, Outgoing};
use crate::origin::Page;
use crate::rate::RateLimit;
use crate::shopper::ShopperSession;
use crate::state::GatewayState;
use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use qin_proto::{ClientFrame, ErrorCode, ProtoError, Role};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, ready};
use tokio::time::Sleep;

/// Close code sent when the gateway shuts down: reconnect (to any gateway) and `sync`.
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// Close code sent to a socket that did not read its frames fast enough: reconnect and `sync`.
pub const CLOSE_TOO_SLOW: u16 = 4008;
/// Close code sent when `hello` is refused (bad token, unknown shop).
pub const CLOSE_UNAUTHORIZED: u16 = 4001;
/// Close code sent to a socket that sent no valid `hello` within
/// `connections.hello_timeout_s`.
pub const CLOSE_HELLO_TIMEOUT: u16 = 4002;
/// Close code sent when the page that opened a shopper socket is not one of the shop's
/// storefront `origins` (nor the gateway's own).
pub const CLOSE_ORIGIN_REFUSED: u16 = 4004;
/// Close code sent to an agent's console when she is signed out (logout, a supervisor,
/// removed or disabled in the config): log in again.
pub const CLOSE_SIGNED_OUT: u16 = 4003;

const GOING_AWAY: &str = "gateway shutting down; reconnect";
const TOO_SLOW: &str = "too slow to keep up; reconnect and sync";
const SIGNED_OUT: &str = "signed out; log in again";
const HELLO_LATE: &str = "no hello in time";
const ORIGIN_REFUSED: &str = "this page may not chat with this shop";
/// How long a closing socket may take to accept its close frame. One that stopped reading
/// never will: it is dropped after this (its client sees 1006) so it holds nothing longer.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /ws/shopper`.
pub async fn shopper(
    ws: WebSocketUpgrade,
    State(state): State<GatewayState>,
    ClientAddr(client): ClientAddr,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
) -> Response {
    let counted = peer.is_some_and(|Extension(p)| !p.proxy);
    upgrade(
        ws,
        state,
        Role::Shopper,
        (client, counted),
        Page::of(&headers),
    )
}

/// `GET /ws/agent`: only from the gateway's own pages when a browser opens it.
pub async fn agent(
    ws: WebSocketUpgrade,
    State(state): State<GatewayState>,
    ClientAddr(client): ClientAddr,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
) -> Response {
    let page = Page::of(&headers);
    if page.as_ref().is_some_and(|p| !p.same_origin()) {
        tracing::debug!(%client, "staff socket from a foreign page refused");
        let refused = ProtoError::new(ErrorCode::Forbidden, "staff sockets only from this site");
        return ApiError::from(refused).into_response();
    }
    let counted = peer.is_some_and(|Extension(p)| !p.proxy);
    upgrade(ws, state, Role::Agent, (client, counted), None)
}

/// Bytes tungstenite reads from the socket at a time; each socket keeps a buffer of this
/// size for its whole life. Client frames are small (a `send` is a few hundred bytes), and a
/// larger one still arrives whole: the buffer grows to hold it, it just takes more reads.
const READ_BUFFER: usize = 1024;

/// Admits and upgrades a socket of `role` for `client` (`counted`: its connection already
/// counts against the client's address); `page` is checked at the shopper's `hello`.
fn upgrade(
    ws: WebSocketUpgrade,
    state: GatewayState,
    role: Role,
    (client, counted): (std::net::IpAddr, bool),
    page: Option<Page>,
) -> Response {
    let slot = match state.admission.upgrade(client, counted) {
        Ok(slot) => slot,
        Err(why) => {
            tracing::debug!(%client, ?why, "socket refused");
            let refused = match why {
                Refusal::SocketsFull | Refusal::Full => ProtoError::new(
                    ErrorCode::Unavailable,
                    "this gateway holds all the sockets it can; retry later or elsewhere",
                ),
                Refusal::AddressFull | Refusal::TooFast => ProtoError::new(
                    ErrorCode::RateLimited,
                    "too many sockets from this address; retry later",
                ),
            };
            return ApiError::from(refused).into_response();
        }
    };
    let limit = state.config.limits.max_frame_bytes;
    // Small buffers keep an idle socket cheap (axum's defaults cost ~130 KiB each). Frames a
    // little over the limit still arrive and get a `too_large` error; far larger ones (over
    // 4x) are refused by the websocket layer itself, which drops the connection.
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(limit * 4)
        .max_frame_size(limit * 4)
        .on_upgrade(move |socket| {
            let sockets = state.sockets.clone();
            let page = page.map(Box::new);
            let task = run(socket, state, role, client, page);
            sockets.track_future(async move {
                task.await;
                drop(slot);
            })
        })
}

enum Session {
    Shopper(ShopperSession),
    // Boxed: agents are few, and an agent's session is the larger one; an idle shopper's
    // task should not carry room for it.
    Agent(Box<AgentSession>),
}

/// One socket, from upgrade to goodbye. The future returned is the socket task's whole
/// allocation for as long as the socket lives, so it captures only what the loop needs
/// (an `async fn` would also keep its arguments' slots for good), and what runs only now
/// and then (handling a client frame, an agent event, the goodbye) is boxed while it runs
/// rather than kept inline: an idle socket's future stays under 1 KiB
/// (`run_future_stays_small` below).
fn run(
    socket: WebSocket,
    state: GatewayState,
    role: Role,
    client: std::net::IpAddr,
    page: Option<Box<Page>>,
) -> impl Future<Output = ()> {
    let limits = &state.config.limits;
    let hello_within = std::time::Duration::from_secs(state.config.connections.hello_timeout_s);
    // Boxed and dropped after `hello`: a timer is large, and only new sockets need one.
    let mut hello_by: Option<Pin<Box<Sleep>>> = Some(Box::pin(tokio::time::sleep(hello_within)));
    let mut page = page;
    let outbox = Arc::new(Outbox::new(limits.outbox_frames));
    let mut rate = RateLimit::new(limits.frames_per_s, limits.frame_burst);
    let shutdown = state.shutdown.clone();
    let mut conn = Conn::new(state, outbox.clone(), client);
    // Not split: one task reads and writes, never both at once, and a split would move the
    // websocket into a second allocation behind a lock.
    let mut socket = socket;
    async move {
        let mut session: Option<Session> = None;
        let close = loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break Some((CLOSE_GOING_AWAY, GOING_AWAY)),
                () = until(&mut hello_by) => break Some((CLOSE_HELLO_TIMEOUT, HELLO_LATE)),
                received = outbox.recv() => match received {
                    Next::Killed => break Some((CLOSE_TOO_SLOW, TOO_SLOW)),
                    Next::Item(Outgoing::Frame(text)) => conn.replies.push(text),
                    Next::Item(Outgoing::Event(payload)) => {
                        if let Some(Session::Agent(agent)) = session.as_mut()
                            && Box::pin(agent.on_event(&mut conn, payload)).await.is_some()
                        {
                            flush(&mut socket, &mut conn.replies).await;
                            break Some((CLOSE_SIGNED_OUT, SIGNED_OUT));
                        }
                    }
                },
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        if !rate.allow(tokio::time::Instant::now()) {
                            let err = ProtoError::new(ErrorCode::RateLimited, "too many frames; slow down");
                            conn.error(&err, None);
                        } else if let Err(close) = Box::pin(handle(&mut conn, &mut session, role, &mut page, &text)).await {
                            flush(&mut socket, &mut conn.replies).await;
                            break Some(close);
                        }
                        if session.is_some() {
                            hello_by = None;
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        conn.error(&ProtoError::bad_frame("binary frames are not supported; send JSON text"), None);
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break None,
                },
            }
            // A client that stopped reading blocks this write for good; the hub's verdict
            // (its outbox overflowed) and shutdown must still end the socket.
            let written = tokio::select! {
                biased;
                written = flush(&mut socket, &mut conn.replies) => written,
                () = outbox.killed() => break Some((CLOSE_TOO_SLOW, TOO_SLOW)),
                () = shutdown.cancelled() => break Some((CLOSE_GOING_AWAY, GOING_AWAY)),
            };
            if !written {
                break None;
            }
        };
        outbox.close();
        if let Some((code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            };
            let goodbye = socket.send(Message::Close(Some(frame)));
            let _ = Box::pin(tokio::time::timeout(CLOSE_TIMEOUT, goodbye)).await;
        }
        match session.as_mut() {
            Some(Session::Agent(agent)) => Box::pin(agent.on_close(&mut conn)).await,
            Some(Session::Shopper(shopper)) => Box::pin(shopper.on_close(&mut conn)).await,
            None => {}
        }
        conn.unfollow_all();
    }
}

/// Waits for `deadline`, forever if there is none.
async fn until(deadline: &mut Option<Pin<Box<Sleep>>>) {
    match deadline {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Handles one client text frame. `Err` is the close code and reason the socket must close
/// with (a refused `hello`). `page` is the page that opened a shopper socket, checked
/// against the shop at `hello`.
async fn handle(
    conn: &mut Conn,
    session: &mut Option<Session>,
    role: Role,
    page: &mut Option<Box<Page>>,
    text: &str,
) -> Result<(), (u16, &'static str)> {
    let limits = conn.state.config.limits.frame_limits();
    let frame = match ClientFrame::parse(text, &limits) {
        Ok(frame) => frame,
        Err(e) => {
            conn.error(&e, reference(text));
            return Ok(());
        }
    };
    let reference = frame_reference(&frame);
    let result = match (session.as_mut(), frame) {
        (None, ClientFrame::Hello { shop, token, buyer }) => {
            if role == Role::Shopper
                && let Some(from) = page.as_deref()
                && let Some(config) = conn.state.shop(&shop)
                && !from.may_chat_with(&config)
            {
                let refused = ProtoError::new(ErrorCode::Forbidden, ORIGIN_REFUSED);
                conn.error(&refused, Some("hello".into()));
                return Err((CLOSE_ORIGIN_REFUSED, ORIGIN_REFUSED));
            }
            let started = match role {
                Role::Agent => AgentSession::hello(conn, shop, token)
                    .await
                    .map(|a| Session::Agent(Box::new(a))),
                _ => ShopperSession::hello(conn, shop, token, buyer)
                    .await
                    .map(Session::Shopper),
            };
            match started {
                Ok(s) => {
                    *session = Some(s);
                    *page = None;
                    Ok(())
                }
                Err(e) if matches!(e.code, ErrorCode::Unauthorized | ErrorCode::NotFound) => {
                    conn.error(&e, Some("hello".into()));
                    return Err((CLOSE_UNAUTHORIZED, "hello refused"));
                }
                Err(e) => Err(e),
            }
        }
        (None, _) => Err(ProtoError::new(
            ErrorCode::Unauthorized,
            "the first frame must be hello",
        )),
        (Some(Session::Shopper(s)), frame) => s.on_frame(conn, frame).await,
        (Some(Session::Agent(a)), frame) => a.on_frame(conn, frame).await,
    };
    if let Err(e) = result {
        conn.error(&e, Some(reference));
    }
    Ok(())
}

/// What an error answers: the `cid` of a send, else the frame's type.
fn frame_reference(frame: &ClientFrame) -> String {
    match frame {
        ClientFrame::Send { cid, .. } => cid.clone(),
        other => other.type_name().to_owned(),
    }
}

/// Best-effort reference for a frame that did not parse: its `cid` or `type` if readable.
fn reference(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let pick = |k: &str| value.get(k)?.as_str().map(|s| s.chars().take(64).collect());
    pick("cid").or_else(|| pick("type"))
}

/// Writes queued frames; false when the socket is gone. The list's memory goes with them,
/// so an idle socket keeps none. By hand rather than with `feed`, so the loop's future
/// (which every socket keeps) need not hold room for a frame in flight.
fn flush<'a>(
    socket: &'a mut WebSocket,
    replies: &'a mut Vec<Utf8Bytes>,
) -> impl Future<Output = bool> + 'a {
    let mut sent = 0;
    std::future::poll_fn(move |cx| {
        if replies.is_empty() {
            return Poll::Ready(true);
        }
        let written = loop {
            if sent == replies.len() {
                break ready!(socket.poll_flush_unpin(cx)).is_ok();
            }
            if ready!(socket.poll_ready_unpin(cx)).is_err() {
                break false;
            }
            let text = std::mem::take(&mut replies[sent]);
            sent += 1;
            if socket.start_send_unpin(Message::Text(text)).is_err() {
                break false;
            }
        };
        *replies = Vec::new();
        Poll::Ready(written)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn future_size<F, Fut>(_: F) -> usize
    where
        F: FnOnce(WebSocket, GatewayState, Role, std::net::IpAddr, Option<Box<Page>>) -> Fut,
    {
        size_of::<Fut>()
    }

    /// Every open socket's task holds this future: keep what is rarely running out of it.
    #[test]
    fn run_future_stays_small() {
        let size = future_size(run);
        eprintln!("socket future: {size} bytes");
        assert!(size <= 1024, "the socket future grew to {size} bytes");
    }
}
