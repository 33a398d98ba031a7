//! Who is logging in: the client address the login throttle counts and the audit log names.
//!
//! Today the TCP peer. Behind a trusted proxy that is the proxy, so this is the one place
//! to learn the client's own address (e.g. from `X-Forwarded-For`) instead.

use axum::extract::ConnectInfo;
use std::net::{IpAddr, SocketAddr};

/// The client's address for a request that came over the connection `peer`.
pub(crate) fn client_addr(peer: &ConnectInfo<SocketAddr>) -> IpAddr {
    peer.0.ip()
}
