//! `qin serve` as a child process, so a test can crash a gateway with `kill -9` or stop it
//! with a signal, and what Linux says about a process or a connection (`/proc`).
//!
//! A child binds port 0 itself and its banner says which port it got ([`banner`]): a port
//! number picked by the test and handed over could be taken by another process meanwhile.

mod banner;

use crate::{WAIT, eventually, http};
use banner::{Listening, watch_output};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use tokio::sync::watch;

/// A `qin serve` child process, killed when dropped.
#[derive(Debug)]
pub struct QinProcess {
    child: Option<Child>,
    /// What its standard output said about its gateway's address.
    listening: watch::Receiver<Listening>,
}

impl QinProcess {
    /// Runs `bin serve --config config --roles roles --listen 127.0.0.1:0 --data-dir ""
    /// [--redis redis]`, with `QIN_KEY_PREFIX=prefix`, a shared token secret, and only errors
    /// logged. Without Redis it keeps its data in memory. [`QinProcess::wait_ready`] tells
    /// where its gateway listens.
    pub fn serve(
        bin: &Path,
        config: &Path,
        roles: &str,
        redis: Option<&str>,
        prefix: &str,
    ) -> Self {
        Self::serve_with_env(bin, config, roles, redis, prefix, &[])
    }

    /// [`QinProcess::serve`] with more environment variables, e.g. `SSL_CERT_FILE` for the
    /// roots a `rediss://` connection trusts.
    pub fn serve_with_env(
        bin: &Path,
        config: &Path,
        roles: &str,
        redis: Option<&str>,
        prefix: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--config")
            .arg(config)
            .args(["--roles", roles])
            .args(["--listen", "127.0.0.1:0", "--data-dir", ""])
            .env("QIN_SECRET", "fault-test-secret-0123456789abcdef0123")
            .env("QIN_KEY_PREFIX", prefix)
            .env("QIN_LOG", "error")
            .stdout(Stdio::piped());
        if let Some(url) = redis {
            cmd.args(["--redis", url]);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        Self {
            child: Some(child),
            listening: watch_output(stdout),
        }
    }

    /// Waits until its gateway listens and `GET /readyz` answers 200; returns the gateway's
    /// address. Only for a process with the gateway role.
    pub async fn wait_ready(&self) -> SocketAddr {
        let mut listening = self.listening.clone();
        let said = tokio::time::timeout(WAIT, listening.wait_for(|l| *l != Listening::NotYet))
            .await
            .map(|l| l.map(|l| *l));
        let addr = match said {
            Ok(Ok(Listening::At(addr))) => addr,
            Err(_) => panic!("qin printed no gateway address within {WAIT:?}"),
            _ => panic!("qin ended before its gateway listened (see its errors above)"),
        };
        eventually(&format!("qin at {addr} ready"), async || {
            http(&addr.to_string(), "GET", "/readyz", None, None)
                .await
                .status
                == 200
        })
        .await;
        addr
    }

    /// Where its gateway listens. Panics before [`QinProcess::wait_ready`] has seen it.
    pub fn addr(&self) -> SocketAddr {
        match *self.listening.borrow() {
            Listening::At(addr) => addr,
            _ => panic!("qin's gateway address is not known yet: wait_ready first"),
        }
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends it the signal `name` (`TERM`, `HUP`, …).
    pub fn signal(&self, name: &str) {
        let pid = self.pid().expect("qin is running");
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status();
        assert!(
            sent.as_ref().is_ok_and(ExitStatus::success),
            "kill -{name} {pid}: {sent:?}"
        );
    }

    /// Waits until it exits by itself (after a signal) and returns how it ended.
    pub async fn wait_exit(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("qin is running");
        let status = eventually("qin exits", async || {
            child
                .try_wait()
                .unwrap_or_else(|e| panic!("cannot wait for qin: {e}"))
        })
        .await;
        self.child = None;
        status
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
