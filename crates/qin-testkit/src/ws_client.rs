//! A websocket client for tests: sends Qin frames as JSON and waits (with a timeout) for the
//! frame it expects, keeping the others for later.

use crate::WAIT;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// A connected test client.
pub struct WsClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames received but not yet taken by a `recv_*` call.
    backlog: VecDeque<Value>,
}

impl std::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsClient")
            .field("backlog", &self.backlog.len())
            .finish()
    }
}

impl WsClient {
    /// Connects to `url` (e.g. `ws://127.0.0.1:1234/ws/shopper`).
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio::time::timeout(WAIT, connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("connect to {url} timed out"))
            .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        Self {
            ws,
            backlog: VecDeque::new(),
        }
    }

    /// Connects to `url` from the local address `from` (e.g. `127.0.0.2`: any 127.x address is
    /// this machine's), so a test can be several clients on different addresses.
    pub async fn connect_from(url: &str, from: std::net::IpAddr) -> Self {
        Self::try_connect(url, &[], Some(from))
            .await
            .unwrap_or_else(|status| panic!("connect to {url} from {from}: status {status}"))
    }

    /// Connects to `url` with extra request `headers` (an `Origin`, say), from local address
    /// `from` if given. `Err` is the HTTP status of a refused upgrade, or 0 if the connection
    /// failed in another way (closed at once, say).
    pub async fn try_connect(
        url: &str,
        headers: &[(&str, &str)],
        from: Option<std::net::IpAddr>,
    ) -> Result<Self, u16> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
        let mut request = url.into_client_request().expect("a ws:// URL");
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
            let value = HeaderValue::from_str(value).expect("header value");
            request.headers_mut().insert(name, value);
        }
        let authority = request.uri().authority().expect("host:port").to_string();
        let work = async {
            let stream = crate::http::connect_from(from, &authority)
                .await
                .map_err(|_| 0_u16)?;
            tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
                .await
                .map_err(|e| match e {
                    tokio_tungstenite::tungstenite::Error::Http(response) => {
                        response.status().as_u16()
                    }
                    _ => 0,
                })
        };
        let (ws, _) = tokio::time::timeout(WAIT, work)
            .await
            .unwrap_or_else(|_| panic!("connect to {url} timed out"))?;
        Ok(Self {
            ws,
            backlog: VecDeque::new(),
        })
    }

    /// Sends a JSON value as a text frame.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Sends raw text (for malformed-input tests).
    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(WsMessage::text(text.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("send failed: {e}"));
    }

    /// Waits for the next frame of type `kind`, keeping other frames for later calls.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        self.recv_where(|f| f["type"] == kind)
            .await
            .unwrap_or_else(|| panic!("no {kind:?} frame within {WAIT:?}"))
    }

    /// Waits for the first frame matching `pred`; `None` on timeout or when the socket closes.
    pub async fn recv_where(&mut self, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            let Ok(WsMessage::Text(text)) = next else {
                continue;
            };
            let Ok(frame) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if pred(&frame) {
                return Some(frame);
            }
            self.backlog.push_back(frame);
        }
    }

    /// Whether a frame matching `pred` was already received and not yet taken. Use it after
    /// waiting for a later frame on the same topic: order is kept, so an earlier frame would
    /// be here.
    pub fn received(&self, pred: impl Fn(&Value) -> bool) -> bool {
        self.backlog.iter().any(pred)
    }

    /// Sends `hello` and returns the `welcome` frame.
    pub async fn hello(&mut self, shop: &str, token: Option<&str>) -> Value {
        self.send(json!({"type": "hello", "shop": shop, "token": token}))
            .await;
        self.recv_type("welcome").await
    }

    /// Sends a text message and returns its `seq` from the `ack`.
    pub async fn send_message(&mut self, conv: &str, cid: &str, body: &str) -> u64 {
        self.send(json!({"type": "send", "conv": conv, "cid": cid, "kind": "text", "body": body}))
            .await;
        let ack = self
            .recv_where(|f| f["type"] == "ack" && f["cid"] == cid)
            .await
            .unwrap_or_else(|| panic!("no ack for cid {cid}"));
        ack["seq"]
            .as_u64()
            .unwrap_or_else(|| panic!("ack without seq: {ack}"))
    }

    /// Waits for the `message` frame of `conv` whose body is `body`.
    pub async fn recv_message(&mut self, conv: &str, body: &str) -> Value {
        self.recv_where(|f| f["type"] == "message" && f["conv"] == conv && f["body"] == body)
            .await
            .unwrap_or_else(|| panic!("no message {body:?} in {conv} within {WAIT:?}"))
    }

    /// Waits for the server to close the socket; returns the close code.
    pub async fn recv_close(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??
            {
                Ok(WsMessage::Close(frame)) => return frame.map(|f| f.code.into()),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
