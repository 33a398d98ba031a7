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
    /// Keyword answers: the matching rule of highest `priority` answers (ties: config order).
    #[serde(default)]
    pub keywords: Vec<KeywordRule>,
    /// Busy, off-hours, holding and leave-a-message texts and the auto-reply discipline.
    #[serde(default)]
    pub auto_reply: AutoReplyConfig,
    /// Routing thresholds: fans, idle chats, escalation, offline agents, shift ends.
    #[serde(default)]
    pub routing: RoutingConfig,
    /// Business hours, holidays, special days and the shop's time zone.
    #[serde(default)]
    pub hours: HoursConfig,
    /// Named peak-day profiles (e.g. `double11`), switched by date or by a supervisor.
    #[serde(default)]
    pub profiles: Vec<ProfileConfig>,
    /// Shop-wide quick phrases (快捷短语) every agent of the shop has at hand; phrases
    /// supervisors store through the API take precedence on the same shortcut.
    #[serde(default)]
    pub phrases: Vec<PhraseConfig>,
    /// Hosts image messages may link to: names, or `*.example.com` for every subdomain;
    /// empty: no image links.
    #[serde(default)]
    pub image_hosts: Vec<String>,
    /// Storefront origins (`https://shop.example.com`) that may frame the widget and open
    /// shopper sockets for this shop; the gateway's own origin always may.
    #[serde(default)]
    pub origins: Vec<String>,
    /// What a chat was about, chosen by the agent when she closes it (处理结果分类, e.g.
    /// 咨询, 物流, 投诉); empty: none offered.
    #[serde(default)]
    pub dispositions: Vec<String>,
    /// Whether an agent must choose one of `dispositions` to close a chat.
    #[serde(default)]
    pub disposition_required: bool,
    /// The secret the shop's backend signs its logged-in buyers' ids with (at least 32
    /// bytes), so a buyer is the same customer on every device; none: buyers are not signed.
    #[serde(default)]
    pub identity_secret: Option<String>,
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
    /// The agent's own greeting, sent (role `bot`) when a chat is assigned to them.
    #[serde(default)]
    pub greeting: Option<String>,
    /// A disabled agent (left the shop, on leave) cannot log in, her consoles are signed out
    /// and her chats go back to routing; her name still shows in old chats.
    #[serde(default)]
    pub disabled: bool,
}

fn default_max_chats() -> u32 {
    5
}

/// A keyword answer: when a shopper's message contains any of `keywords` or matches any of
/// `patterns`, the bot answers `reply`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordRule {
    /// Words that trigger the rule (substring match, case-insensitive).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regular expressions that trigger the rule (Rust `regex` syntax, case-insensitive).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// The answer.
    pub reply: String,
    /// Only in these groups; all groups when empty.
    #[serde(default)]
    pub groups: Vec<GroupId>,
    /// Rules of higher priority are tried first; equal ones in config order.
    #[serde(default)]
    pub priority: i32,
    /// Answer every matching message, not just the first one of the conversation.
    #[serde(default)]
    pub repeat: bool,
}

/// The auto-reply service's texts beyond greetings and keywords, and its discipline. In
/// the texts, `{name}` is replaced (see each field); an empty text turns the reply off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoReplyConfig {
    /// No keyword, busy, holding, agent or off-hours replies within this many seconds of an
    /// agent's message in the chat: a human is answering (0: never quiet).
    pub quiet_after_agent_s: u32,
    /// Told to a queued shopper, again when the place or estimate changes meaningfully:
    /// `{position}`, `{ahead}` (chats before theirs), `{eta}` (e.g. 约3分钟), `{group}`.
    pub busy_message: String,
    /// At least this many seconds between two busy messages in a chat (0: every meaningful
    /// change is told).
    pub busy_every_s: u32,
    /// Outside opening hours (and on holidays), with `{next_open}` (local `MM-DD HH:MM`);
    /// says the shopper may leave a message.
    pub closed_message: String,
    /// When an agent takes a chat that waited with nobody to answer: `{agent}`.
    pub back_message: String,
    /// How an agent's personal auto-reply (set from the console while busy or away) is
    /// sent: `{agent}`, `{text}`.
    pub agent_reply_format: String,
    /// No-reply holding messages: each once per wait for an agent's answer.
    pub holding: Vec<HoldingMessage>,
}

impl Default for AutoReplyConfig {
    fn default() -> Self {
        Self {
            quiet_after_agent_s: 60,
            busy_message: "亲，现在咨询的人有点多，您排在第{position}位，预计等待{eta}，请稍候～"
                .into(),
            busy_every_s: 60,
            closed_message:
                "亲，现在是下班时间～我们{next_open}回来，您可以先留言，上班后第一时间回复您！"
                    .into(),
            back_message: "亲，{agent}来啦～您的留言都看到了，马上为您处理！".into(),
            agent_reply_format: "【{agent}的自动回复】{text}".into(),
            holding: Vec::new(),
        }
    }
}

/// A no-reply holding message: sent when a shopper's message has had no agent's answer for
/// `after_s` seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldingMessage {
    /// Seconds without an answer.
    pub after_s: u32,
    /// The text.
    pub message: String,
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
    /// A waiting chat whose shopper has had no widget open this long leaves the queue,
    /// closed as abandoned, so the queue counts people who are still there (0: never).
    pub abandon_after_s: u32,
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
            abandon_after_s: 180,
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

/// A shop-wide quick phrase: the agent types `/shortcut` in the console to insert `text`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseConfig {
    /// 1-32 letters (any script), digits, `_` or `-`, e.g. `hi` or `发货`.
    pub shortcut: String,
    /// The reply, at most `limits.max_body_chars` characters.
    pub text: String,
}

impl PhraseConfig {
    /// The phrase as the store and the API carry it.
    pub fn phrase(&self) -> qin_proto::Phrase {
        qin_proto::Phrase {
            shortcut: self.shortcut.clone(),
            text: self.text.clone(),
        }
    }
}
