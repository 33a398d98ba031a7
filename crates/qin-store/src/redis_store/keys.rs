//! Names of every Redis key the store uses; the layout table is in the parent module's docs.
//!
//! The Lua in `scripts` builds the shop index names of an *old* record itself; it must spell
//! them exactly as [`Keys::shop_base`] plus `open` / `shopper:` / `agent:` do here.

use qin_proto::{AgentId, ConvId, ShopId};

/// Builds key names under one prefix (e.g. `qin:`).
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The prefix, as the save script needs it to name an old record's indexes.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The conversation record (JSON). `{conv}` keeps a conversation's keys in one slot.
    pub(crate) fn conv(&self, conv: &ConvId) -> String {
        format!("{}conv:{{{conv}}}", self.prefix)
    }

    /// The conversation's message log (a stream with IDs `<seq>-0`).
    pub(crate) fn log(&self, conv: &ConvId) -> String {
        format!("{}conv:{{{conv}}}:log", self.prefix)
    }

    /// The dedupe key of one `(sender, cid)`. The sender id is length-prefixed so that no
    /// `(from, cid)` pair can spell the same key as another (both may contain `:`).
    pub(crate) fn cid(&self, conv: &ConvId, from: &str, cid: &str) -> String {
        format!(
            "{}conv:{{{conv}}}:cid:{}:{from}:{cid}",
            self.prefix,
            from.len()
        )
    }

    /// What every key of a shop starts with; `{shop}` keeps them in one slot.
    fn shop_base(&self, shop: &ShopId) -> String {
        format!("{}shop:{{{shop}}}:", self.prefix)
    }

    /// Open conversations of a shop (sorted set scored by `opened_at`).
    pub(crate) fn open(&self, shop: &ShopId) -> String {
        format!("{}open", self.shop_base(shop))
    }

    /// Open conversations of one shopper of a shop.
    pub(crate) fn open_of_shopper(&self, shop: &ShopId, visitor: &str) -> String {
        format!("{}shopper:{visitor}", self.shop_base(shop))
    }

    /// Open conversations assigned to one agent of a shop.
    pub(crate) fn open_of_agent(&self, shop: &ShopId, agent: &AgentId) -> String {
        format!("{}agent:{agent}", self.shop_base(shop))
    }

    /// Agent statuses of a shop (hash agent → status).
    pub(crate) fn agent_statuses(&self, shop: &ShopId) -> String {
        format!("{}agents", self.shop_base(shop))
    }

    /// The shop's live persona-group availability (JSON array).
    pub(crate) fn groups_live(&self, shop: &ShopId) -> String {
        format!("{}groups", self.shop_base(shop))
    }

    /// The agents a shopper follows, oldest first (a list).
    pub(crate) fn follows(&self, shop: &ShopId, visitor: &str) -> String {
        format!("{}fans:{visitor}", self.shop_base(shop))
    }

    /// The agent who last handled a shopper's chat (a hash: `agent`, `at`).
    pub(crate) fn last_agent(&self, shop: &ShopId, visitor: &str) -> String {
        format!("{}last:{visitor}", self.shop_base(shop))
    }

    /// A conversation's routing records (a capped list of JSON).
    pub(crate) fn routing(&self, conv: &ConvId) -> String {
        format!("{}conv:{{{conv}}}:routing", self.prefix)
    }

    /// The shop router's request inbox (a list of JSON, oldest first).
    pub(crate) fn requests(&self, shop: &ShopId) -> String {
        format!("{}requests", self.shop_base(shop))
    }

    /// The supervisor's profile choice (a string).
    pub(crate) fn profile(&self, shop: &ShopId) -> String {
        format!("{}profile", self.shop_base(shop))
    }

    /// The chats a shopper of `shop` opened (a sorted set conv → `opened_at` ms).
    pub(crate) fn customer_chats(&self, shop: &ShopId, visitor: &str) -> String {
        format!("{}customer:{visitor}:chats", self.shop_base(shop))
    }

    /// Staff notes about a shopper of `shop` (a list of JSON notes, oldest first).
    pub(crate) fn customer_notes(&self, shop: &ShopId, visitor: &str) -> String {
        format!("{}customer:{visitor}:notes", self.shop_base(shop))
    }

    /// The conversation's complaint record (a JSON string).
    pub(crate) fn complaint(&self, conv: &ConvId) -> String {
        format!("{}:complaint", self.conv(conv))
    }

    /// The conversation's private notes (a list of JSON notes, oldest first).
    pub(crate) fn notes(&self, conv: &ConvId) -> String {
        format!("{}:notes", self.conv(conv))
    }

    /// When each agent was last signed out (a sorted set agent → ms).
    pub(crate) fn sign_outs(&self, shop: &ShopId) -> String {
        format!("{}sign_outs", self.shop_base(shop))
    }

    /// Agents' personal auto-replies (a hash agent → text).
    pub(crate) fn auto_replies(&self, shop: &ShopId) -> String {
        format!("{}auto_replies", self.shop_base(shop))
    }

    /// Quick phrases of the shop itself (`owner: None`) or of one agent (a hash shortcut →
    /// text).
    pub(crate) fn phrases(&self, shop: &ShopId, owner: Option<&AgentId>) -> String {
        match owner {
            Some(agent) => format!("{}phrases:{agent}", self.shop_base(shop)),
            None => format!("{}phrases", self.shop_base(shop)),
        }
    }

    /// A lease (a string holding its holder, with an expiry).
    pub(crate) fn lease(&self, name: &str) -> String {
        format!("{}lease:{{{name}}}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_prefix_and_hash_tag() {
        let keys = Keys::new("qin:");
        let conv = ConvId::parse("c1").expect("valid id");
        let shop = ShopId::parse("afu").expect("valid id");
        let agent = AgentId::parse("anhong").expect("valid id");
        assert_eq!(keys.conv(&conv), "qin:conv:{c1}");
        assert_eq!(keys.log(&conv), "qin:conv:{c1}:log");
        assert_eq!(keys.cid(&conv, "v:1", "x"), "qin:conv:{c1}:cid:3:v:1:x");
        assert_ne!(keys.cid(&conv, "a:b", "c"), keys.cid(&conv, "a", "b:c"));
        assert_eq!(keys.open(&shop), "qin:shop:{afu}:open");
        assert_eq!(
            keys.open_of_shopper(&shop, "v1"),
            "qin:shop:{afu}:shopper:v1"
        );
        assert_eq!(
            keys.open_of_agent(&shop, &agent),
            "qin:shop:{afu}:agent:anhong"
        );
        assert_eq!(keys.agent_statuses(&shop), "qin:shop:{afu}:agents");
        assert_eq!(keys.groups_live(&shop), "qin:shop:{afu}:groups");
        assert_eq!(keys.follows(&shop, "v1"), "qin:shop:{afu}:fans:v1");
        assert_eq!(keys.last_agent(&shop, "v1"), "qin:shop:{afu}:last:v1");
        assert_eq!(keys.requests(&shop), "qin:shop:{afu}:requests");
        assert_eq!(keys.profile(&shop), "qin:shop:{afu}:profile");
        assert_eq!(keys.routing(&conv), "qin:conv:{c1}:routing");
        assert_eq!(keys.lease("router:afu"), "qin:lease:{router:afu}");
        assert_eq!(keys.phrases(&shop, None), "qin:shop:{afu}:phrases");
        assert_eq!(
            keys.phrases(&shop, Some(&agent)),
            "qin:shop:{afu}:phrases:anhong"
        );
    }
}
