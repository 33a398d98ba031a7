//! A chat party for fault tests: one shopper's widget or agent's console that behaves like a
//! well-written client. It reads its socket in the background, keeps a ledger of every
//! conversation, `sync`s after every `welcome` and `assigned`, retries sends with the same
//! `cid` after `unavailable` and after reconnecting, and can be cut off, reconnected to another
//! gateway, or made to stop reading. Cheap to clone; clones share the party.

mod io;
mod observe;

use crate::ledger::{Ledger, Sent};
use crate::{WAIT, http};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

/// Pause before a send refused with `unavailable` is tried again (same `cid`).
const RETRY_AFTER: Duration = Duration::from_millis(100);
/// Frames kept for [`ChatParty::wait_frame`]; older ones are dropped.
const INBOX: usize = 256;

type Ws = WebSocketStream<TcpStream>;

/// Which socket a party speaks on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `/ws/shopper`.
    Shopper,
    /// `/ws/agent`.
    Agent,
}

/// A shopper or agent client (see the module documentation).
#[derive(Clone)]
pub struct ChatParty {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ChatParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatParty")
            .field("side", &self.inner.side)
            .field("id", &self.id())
            .finish()
    }
}

struct Inner {
    side: Side,
    shop: String,
    /// Prefix of this party's `cid`s.
    tag: String,
    recv_buffer: Option<u32>,
    ledger: Mutex<Ledger>,
    /// Bumped after every frame, for waits.
    changed: watch::Sender<u64>,
    paused: watch::Sender<bool>,
    /// The current connection; frames of older ones are ignored.
    epoch: AtomicU64,
    link: Mutex<Option<Link>>,
    who: Mutex<Who>,
    next_cid: AtomicU64,
}

#[derive(Default)]
struct Who {
    token: Option<String>,
    id: String,
    local: Option<SocketAddr>,
}

/// One connection: its writer queue and the tasks that read and write it.
struct Link {
    tx: mpsc::UnboundedSender<String>,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for Link {
    fn drop(&mut self) {
        // Dropping both halves of the socket closes it, like a browser tab going away.
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ChatParty {
    fn new(side: Side, shop: &str, token: Option<String>) -> Self {
        static PARTIES: AtomicU64 = AtomicU64::new(0);
        Self {
            inner: Arc::new(Inner {
                side,
                shop: shop.to_owned(),
                tag: format!("p{}", PARTIES.fetch_add(1, Ordering::Relaxed)),
                recv_buffer: None,
                ledger: Mutex::default(),
                changed: watch::Sender::new(0),
                paused: watch::Sender::new(false),
                epoch: AtomicU64::new(0),
                link: Mutex::default(),
                who: Mutex::new(Who {
                    token,
                    ..Who::default()
                }),
                next_cid: AtomicU64::new(0),
            }),
        }
    }

    /// A shopper of `shop`, not connected yet; `token` keeps an earlier identity.
    pub fn shopper(shop: &str, token: Option<String>) -> Self {
        Self::new(Side::Shopper, shop, token)
    }

    /// An agent console of `shop` with the token from `POST /api/login`, not connected yet.
    pub fn agent(shop: &str, token: String) -> Self {
        Self::new(Side::Agent, shop, Some(token))
    }

    /// Makes the socket's kernel receive buffer `bytes` small, so a party that stops reading
    /// backs up into the server quickly. Call before the first `connect`.
    pub fn with_recv_buffer(mut self, bytes: u32) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.recv_buffer = Some(bytes);
        }
        self
    }

    /// A shopper connected to `addr` that said hello.
    pub async fn connected_shopper(addr: SocketAddr, shop: &str) -> Self {
        let party = Self::shopper(shop, None);
        party.connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
        party
    }

    /// An agent logged in with `password`, connected to `addr`, with status `online`.
    pub async fn online_agent(addr: SocketAddr, shop: &str, agent: &str, password: &str) -> Self {
        let body = json!({"shop": shop, "agent": agent, "password": password});
        let res = http(&addr.to_string(), "POST", "/api/login", None, Some(&body)).await;
        assert_eq!(res.status, 200, "login {agent}: {}", res.body);
        let token = res.json()["token"].as_str().expect("token").to_owned();
        let party = Self::agent(shop, token);
        party.connect(addr).await.unwrap_or_else(|e| panic!("{e}"));
        party.send_frame(&json!({"type": "status", "state": "online"}));
        let status = party
            .wait_frame(WAIT, |f| f["type"] == "status" && f["state"] == "online")
            .await;
        assert!(status.is_some(), "agent {agent} never became online");
        party
    }

    /// Connects (or reconnects) to the gateway at `addr`: `hello` with the party's token, then
    /// `sync` of every conversation it knows (sent on `welcome`) and every unacked send again.
    /// Returns once `welcome` arrived.
    pub async fn connect(&self, addr: SocketAddr) -> Result<(), String> {
        let ws = self.open_socket(addr).await?;
        let (sink, stream) = ws.split();
        let (tx, rx) = mpsc::unbounded_channel();
        let epoch = {
            let mut ledger = lock(&self.inner.ledger);
            ledger.new_connection();
            self.inner.epoch.fetch_add(1, Ordering::SeqCst) + 1
        };
        let reader = tokio::spawn(io::read(self.inner.clone(), epoch, stream, tx.clone()));
        let writer = tokio::spawn(io::write(sink, rx));
        let before = lock(&self.inner.ledger).welcomes;
        let hello = json!({"type": "hello", "shop": self.inner.shop, "token": self.token()});
        let _ = tx.send(hello.to_string());
        *lock(&self.inner.link) = Some(Link {
            tx: tx.clone(),
            tasks: [reader, writer],
        });
        let welcomed = self
            .wait(WAIT, |l| l.welcomes > before || l.closed.is_some())
            .await;
        let ledger = lock(&self.inner.ledger);
        if !welcomed || ledger.welcomes == before {
            let errors = ledger.inbox.iter().filter(|f| f["type"] == "error");
            let errors: Vec<_> = errors.map(Value::to_string).collect();
            return Err(format!("no welcome from {addr}: {errors:?}"));
        }
        let unacked: Vec<String> = ledger
            .sent
            .values()
            .filter(|s| s.acked.is_none())
            .map(|s| s.frame.clone())
            .collect();
        drop(ledger);
        lock(&self.inner.ledger).retries += unacked.len() as u64;
        for frame in unacked {
            let _ = tx.send(frame);
        }
        Ok(())
    }

    async fn open_socket(&self, addr: SocketAddr) -> Result<Ws, String> {
        let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
        if let Some(bytes) = self.inner.recv_buffer {
            socket
                .set_recv_buffer_size(bytes)
                .map_err(|e| e.to_string())?;
        }
        let stream = tokio::time::timeout(WAIT, socket.connect(addr))
            .await
            .map_err(|_| format!("connect to {addr} timed out"))?
            .map_err(|e| format!("connect to {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        lock(&self.inner.who).local = stream.local_addr().ok();
        let path = match self.inner.side {
            Side::Shopper => "/ws/shopper",
            Side::Agent => "/ws/agent",
        };
        // Small buffers: the defaults (128 KiB each) make thousands of test clients costly.
        let config = WebSocketConfig::default()
            .read_buffer_size(8 * 1024)
            .write_buffer_size(0);
        let handshake =
            client_async_with_config(format!("ws://{addr}{path}"), stream, Some(config));
        let (ws, _) = tokio::time::timeout(WAIT, handshake)
            .await
            .map_err(|_| format!("websocket handshake with {addr} timed out"))?
            .map_err(|e| format!("websocket handshake with {addr}: {e}"))?;
        Ok(ws)
    }

    /// Drops the connection at once, without a close handshake.
    pub fn drop_connection(&self) {
        lock(&self.inner.link).take();
    }

    /// Stops reading the socket (the server's frames back up), until [`Self::resume_reading`].
    pub fn pause_reading(&self) {
        self.inner.paused.send_replace(true);
    }

    /// Reads the socket again.
    pub fn resume_reading(&self) {
        self.inner.paused.send_replace(false);
    }

    /// The visitor or agent id (known after the first `welcome`).
    pub fn id(&self) -> String {
        lock(&self.inner.who).id.clone()
    }

    /// The latest token: the shopper's from `welcome`, or the agent's login token.
    pub fn token(&self) -> Option<String> {
        lock(&self.inner.who).token.clone()
    }

    /// The client side address of the latest connection.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        lock(&self.inner.who).local
    }

    /// Sends any frame on the current connection (dropped if there is none).
    pub fn send_frame(&self, frame: &Value) {
        self.send_text(frame.to_string());
    }

    fn send_text(&self, text: String) {
        if let Some(link) = lock(&self.inner.link).as_ref() {
            let _ = link.tx.send(text);
        }
    }

    /// Sends a text message with a fresh `cid`; returns the `cid`. It is retried with the same
    /// `cid` until acked.
    pub fn send(&self, conv: &str, body: &str) -> String {
        let n = self.inner.next_cid.fetch_add(1, Ordering::Relaxed);
        let cid = format!("{}-{n}", self.inner.tag);
        self.send_cid(conv, &cid, body);
        cid
    }

    /// Sends a text message with the given `cid` (again, if it was sent before).
    pub fn send_cid(&self, conv: &str, cid: &str, body: &str) {
        let frame = json!({"type": "send", "conv": conv, "cid": cid, "kind": "text", "body": body})
            .to_string();
        lock(&self.inner.ledger)
            .sent
            .entry(cid.to_owned())
            .or_insert_with(|| Sent {
                conv: conv.to_owned(),
                frame: frame.clone(),
                at: Instant::now(),
                acked: None,
            });
        self.send_text(frame);
    }

    /// Opens a chat in `group`; returns the conversation id.
    pub async fn open(&self, group: &str) -> String {
        let before = lock(&self.inner.ledger).order.len();
        self.send_frame(&json!({"type": "open", "group": group}));
        let opened = self.wait(WAIT, |l| l.order.len() > before).await;
        assert!(opened, "open {group}: no conversation within {WAIT:?}");
        lock(&self.inner.ledger).order[before].clone()
    }
}
