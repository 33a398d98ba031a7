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
    /// Routing thresholds: fans, idle chats, escalation, offline agents, shift ends.
    #[serde(default)]
    pub routing: RoutingConfig,
    /// Business hours, holidays, special days and the shop's time zone.
    #[serde(default)]
    pub hours: HoursConfig,
    /// Named peak-day profiles (e.g. `double11`), switched by date or by a supervisor.
    #[serde(default)]
    pub profiles: Vec<ProfileConfig>,
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
    /// Seconds a chat may wait in this group's queue before the fallback groups' agents may
    /// take it (0: never overflows).
    #[serde(default)]
    pub max_wait_s: u32,
    /// Groups whose agents take this group's overdue chats, in order of preference.
    #[serde(default)]
    pub fallback: Vec<GroupId>,
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
    /// When the agent works, in the shop's time zone, e.g. `["mon-fri 09:00-18:00"]` or
    /// `["daily 22:00-06:00"]` (a window past midnight belongs to the day it starts).
    /// Empty: always on shift.
    #[serde(default)]
    pub shift: Vec<String>,
    /// Whether the agent is also a supervisor of the shop: sees every conversation's routing,
    /// reassigns chats and switches peak-day profiles.
    #[serde(default)]
    pub supervisor: bool,
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

/// Routing thresholds of a shop. Every duration is in seconds; 0 turns the step off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// A returning shopper is routed to the agent they last talked to within this many days.
    pub recent_days: u32,
    /// An assigned chat whose last message is the agent's, older than this, counts only
    /// `idle_weight` toward the agent's `max_chats` (0: every chat counts fully).
    pub idle_after_s: u32,
    /// What an idle chat counts, 0.0 to 1.0.
    pub idle_weight: f32,
    /// A shopper message unanswered this long raises a slow-reply alert on the agent's console.
    pub slow_reply_s: u32,
    /// A shopper message unanswered this long moves the chat to another agent.
    pub transfer_after_s: u32,
    /// An agent offline this long has their open chats routed to others (a console reload
    /// must not shuffle chats).
    pub offline_grace_s: u32,
    /// What happens to an agent's open chats when their shift ends.
    pub shift_end: ShiftEnd,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            recent_days: 3,
            idle_after_s: 0,
            idle_weight: 0.5,
            slow_reply_s: 100,
            transfer_after_s: 300,
            offline_grace_s: 60,
            shift_end: ShiftEnd::HandOver,
        }
    }
}

/// What an agent whose shift ends does with their open chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftEnd {
    /// They are routed to other agents at once.
    HandOver,
    /// The agent finishes them; they just take no new ones.
    Finish,
}

/// A shop's opening hours in its time zone. Outside them chats wait (and the auto-reply
/// service says when the shop opens again).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoursConfig {
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// Weekly windows, e.g. `["mon-fri 09:00-18:00", "sat,sun 10:00-16:00"]`.
    pub open: Vec<String>,
    /// Dates (`YYYY-MM-DD`) the shop is closed all day.
    pub holidays: Vec<String>,
    /// Dates with their own hours, replacing the weekly ones.
    pub special: Vec<SpecialDay>,
}

impl Default for HoursConfig {
    fn default() -> Self {
        Self {
            timezone: "Asia/Shanghai".into(),
            open: vec!["daily 00:00-24:00".into()],
            holidays: Vec::new(),
            special: Vec::new(),
        }
    }
}

/// A date with its own opening hours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// That day's windows without day names, e.g. `["00:00-24:00"]`; empty: closed.
    #[serde(default)]
    pub open: Vec<String>,
}

/// A named set of routing overrides for peak days.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    /// Name a supervisor switches to, e.g. `double11`.
    pub name: String,
    /// Local dates (`YYYY-MM-DD`) on which the profile is on by itself.
    #[serde(default)]
    pub dates: Vec<String>,
    /// Every agent's `max_chats` while on.
    #[serde(default)]
    pub max_chats: Option<u32>,
    /// Replaces `routing.slow_reply_s`.
    #[serde(default)]
    pub slow_reply_s: Option<u32>,
    /// Replaces `routing.transfer_after_s`.
    #[serde(default)]
    pub transfer_after_s: Option<u32>,
    /// Replaces every group's `max_wait_s`.
    #[serde(default)]
    pub max_wait_s: Option<u32>,
}
