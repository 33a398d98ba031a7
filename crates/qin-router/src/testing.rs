//! Test helpers: shops built in code, and short id constructors.

use qin_config::{AgentConfig, GroupConfig, ShopConfig};
use qin_proto::{AgentId, ConvId, GroupId, ShopId};

/// A valid Argon2 PHC string; never verified by the router.
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

/// A shop `afu` with `groups` (the first is the default) and `agents` as `(id, group, max_chats)`.
pub fn shop(groups: &[&str], agents: &[(&str, &str, u32)]) -> ShopConfig {
    ShopConfig {
        id: ShopId::parse("afu").expect("valid id"),
        name: "阿芙精油".into(),
        default_group: group(groups[0]),
        avg_chat_s: 120,
        bot_name: "小助手".into(),
        away_message: "亲，客服暂时不在".into(),
        groups: groups
            .iter()
            .map(|g| GroupConfig {
                id: group(g),
                name: format!("{g}组"),
                tagline: String::new(),
                greeting: "亲~".into(),
                away_message: None,
                max_wait_s: 0,
                fallback: Vec::new(),
            })
            .collect(),
        agents: agents
            .iter()
            .map(|&(id, g, max_chats)| AgentConfig {
                id: agent(id),
                name: format!("Agent {id}"),
                group: group(g),
                password_hash: HASH.into(),
                max_chats,
                shift: Vec::new(),
                supervisor: false,
                greeting: None,
                disabled: false,
            })
            .collect(),
        keywords: Vec::new(),
        auto_reply: Default::default(),
        phrases: Vec::new(),
        image_hosts: Vec::new(),
        origins: Vec::new(),
        dispositions: Vec::new(),
        disposition_required: false,
        identity_secret: None,
        routing: Default::default(),
        hours: Default::default(),
        profiles: Vec::new(),
    }
}

pub fn conv(s: &str) -> ConvId {
    ConvId::parse(s).expect("valid id")
}

pub fn group(s: &str) -> GroupId {
    GroupId::parse(s).expect("valid id")
}

pub fn agent(s: &str) -> AgentId {
    AgentId::parse(s).expect("valid id")
}
