//! `qin serve` as a child process, so a test can crash a gateway with `kill -9`, and what
//! Linux says about a process or a connection (`/proc`).

use crate::{WAIT, http};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A free loopback address to listen on.
pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// A `qin serve` child process, killed when dropped.
#[derive(Debug)]
pub struct QinProcess {
    child: Option<Child>,
    /// Where its gateway listens (meaningful only with the gateway role).
    pub addr: SocketAddr,
}

impl QinProcess {
    /// Runs `bin serve --config config --roles roles --listen addr [--redis redis]`, with
    /// `QIN_KEY_PREFIX=prefix`, a shared token secret, and only errors logged.
    pub fn serve(
        bin: &Path,
        config: &Path,
        roles: &str,
        redis: Option<&str>,
        prefix: &str,
    ) -> Self {
        let addr = free_addr();
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--config")
            .arg(config)
            .args(["--roles", roles, "--listen", &addr.to_string()])
            .env("QIN_SECRET", "fault-test-secret")
            .env("QIN_KEY_PREFIX", prefix)
            .env("QIN_LOG", "error")
            .stdout(Stdio::null());
        if let Some(url) = redis {
            cmd.args(["--redis", url]);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        Self {
            child: Some(child),
            addr,
        }
    }

    /// Waits until `GET /readyz` answers 200.
    pub async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok()
                && http(&self.addr.to_string(), "GET", "/readyz", None, None)
                    .await
                    .status
                    == 200
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "qin at {} never became ready",
                self.addr
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills it at once (SIGKILL), like a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Resident memory now and at its peak, in KiB (`VmRSS`, `VmHWM`).
    pub fn memory_kib(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name))?;
            line.split_whitespace().nth(1)?.parse().ok()
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for QinProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether the TCP connection from `local` to `remote` (IPv4) is `ESTABLISHED` on this
/// machine's side of `local`, from `/proc/net/tcp`. False once that side has closed it.
pub fn tcp_established(local: SocketAddr, remote: SocketAddr) -> bool {
    let hex = |a: SocketAddr| match a {
        SocketAddr::V4(v4) => {
            let ip = u32::from_le_bytes(v4.ip().octets());
            format!("{ip:08X}:{:04X}", v4.port())
        }
        SocketAddr::V6(_) => String::new(),
    };
    let (local, remote) = (hex(local), hex(remote));
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    table.lines().skip(1).any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        cols.len() > 3 && cols[1] == local && cols[2] == remote && cols[3] == "01"
    })
}
