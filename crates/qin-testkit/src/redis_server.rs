//! A private `redis-server` on a free loopback port, killed when dropped; plain or TLS, with
//! any extra arguments (a password, ACL users) through [`RedisServer::builder`].
//!
//! Tests that need to kill or restart Redis start their own; others may share one and keep
//! apart with [`unique_prefix`].
//!
//! `redis-server` cannot say which port it got from port 0, so a free port is picked and
//! handed over; another process may take it meanwhile, and then `redis-server` exits. A server
//! therefore counts as started only once it answers on a Unix socket in its own directory,
//! which it opens after binding its TCP port, and a new port is tried if it exits instead.

use crate::{TempDir, TlsFiles};
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
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
    /// Its data directory (the AOF) and Unix socket, kept across restarts.
    dir: TempDir,
    options: RedisServerBuilder,
    child: Option<Child>,
}

/// How to start a [`RedisServer`] beyond the defaults: persistence, TLS, more arguments.
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct RedisServerBuilder {
    args: Vec<String>,
    appendonly: bool,
    tls: Option<TlsFiles>,
}

impl RedisServerBuilder {
    /// Adds `redis-server` arguments after the helper's own (which they may override), e.g.
    /// `["--requirepass", "…"]`.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds an ACL user `user` with `password` and `rules` (e.g. [`crate::qin_acl_rules`]),
    /// and turns the `default` user off, so every client must log in as someone. The
    /// password must need no escaping in a URL.
    pub fn acl_user(self, user: &str, password: &str, rules: &[String]) -> Self {
        let user_line = ["--user", user, "reset", "on", &format!(">{password}")];
        self.args(user_line)
            .args(rules.iter().cloned())
            .args(["--user", "default", "off"])
    }

    /// AOF persistence (`appendfsync always`), so the server can be killed and restarted
    /// without losing acknowledged writes.
    pub fn persistent(mut self) -> Self {
        self.appendonly = true;
        self
    }

    /// Serves TLS only, on its port, with `files`; clients need no certificate of their own.
    pub fn tls(mut self, files: TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    /// Starts the server. Panics (failing the test) if `redis-server` is missing or does not
    /// come up within 10 s.
    pub fn start(self) -> RedisServer {
        let mut last_error = String::new();
        for _ in 0..5 {
            let mut server = RedisServer {
                port: free_port(),
                dir: TempDir::new("redis"),
                options: self.clone(),
                child: None,
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("could not start redis-server: {last_error}");
    }
}

impl RedisServer {
    /// Starts a private server without persistence. Panics (failing the test) if
    /// `redis-server` is missing or does not come up within 10 s.
    pub fn start() -> Self {
        Self::builder().start()
    }

    /// Starts a private server with AOF persistence (`appendfsync always`), so it can be
    /// killed and restarted without losing acknowledged writes.
    pub fn start_persistent() -> Self {
        Self::builder().persistent().start()
    }

    /// Starts a private server with extra `redis-server` arguments, e.g.
    /// `&["--requirepass", "…"]`.
    pub fn start_with_args(args: &[&str]) -> Self {
        Self::builder().args(args.iter().copied()).start()
    }

    /// Options for a server other than the default one; [`RedisServerBuilder::start`] starts it.
    pub fn builder() -> RedisServerBuilder {
        RedisServerBuilder::default()
    }

    fn spawn(&mut self) -> Result<(), String> {
        let mut cmd = Command::new("redis-server");
        let port = self.port.to_string();
        match &self.options.tls {
            Some(tls) => {
                cmd.args(["--port", "0", "--tls-port", &port])
                    .arg("--tls-cert-file")
                    .arg(&tls.cert)
                    .arg("--tls-key-file")
                    .arg(&tls.key)
                    .arg("--tls-ca-cert-file")
                    .arg(&tls.ca)
                    .args(["--tls-auth-clients", "no"]);
            }
            None => {
                cmd.args(["--port", &port]);
            }
        }
        let appendonly = if self.options.appendonly { "yes" } else { "no" };
        cmd.args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", appendonly])
            .args(["--appendfsync", "always"])
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--unixsocket")
            .arg(self.socket())
            .args(["--unixsocketperm", "700"])
            .args(&self.options.args)
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

    /// Whether our own child answers on its Unix socket, which it opens only once its TCP
    /// port is bound. Any reply counts, `-NOAUTH` included.
    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        if self.child.is_none() {
            return false;
        }
        let Ok(mut stream) = UnixStream::connect(self.socket()) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut first = [0u8; 1];
        stream.write_all(b"PING\r\n").is_ok() && matches!(stream.read(&mut first), Ok(1))
    }

    /// Its Unix socket, in its own directory.
    fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// `redis://127.0.0.1:PORT`, or `rediss://127.0.0.1:PORT` for a TLS server.
    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme(), self.port)
    }

    /// [`RedisServer::url`] logging in as `user` (`""`: the `default` user, as with
    /// `requirepass`) with `password`, e.g. `redis://qin:secret@127.0.0.1:PORT/`. Neither
    /// may need escaping in a URL.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        format!(
            "{}://{user}:{password}@127.0.0.1:{}/",
            self.scheme(),
            self.port
        )
    }

    fn scheme(&self) -> &'static str {
        if self.options.tls.is_some() {
            "rediss"
        } else {
            "redis"
        }
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}
