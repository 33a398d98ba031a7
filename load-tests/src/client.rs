//! The two wire dialects as the generator speaks them: Qin's JSON frames, and socket.io 4
//! (engine.io v4 packets: `0` open, `40` connect, `42[...]` event, `43<id>[...]` ack,
//! `2`/`3` ping/pong).

use crate::connect::{self, Ws};
use crate::target::{Dialect, Target};
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use tokio_tungstenite::tungstenite::Message;

/// Shopper or agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The shop's customer.
    Shopper,
    /// Customer-service staff.
    Agent,
}

/// A server frame as the generator reads it: only what it needs, borrowed.
#[derive(Debug, Deserialize)]
pub struct Frame<'a> {
    /// `type`.
    #[serde(rename = "type", borrow)]
    pub kind: &'a str,
    /// Conversation id.
    #[serde(default, borrow)]
    pub conv: Option<&'a str>,
    /// `message` / `ack` seq.
    #[serde(default)]
    pub seq: Option<u64>,
    /// `ack` / `message` client id.
    #[serde(default, borrow)]
    pub cid: Option<Cow<'a, str>>,
    /// `message` body.
    #[serde(default, borrow)]
    pub body: Option<Cow<'a, str>>,
    /// `message` sender.
    #[serde(default, borrow)]
    pub from: Option<From<'a>>,
    /// `conversation` state.
    #[serde(default, borrow)]
    pub state: Option<&'a str>,
    /// `conversation` queue position (set when the router queued the chat).
    #[serde(default)]
    pub position: Option<u32>,
    /// `error` code.
    #[serde(default, borrow)]
    pub code: Option<&'a str>,
    /// `welcome` token.
    #[serde(default)]
    pub token: Option<String>,
}

/// `from` of a message.
#[derive(Debug, Deserialize)]
pub struct From<'a> {
    /// shopper, agent, bot, system.
    #[serde(borrow)]
    pub role: &'a str,
}

/// Parses a Qin server frame; `None` if it is not one.
pub fn parse(text: &str) -> Option<Frame<'_>> {
    serde_json::from_str(text).ok()
}

/// Reads the next text frame, answering engine.io pings on the way.
pub async fn next_text(ws: &mut Ws) -> anyhow::Result<String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => ws.send(Message::text("3")).await?,
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_owned()),
            Some(Ok(Message::Close(c))) => bail!("closed by server: {c:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => bail!("connection ended"),
        }
    }
}

/// Reads text frames until `pick` accepts one (bounded by the connect timeout).
pub async fn wait_for<T>(
    ws: &mut Ws,
    mut pick: impl FnMut(&str) -> Option<T>,
) -> anyhow::Result<T> {
    let work = async {
        loop {
            let text = next_text(ws).await?;
            if let Some(found) = pick(&text) {
                return anyhow::Ok(found);
            }
        }
    };
    tokio::time::timeout(connect::CONNECT_TIMEOUT, work)
        .await
        .context("timed out waiting for a frame")?
}

/// Connects and completes the handshake: Qin `hello` → `welcome`; socket.io open and
/// namespace connect with `auth` = `{role, pair}`.
pub async fn open(
    dialect: Dialect,
    addr: SocketAddr,
    side: Side,
    source: Option<IpAddr>,
    shop: &str,
    agent_token: Option<&str>,
    pair: Option<usize>,
) -> anyhow::Result<Ws> {
    match dialect {
        Dialect::Qin => {
            let path = match side {
                Side::Shopper => "/ws/shopper",
                Side::Agent => "/ws/agent",
            };
            let mut ws = connect::websocket(addr, path, source).await?;
            let hello = json!({"type": "hello", "shop": shop, "token": agent_token});
            ws.send(Message::text(hello.to_string())).await?;
            wait_for(&mut ws, |t| match parse(t) {
                Some(f) if f.kind == "welcome" => Some(Ok(())),
                Some(f) if f.kind == "error" => Some(Err(anyhow::anyhow!("hello refused: {t}"))),
                _ => None,
            })
            .await??;
            Ok(ws)
        }
        Dialect::Socketio => {
            let path = "/socket.io/?EIO=4&transport=websocket";
            let mut ws = connect::websocket(addr, path, source).await?;
            wait_for(&mut ws, |t| t.starts_with('0').then_some(())).await?;
            let role = match side {
                Side::Shopper => "shopper",
                Side::Agent => "agent",
            };
            let auth = json!({"role": role, "pair": pair});
            ws.send(Message::text(format!("40{auth}"))).await?;
            wait_for(&mut ws, |t| match t {
                t if t.starts_with("40") => Some(Ok(())),
                t if t.starts_with("44") => Some(Err(anyhow::anyhow!("connect refused: {t}"))),
                _ => None,
            })
            .await??;
            Ok(ws)
        }
    }
}

/// Logs a Qin agent in (`POST /api/login`); returns its token.
pub async fn login(target: &Target, addr: SocketAddr, agent: &str) -> anyhow::Result<String> {
    let body = json!({"shop": target.shop, "agent": agent, "password": target.password});
    let answer = connect::post_json(addr, "/api/login", &body.to_string()).await?;
    let value: serde_json::Value = serde_json::from_str(&answer)?;
    value["token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("login of {agent}: no token in {answer}"))
}

/// A Qin agent: logged in, connected, said hello, `online` confirmed.
pub async fn online_agent(target: &Target, addr: SocketAddr, agent: &str) -> anyhow::Result<Ws> {
    let token = login(target, addr, agent).await?;
    let mut ws = open(
        Dialect::Qin,
        addr,
        Side::Agent,
        None,
        &target.shop,
        Some(&token),
        None,
    )
    .await?;
    let status = json!({"type": "status", "state": "online"});
    ws.send(Message::text(status.to_string())).await?;
    wait_for(&mut ws, |t| {
        parse(t)
            .filter(|f| f.kind == "status" && f.state == Some("online"))
            .map(|_| ())
    })
    .await?;
    Ok(ws)
}

/// The body of a relay message: `<step> <n> <sent_ns> xxxx…` padded to `len` bytes.
pub fn relay_body(step: usize, n: u64, sent_ns: u64, len: usize) -> String {
    let mut body = format!("{step} {n} {sent_ns} ");
    while body.len() < len {
        body.push('x');
    }
    body
}

/// Reads `(step, n, sent_ns)` back from a relay body.
pub fn parse_relay_body(body: &str) -> Option<(usize, u64, u64)> {
    let mut parts = body.split(' ');
    let step = parts.next()?.parse().ok()?;
    let n = parts.next()?.parse().ok()?;
    let sent = parts.next()?.parse().ok()?;
    Some((step, n, sent))
}

/// A relay send in `dialect`: Qin `send` with `cid` = n; socket.io `msg` event with ack id n.
pub fn relay_send(dialect: Dialect, conv: &str, n: u64, body: &str) -> String {
    match dialect {
        Dialect::Qin => format!(
            r#"{{"type":"send","conv":"{conv}","cid":"{n}","kind":"text","body":"{body}"}}"#
        ),
        Dialect::Socketio => format!(r#"42{n}["msg","{body}"]"#),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_bodies_round_trip() {
        let body = relay_body(3, 42, 123_456, 64);
        assert_eq!(body.len(), 64);
        assert_eq!(parse_relay_body(&body), Some((3, 42, 123_456)));
    }

    #[test]
    fn reads_message_frames() {
        let text = r#"{"type":"message","conv":"c1","seq":7,"cid":"x","from":{"role":"shopper","id":"v","name":"n"},"kind":"text","body":"hi","ts":1}"#;
        let f = parse(text).expect("frame");
        assert_eq!(
            (f.kind, f.seq, f.body.as_deref()),
            ("message", Some(7), Some("hi"))
        );
        assert_eq!(f.from.map(|f| f.role), Some("shopper"));
    }
}
