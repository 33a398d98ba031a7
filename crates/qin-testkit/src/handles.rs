//! Agents' handles, what shoppers know them by (`ShopConfig::agent_handle`), for tests that
//! check what a shopper sees or name an agent as a shopper does.

use qin_config::Config;
use qin_proto::{AgentId, ShopId};

/// The handle of `agent` of `shop` in `config` (panics if there is no such agent).
pub fn handle_in(config: &Config, shop: &str, agent: &str) -> String {
    let shop = ShopId::parse(shop)
        .and_then(|id| config.shop(&id))
        .unwrap_or_else(|| panic!("no shop {shop} in the config"));
    let found = AgentId::parse(agent)
        .and_then(|id| shop.agent(&id))
        .unwrap_or_else(|| panic!("no agent {agent} in shop {}", shop.id));
    shop.agent_handle(found).to_string()
}

/// The handle of `agent` of the demo shop `afu` in `config/qin.toml`.
pub fn demo_handle(agent: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
    let text = std::fs::read_to_string(path).expect("the demo config");
    let config = Config::parse(&text, path).expect("the demo config is valid");
    handle_in(&config, "afu", agent)
}
