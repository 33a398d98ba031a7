//! Who a request comes from: the TCP peer, or, when the peer is a trusted proxy
//! (`connections.trusted_proxies`), the address it names in `X-Forwarded-For`. Handlers take
//! it as the extractor [`ClientAddr`]; per-address limits key on it.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use qin_config::Cidr;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client's address: the peer, or the one a trusted proxy forwarded for. A handler
/// takes it as an argument (`ClientAddr(ip): ClientAddr`). A request that did not come
/// through [`crate::serve`] (a router driven directly in a test) is from `0.0.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub IpAddr);

/// The TCP connection a request came on, set by the accept loop in every request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer {
    /// Whether the peer is a trusted proxy (its connections carry many clients).
    pub proxy: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<Self>()
            .copied()
            .unwrap_or(Self(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}

/// Whether `ip` is one of the trusted proxies.
pub(crate) fn is_proxy(ip: IpAddr, proxies: &[Cidr]) -> bool {
    proxies.iter().any(|p| p.contains(ip))
}

/// The client of a request from `peer` with `headers`. An untrusted peer is the client. A
/// trusted one is believed about the hops it appended: `X-Forwarded-For` is read from the
/// right, skipping trusted proxies; the first other address is the client (if every hop
/// is a proxy, the leftmost; a hop that is not an address ends the walk at the last
/// believed one).
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, proxies: &[Cidr]) -> IpAddr {
    let mut client = peer.to_canonical();
    if !is_proxy(client, proxies) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop.trim()) else {
            break;
        };
        client = ip;
        if !is_proxy(ip, proxies) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, maybe with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    fn proxies() -> Vec<Cidr> {
        vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()]
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let headers = forwarded(&["198.51.100.9"]);
        assert_eq!(
            client_ip(ip("203.0.113.5"), &headers, &proxies()),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_ip(ip("::ffff:203.0.113.5"), &headers, &[]),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn a_trusted_proxy_is_believed_about_the_hop_before_it() {
        let headers = forwarded(&["198.51.100.9"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &headers, &proxies()),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_ip(ip("::1"), &forwarded(&["[2001:db8::7]:4711"]), &proxies()),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn a_forged_leftmost_entry_is_not_believed() {
        // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
        let headers = forwarded(&["1.2.3.4, 198.51.100.9"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &headers, &proxies()),
            ip("198.51.100.9")
        );
        let two_proxies = forwarded(&["1.2.3.4, 198.51.100.9", "10.9.9.9"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &two_proxies, &proxies()),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn garbage_or_no_header_leaves_the_last_believed_hop() {
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &proxies()),
            ip("10.1.2.3")
        );
        let headers = forwarded(&["198.51.100.9, unknown"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &headers, &proxies()),
            ip("10.1.2.3")
        );
        let all_proxies = forwarded(&["10.3.3.3, 10.2.2.2"]);
        assert_eq!(
            client_ip(ip("10.1.2.3"), &all_proxies, &proxies()),
            ip("10.3.3.3")
        );
    }
}
