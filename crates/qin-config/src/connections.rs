//! `[connections]`: how many connections the gateway holds, from whom, and for how long a
//! client may take to speak, so no one address (or a crowd of silent sockets) can use up the
//! process's open files.

use serde::Deserialize;
use std::net::IpAddr;

/// Connection ceilings, per-address caps, timeouts and the proxies whose
/// `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionsConfig {
    /// Most connections (HTTP and websocket) the process holds at once; past it new ones are
    /// closed at accept. 0 derives it from the open-files limit (`RLIMIT_NOFILE`), leaving
    /// room for the files and Redis connections the process needs itself.
    pub max_connections: usize,
    /// Connections of `max_connections` kept for plain HTTP (`/healthz`, `/readyz`,
    /// `/api/login`): websocket upgrades are refused (503) once open sockets reach
    /// `max_connections - http_reserve`.
    pub http_reserve: usize,
    /// Connections one client address may hold at once (direct clients: TCP connections;
    /// clients behind a trusted proxy: websockets).
    pub per_address: usize,
    /// Websocket upgrades one client address may start per second, on average.
    pub upgrades_per_s: u32,
    /// Upgrades one client address may start in a burst above the average.
    pub upgrade_burst: u32,
    /// Seconds a new socket has to send a valid `hello` before it is closed (code 4002).
    pub hello_timeout_s: u64,
    /// Seconds a client has to send a request's headers, counted from the connection's
    /// start or the previous answer (an idle keep-alive connection is closed after it).
    pub header_timeout_s: u64,
    /// Seconds a client has to send a request's body and get its answer (408 after it).
    pub body_timeout_s: u64,
    /// Proxies (addresses, or networks such as `10.0.0.0/8`) whose `X-Forwarded-For` is
    /// believed; any other peer is the client itself.
    pub trusted_proxies: Vec<Cidr>,
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        Self {
            max_connections: 0,
            http_reserve: 64,
            per_address: 256,
            upgrades_per_s: 10,
            upgrade_burst: 100,
            hello_timeout_s: 10,
            header_timeout_s: 10,
            body_timeout_s: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

/// An address or a network: `192.0.2.7`, `10.0.0.0/8`, `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` lies in this network (an IPv4 address written as IPv6, `::ffff:a.b.c.d`,
    /// counts as the IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an address or a network such as 10.0.0.0/8"))?;
        let network = network.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {bits}"))?,
        };
        Ok(Self { network, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")), "IPv4 written as IPv6");
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")));
        assert!(!one.contains(ip("192.0.2.8")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")));
        assert!(!all.contains(ip("::1")));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
    }

    #[test]
    fn bad_networks_are_refused() {
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "example.com",
            "10.0.0.0/x",
            "1.2.3",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?} accepted");
        }
    }
}
