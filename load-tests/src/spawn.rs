//! `--spawn`: a private deployment for one run on loopback — its own `redis-server` (no
//! persistence, same settings for both stacks), then either Qin (a router/auto-reply process
//! and N gateway processes) or N socket.io peer processes. Everything is killed on drop.

use crate::target::{Dialect, ServerProc, Target};
use anyhow::{Context, bail};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where the server programs are.
#[derive(Debug, Clone)]
pub struct Programs {
    /// The `qin` binary.
    pub qin: PathBuf,
    /// Qin config for the run.
    pub config: PathBuf,
    /// The socket.io peer's folder (with `server.js` and `node_modules`).
    pub peer: PathBuf,
}

/// The processes of a spawned deployment; they are killed when this is dropped.
#[derive(Debug)]
pub struct Cluster {
    children: Vec<Child>,
    /// Where to point the generator.
    pub target: Target,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A free loopback port (bound, then released).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where the gateways listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// Each on its own port; the generator deals sockets over them.
    OnePerGateway,
    /// All on one port (`SO_REUSEPORT`, Qin only); the kernel deals sockets among them.
    Shared,
}

/// Starts Redis and `gateways` servers of `dialect`.
pub async fn start(
    dialect: Dialect,
    gateways: usize,
    ports: Ports,
    programs: &Programs,
) -> anyhow::Result<Cluster> {
    let mut cluster = Cluster {
        children: Vec::new(),
        target: Target {
            dialect,
            gateways: Vec::new(),
            procs: Vec::new(),
            shop: "afu".into(),
            password: crate::qinconf::PASSWORD.into(),
        },
    };
    let redis_port = free_port()?;
    let redis = Command::new("redis-server")
        .args(["--port", &redis_port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--dir"])
        .arg(std::env::temp_dir())
        .stdout(Stdio::null())
        .spawn()
        .context("starting redis-server (is it installed?)")?;
    cluster.add("redis", redis, false);
    let redis_addr: SocketAddr = ([127, 0, 0, 1], redis_port).into();
    wait_tcp(redis_addr).await?;
    let redis_url = format!("redis://{redis_addr}");
    if dialect == Dialect::Qin {
        let router = qin_command(programs, &redis_url, "router,autoreply", None).spawn()?;
        cluster.add("router", router, false);
        // The router must follow the shop's events before the first chat opens.
        wait_subscribed(redis_addr).await?;
    }
    let shared = free_port()?;
    for g in 0..gateways {
        let port = match ports {
            Ports::OnePerGateway => free_port()?,
            Ports::Shared => shared,
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let child = match dialect {
            Dialect::Qin => qin_command(programs, &redis_url, "gateway", Some(addr)).spawn()?,
            Dialect::Socketio => Command::new("node")
                .arg(programs.peer.join("server.js"))
                .env("PORT", port.to_string())
                .env("REDIS_URL", &redis_url)
                .stdout(Stdio::null())
                .spawn()
                .context("starting node (is it installed?)")?,
        };
        let pid = child.id();
        cluster.add(&format!("gateway-{g}"), child, true);
        match ports {
            Ports::OnePerGateway => {
                wait_tcp(addr).await?;
                cluster.target.gateways.push(addr);
            }
            // The port answers as soon as the first gateway listens: wait for this one's own
            // listening socket instead.
            Ports::Shared => wait_listening(pid, port).await?,
        }
    }
    if ports == Ports::Shared {
        cluster
            .target
            .gateways
            .push(([127, 0, 0, 1], shared).into());
    }
    Ok(cluster)
}

impl Cluster {
    fn add(&mut self, name: &str, child: Child, gateway: bool) {
        self.target.procs.push(ServerProc {
            name: name.into(),
            pid: child.id(),
            gateway,
        });
        self.children.push(child);
    }
}

fn qin_command(
    programs: &Programs,
    redis: &str,
    roles: &str,
    listen: Option<SocketAddr>,
) -> Command {
    let mut cmd = Command::new(&programs.qin);
    cmd.arg("serve")
        .arg("--config")
        .arg(&programs.config)
        .args(["--redis", redis, "--roles", roles])
        .env("QIN_SECRET", "qin-load-secret-not-for-production")
        .env("QIN_LOG", "warn")
        .stdout(Stdio::null());
    if let Some(addr) = listen {
        cmd.args(["--listen", &addr.to_string()]);
    } else {
        // A router-only process binds nothing, but give it a port nobody uses anyway.
        cmd.args(["--listen", "127.0.0.1:0"]);
    }
    cmd
}

async fn wait_tcp(addr: SocketAddr) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("nothing listens on {addr} after 20 s")
}

/// Waits until process `pid` holds a socket listening on loopback `port`: its socket inodes
/// (`/proc/<pid>/fd`) against the listening entries of `/proc/net/tcp`.
async fn wait_listening(pid: u32, port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let local = format!("0100007F:{port:04X}");
    while Instant::now() < deadline {
        let tcp = std::fs::read_to_string("/proc/net/tcp")?;
        let listening: Vec<&str> = tcp
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            // Fields: sl, local, remote, state (0A = LISTEN), …, inode (10th).
            .filter(|f| f.len() > 9 && f[1] == local && f[3] == "0A")
            .map(|f| f[9])
            .collect();
        if let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
            let holds = fds.flatten().any(|fd| {
                std::fs::read_link(fd.path()).is_ok_and(|target| {
                    let target = target.to_string_lossy();
                    listening
                        .iter()
                        .any(|inode| target == format!("socket:[{inode}]"))
                })
            });
            if holds {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("gateway {pid} does not listen on port {port} after 20 s")
}

/// Waits until some process subscribed a Redis channel (the router follows its shop).
async fn wait_subscribed(redis: SocketAddr) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let mut stream = TcpStream::connect(redis).await?;
        stream
            .write_all(b"PUBSUB NUMPAT\r\nPUBSUB CHANNELS *\r\n")
            .await?;
        let mut buf = vec![0u8; 4096];
        tokio::time::sleep(Duration::from_millis(50)).await;
        let n = stream.read(&mut buf).await?;
        let reply = String::from_utf8_lossy(&buf[..n]);
        // Answers: ":<patterns>\r\n*<channels>\r\n..."
        let channels = reply
            .lines()
            .find_map(|l| l.strip_prefix('*'))
            .and_then(|c| c.parse::<i64>().ok());
        let patterns = reply
            .lines()
            .find_map(|l| l.strip_prefix(':'))
            .and_then(|c| c.parse::<i64>().ok());
        if channels.unwrap_or(0) > 0 || patterns.unwrap_or(0) > 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the router did not subscribe to Redis within 20 s")
}

/// Default program paths: `qin` next to this executable, the workspace's config and peer.
pub fn default_programs() -> Programs {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let qin = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("qin")))
        .unwrap_or_else(|| manifest.join("../target/release/qin"));
    Programs {
        qin,
        config: manifest.join("qin-load.toml"),
        peer: manifest.join("peers/socketio"),
    }
}
