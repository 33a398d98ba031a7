//! Qin's configuration (`config/qin.toml`): typed, validated at start, unknown keys rejected,
//! with `QIN_*` environment overrides for deployment settings.

mod buyer;
pub mod calendar;
mod connections;
mod env;
mod handle;
mod keyed;
mod login;
mod shop;
mod validate;

pub use buyer::{BuyerRefusal, sign_buyer};
pub use connections::{Cidr, ConnectionsConfig};
pub use env::apply_env;
pub use handle::agent_handle;
pub use login::LoginConfig;
pub use shop::{
    AgentConfig, AutoReplyConfig, GroupConfig, HoldingMessage, HoursConfig, KeywordRule,
    PhraseConfig, ProfileConfig, RoutingConfig, ShiftEnd, ShopConfig, SpecialDay,
};

use qin_proto::{AgentId, GroupId, ShopId};
use serde::Deserialize;
use std::path::Path;

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML does not parse or does not fit the schema (including unknown keys).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's explanation, with line and key.
        message: String,
    },
    /// A value is out of range or inconsistent with another.
    #[error("invalid config: {key}: {message}")]
    Invalid {
        /// Dotted path of the offending key, e.g. `shops[0].agents[2].group`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Process-level settings.
    #[serde(default)]
    pub server: ServerConfig,
    /// Limits on what clients may send.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Login throttling and the bound on password checks.
    #[serde(default)]
    pub login: LoginConfig,
    /// Connection ceilings, per-address caps, timeouts and trusted proxies.
    #[serde(default)]
    pub connections: ConnectionsConfig,
    /// The shops served.
    pub shops: Vec<ShopConfig>,
}

/// Process-level settings; each can be overridden by a `QIN_*` environment variable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address the gateway listens on (`QIN_LISTEN`).
    pub listen: String,
    /// Redis URL; absent means embedded mode: everything in this process (`QIN_REDIS`).
    /// `redis://user:password@host:port/` logs in; `rediss://` connects over TLS.
    pub redis: Option<String>,
    /// PEM file of the CA that signed the Redis server's certificate, for a `rediss://` URL:
    /// then only that CA is trusted. Absent: the system's roots (`QIN_REDIS_CA_FILE`).
    #[serde(deserialize_with = "empty_is_none")]
    pub redis_ca_file: Option<String>,
    /// Where embedded mode keeps its data, so a restart loses nothing: a directory, relative
    /// to the working directory unless absolute (`data` by default). Empty keeps everything
    /// in memory only, lost at exit. Unused with Redis (`QIN_DATA_DIR`).
    #[serde(deserialize_with = "empty_is_none")]
    pub data_dir: Option<String>,
    /// Prefix of every Redis key and channel, to share one Redis between deployments (`QIN_KEY_PREFIX`).
    pub key_prefix: String,
    /// Secret that signs tokens; every gateway of a deployment needs the same one (`QIN_SECRET`).
    pub secret: String,
    /// Lifetime of an agent's login token, in seconds.
    pub agent_token_ttl_s: u64,
    /// Lifetime of a shopper's identity token, in seconds.
    pub shopper_token_ttl_s: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            redis: None,
            redis_ca_file: None,
            data_dir: Some("data".into()),
            key_prefix: "qin:".into(),
            secret: String::new(),
            agent_token_ttl_s: 12 * 3600,
            shopper_token_ttl_s: 90 * 24 * 3600,
        }
    }
}

/// A string setting where empty means "not set".
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// Limits on clients, enforced by the gateway.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest websocket text frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Longest message body, in characters.
    pub max_body_chars: usize,
    /// Longest client message id, in bytes.
    pub max_cid_len: usize,
    /// Frames a socket may send per second on average.
    pub frames_per_s: u32,
    /// Frames a socket may send in a burst above the average.
    pub frame_burst: u32,
    /// Frames queued towards one socket before it is considered too slow and closed.
    pub outbox_frames: usize,
    /// Open conversations one shopper may have at once.
    pub open_chats_per_shopper: usize,
    /// The window, in seconds, the flood limits below count in.
    pub flood_window_s: u64,
    /// New shopper identities (a `hello` without a valid token) one address may make per
    /// window, on each gateway; 0 turns it off.
    pub new_visitors_per_address: u32,
    /// Chats one address may open per window, on each gateway; 0 turns it off.
    pub chats_per_address: u32,
    /// Chats a shop may have opened per window, on each gateway; 0 (the default) turns it
    /// off.
    pub chats_per_shop: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let frame = qin_proto::Limits::default();
        Self {
            max_frame_bytes: frame.max_frame_bytes,
            max_body_chars: frame.max_body_chars,
            max_cid_len: frame.max_cid_len,
            frames_per_s: 20,
            frame_burst: 40,
            outbox_frames: 1024,
            open_chats_per_shopper: 3,
            flood_window_s: 60,
            new_visitors_per_address: 120,
            chats_per_address: 60,
            chats_per_shop: 0,
        }
    }
}

impl LimitsConfig {
    /// The limits every client frame is parsed with.
    pub fn frame_limits(&self) -> qin_proto::Limits {
        qin_proto::Limits {
            max_frame_bytes: self.max_frame_bytes,
            max_body_chars: self.max_body_chars,
            max_cid_len: self.max_cid_len,
        }
    }
}

impl Config {
    /// Reads, parses and validates `path` (without environment overrides).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks ranges and cross-references; the first problem found is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::config(self)
    }

    /// The shop with id `id`.
    pub fn shop(&self, id: &ShopId) -> Option<&ShopConfig> {
        self.shops.iter().find(|s| &s.id == id)
    }
}

impl ShopConfig {
    /// The persona group with id `id`.
    pub fn group(&self, id: &GroupId) -> Option<&GroupConfig> {
        self.groups.iter().find(|g| &g.id == id)
    }

    /// The agent with id `id`.
    pub fn agent(&self, id: &AgentId) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| &a.id == id)
    }

    /// Index into `profiles` of the peak-day profile in force: the one a supervisor
    /// `switched` to, else the one dated `today` (local `YYYY-MM-DD`), else none.
    pub fn profile_due(&self, switched: Option<&str>, today: Option<&str>) -> Option<usize> {
        match switched {
            Some(name) => self.profiles.iter().position(|p| p.name == name),
            None => {
                let today = today?;
                self.profiles
                    .iter()
                    .position(|p| p.dates.iter().any(|d| d == today))
            }
        }
    }
}

impl AgentConfig {
    /// The most chats the agent holds at once under `profile`: its `max_chats`, or the
    /// profile's for everyone who takes chats (a supervisor with 0 keeps 0).
    pub fn cap(&self, profile: Option<&ProfileConfig>) -> u32 {
        match profile.and_then(|p| p.max_chats) {
            Some(max) if self.max_chats > 0 => max,
            _ => self.max_chats,
        }
    }
}
