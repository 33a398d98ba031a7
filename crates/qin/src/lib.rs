//! Qin as a library: start a node running any set of roles (gateway, router, auto-reply) on
//! the in-memory backend or on Redis. The `qin` binary and the integration tests use it.

pub mod node;
pub mod roles;

pub use node::{Backend, Node, NodeOptions};
pub use roles::{Role, Roles};
