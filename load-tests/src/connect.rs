//! Opening sockets: websockets from a chosen loopback source address (so one machine can
//! hold more than one address's worth of ephemeral ports), and a one-shot HTTP POST.

use anyhow::{Context, bail};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// A client websocket.
pub type Ws = WebSocketStream<TcpStream>;

/// How long connecting, a handshake or a login may take before it counts as an error.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Connects a TCP socket to `addr`, from `source` when given (port chosen by the kernel).
pub async fn tcp(addr: SocketAddr, source: Option<IpAddr>) -> anyhow::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    socket.set_nodelay(true)?;
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(addr))
        .await
        .context("TCP connect timed out")??;
    Ok(stream)
}

/// Opens a websocket to `ws://addr{path}`. Small buffers: the generator may hold tens of
/// thousands of these.
pub async fn websocket(addr: SocketAddr, path: &str, source: Option<IpAddr>) -> anyhow::Result<Ws> {
    let stream = tcp(addr, source).await?;
    let url = format!("ws://{addr}{path}");
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, _) = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_tungstenite::client_async_with_config(url, stream, Some(config)),
    )
    .await
    .context("websocket upgrade timed out")??;
    Ok(ws)
}

/// `POST path` with a JSON body; returns the body of a 200 answer.
pub async fn post_json(addr: SocketAddr, path: &str, body: &str) -> anyhow::Result<String> {
    let work = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        anyhow::Ok(String::from_utf8_lossy(&raw).into_owned())
    };
    let raw = tokio::time::timeout(CONNECT_TIMEOUT, work)
        .await
        .context("HTTP request timed out")??;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).unwrap_or("?");
    if status != "200" {
        bail!("POST {path}: HTTP {status}: {body}");
    }
    Ok(body.to_owned())
}
