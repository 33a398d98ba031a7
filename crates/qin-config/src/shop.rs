//! A shop's configuration: its persona groups, agents and auto-reply rules.

use qin_proto::{AgentId, GroupId, ShopId};
use serde::Deserialize;

/// One shop (tenant).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopConfig {
    /// Shop id used in `hello`, e.g. `afu`.
    pub id: ShopId,
    /// Display name, e.g. 阿芙精油.
    pub name: String,
    /// Group used when a shopper opens a chat without choosing one.
    pub default_group: GroupId,
    /// Average handling time of one chat, in seconds, for queue ETAs.
    #[serde(default = "default_chat_s")]
    pub avg_chat_s: u32,
    /// Name the auto-reply service speaks under.
    #[serde(default = "default_bot_name")]
    pub bot_name: String,
    /// Sent when a chat opens and nobody in its group is online.
    pub away_message: String,
    /// Persona groups, in the order the widget shows them.
    pub groups: Vec<GroupConfig>,
    /// Agents.
    pub agents: Vec<AgentConfig>,
    /// Keyword answers, checked in order; the first match answers.
    #[serde(default)]
    pub keywords: Vec<KeywordRule>,
}

fn default_chat_s() -> u32 {
    120
}

fn default_bot_name() -> String {
    "小助手".into()
}

/// A persona group, e.g. 淑女组.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// Group id, e.g. `lady`.
    pub id: GroupId,
    /// Display name, e.g. 淑女组.
    pub name: String,
    /// One line on the group's personality, shown in the widget.
    #[serde(default)]
    pub tagline: String,
    /// Sent (role `bot`) when a chat with this group opens, in the group's voice.
    pub greeting: String,
    /// Sent instead of the shop's away message when nobody in this group is online.
    #[serde(default)]
    pub away_message: Option<String>,
}

/// An agent (customer-service staff member).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Agent id used to log in, e.g. `anhong`.
    pub id: AgentId,
    /// Display name, e.g. 安红.
    pub name: String,
    /// The persona group the agent works in.
    pub group: GroupId,
    /// Argon2 PHC hash of the password (`qin hash-password` prints one).
    pub password_hash: String,
    /// Most chats the agent holds at once.
    #[serde(default = "default_max_chats")]
    pub max_chats: u32,
}

fn default_max_chats() -> u32 {
    5
}

/// A keyword answer: when a shopper's message contains any of `keywords`, the bot answers `reply`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordRule {
    /// Words that trigger the rule (substring match, case-insensitive).
    pub keywords: Vec<String>,
    /// The answer.
    pub reply: String,
    /// Only in these groups; all groups when empty.
    #[serde(default)]
    pub groups: Vec<GroupId>,
}
