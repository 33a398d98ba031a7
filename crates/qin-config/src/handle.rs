//! Agents' handles: the opaque id shoppers know an agent by, instead of her login name.
//!
//! A shopper sees an agent's display name and her handle (in `conversation`, `message.from`,
//! `typing`, `following`) and names her by it (`open`, `follow`); the login name stays with
//! staff, so a shopper cannot learn whom to try passwords for. The handle is a keyed hash of
//! shop and agent with her password hash as the key: every process computes the same one
//! from the config alone, it stays while her password does, and nobody without the config
//! can tell which login name it stands for (in the demo config, whose hashes are public,
//! anyone can).

use crate::{AgentConfig, ShopConfig, keyed};
use qin_proto::{AgentId, Party, Role, ShopId};

/// Hex digits of a handle after its `a` (64 bits of the hash).
const HEX_DIGITS: usize = 16;

/// The handle of agent `agent` of `shop` whose password hash is `password_hash`.
pub fn agent_handle(shop: &ShopId, agent: &AgentId, password_hash: &str) -> AgentId {
    let digest = keyed::hex(
        password_hash.as_bytes(),
        &[
            b"qin agent handle\0",
            shop.as_str().as_bytes(),
            b"\0",
            agent.as_str().as_bytes(),
        ],
    );
    AgentId::parse(format!("a{}", &digest[..HEX_DIGITS]))
        .expect("a letter and hex digits make an id")
}

impl ShopConfig {
    /// The handle shoppers know `agent` by.
    pub fn agent_handle(&self, agent: &AgentConfig) -> AgentId {
        agent_handle(&self.id, &agent.id, &agent.password_hash)
    }

    /// Agent `id` as a party of a chat: her display name and her handle. An agent no longer
    /// in the config is shown by the id she had (she cannot log in any more).
    pub fn agent_party(&self, id: &AgentId) -> Party {
        let (id, name) = match self.agent(id) {
            Some(agent) => (self.agent_handle(agent), agent.name.clone()),
            None => (id.clone(), id.to_string()),
        };
        Party {
            role: Role::Agent,
            id: id.to_string(),
            name,
        }
    }

    /// The agent whose handle is `handle`, if any.
    pub fn agent_by_handle(&self, handle: &AgentId) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| &self.agent_handle(a) == handle)
    }
}

#[cfg(test)]
mod tests {
    use crate::Config;

    fn demo() -> Config {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
        Config::parse(&std::fs::read_to_string(path).unwrap(), "qin.toml").unwrap()
    }

    #[test]
    fn handles_are_opaque_distinct_and_lead_back_to_their_agent() {
        let config = demo();
        let shop = &config.shops[0];
        let mut seen = std::collections::HashSet::new();
        for agent in &shop.agents {
            let handle = shop.agent_handle(agent);
            assert_eq!(handle, shop.agent_handle(agent), "stable");
            assert!(!handle.as_str().contains(agent.id.as_str()), "{handle}");
            assert_eq!(handle.as_str().len(), 17);
            assert!(
                seen.insert(handle.clone()),
                "distinct although hashes are shared"
            );
            assert_eq!(
                shop.agent_by_handle(&handle).map(|a| &a.id),
                Some(&agent.id)
            );
            assert!(
                shop.agent_by_handle(&agent.id).is_none(),
                "login names are not handles"
            );
        }
    }

    #[test]
    fn a_new_password_or_another_shop_gives_another_handle() {
        let config = demo();
        let shop = &config.shops[0];
        let agent = &shop.agents[0];
        let mut changed = agent.clone();
        changed.password_hash.push('x');
        assert_ne!(shop.agent_handle(agent), shop.agent_handle(&changed));
        let mut other = shop.clone();
        other.id = qin_proto::ShopId::parse("other").unwrap();
        assert_ne!(shop.agent_handle(agent), other.agent_handle(agent));
    }
}
