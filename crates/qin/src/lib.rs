//! Qin as a library: start a node running any set of roles (gateway, router, auto-reply) on
//! an embedded backend (in memory, or persisted in a data directory) or on Redis. The `qin`
//! binary and the integration tests use it.

mod data_dir;
pub mod demo;
pub mod node;
pub mod redis_client;
pub mod reload;
pub mod roles;
pub mod secret;
mod workers;

pub use node::{Backend, Node, NodeOptions};
pub use reload::Reloader;
pub use roles::{Role, Roles};
