//! A private `redis-server` on a free loopback port, killed when dropped.
//!
//! Tests that need to kill or restart Redis start their own; others may share one and keep
//! apart with [`unique_prefix`].
//!
//! `redis-server` cannot say which port it got from port 0, so a free port is picked and
//! handed over; another process may take it meanwhile. A server therefore counts as started
//! only once the one answering on the port is our own child (its `process_id`), and a new
//! port is tried otherwise.

use crate::TempDir;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A key prefix no other test (or test run) uses, e.g. `qintest:1234:7:1700000000000:`.
pub fn unique_prefix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("qintest:{}:{n}:{now}:", std::process::id())
}

/// A `redis-server` process of this test's own.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    /// Its data directory (the AOF), kept across restarts.
    dir: TempDir,
    appendonly: bool,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a private server without persistence. Panics (failing the test) if
    /// `redis-server` is missing or does not come up within 10 s.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// Starts a private server with AOF persistence (`appendfsync always`), so it can be
    /// killed and restarted without losing acknowledged writes.
    pub fn start_persistent() -> Self {
        Self::start_with(true)
    }

    fn start_with(appendonly: bool) -> Self {
        let mut last_error = String::new();
        for _ in 0..5 {
            let mut server = Self {
                port: free_port(),
                dir: TempDir::new("redis"),
                appendonly,
                child: None,
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("could not start redis-server: {last_error}");
    }

    fn spawn(&mut self) -> Result<(), String> {
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", if self.appendonly { "yes" } else { "no" }])
            .args(["--appendfsync", "always"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().map_err(|e| {
            format!("redis-server not runnable ({e}); install it (apt-get install redis-server)")
        })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.answers() {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                return Err(format!("redis-server exited with {status}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err("redis-server did not answer PING within 10 s".into())
    }

    /// Whether our own child answers on the port (not another server that took it first).
    fn answers(&self) -> bool {
        let ours = self.child.as_ref().map(Child::id);
        ours.is_some() && server_pid(self.port) == ours
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server at once (SIGKILL), like a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and data directory.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(e) = self.spawn() {
            panic!("could not restart redis-server: {e}");
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // The data directory goes after this, with the field.
        self.kill();
    }
}

/// The `process_id` of the Redis server answering on `port` (`INFO server`), if one does.
fn server_pid(port: u16) -> Option<u32> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((_, rest)) = text.split_once("\r\nprocess_id:")
            && let Some((pid, _)) = rest.split_once("\r\n")
        {
            return pid.trim().parse().ok();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}
