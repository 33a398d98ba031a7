//! Size limits every frame is checked against; configured in `[limits]` of `qin.toml`.

use serde::{Deserialize, Serialize};

/// Limits on what a client may send. Exceeding them yields `error {code: "too_large"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest websocket text frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Longest message body, in characters.
    pub max_body_chars: usize,
    /// Longest client message id (`cid`), in bytes.
    pub max_cid_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 16 * 1024,
            max_body_chars: 4000,
            max_cid_len: 64,
        }
    }
}
