//! The demo config (`config/qin.toml`: shop `afu`, every staff password `qin-demo`), and
//! the warnings about staff passwords for any other config.
//!
//! A config is "the demo" when it serves exactly one shop, `afu`, and every staff member's
//! password hash is one of the demo's (compiled in from `config/qin.toml`). A shop's own
//! config — another shop id, or any staff member with a hash of her own — is not, and then
//! a staff member still on `qin-demo`, or two sharing one hash string, are warned about.

use qin_config::Config;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The demo staff's password.
pub const DEMO_PASSWORD: &str = "qin-demo";

/// The demo config as shipped.
const DEMO_CONFIG: &str = include_str!("../../../config/qin.toml");

/// The demo staff's password hashes.
fn demo_hashes() -> &'static HashSet<String> {
    static HASHES: OnceLock<HashSet<String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        Config::parse(DEMO_CONFIG, "config/qin.toml")
            .map(|demo| {
                demo.shops
                    .iter()
                    .flat_map(|s| s.agents.iter().map(|a| a.password_hash.clone()))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Whether `config` is the demo (see the module documentation).
pub fn is_demo(config: &Config) -> bool {
    let hashes = demo_hashes();
    matches!(config.shops.as_slice(), [shop] if shop.id.as_str() == "afu")
        && config
            .shops
            .iter()
            .flat_map(|s| &s.agents)
            .all(|a| hashes.contains(&a.password_hash))
}

/// For a config that is not the demo: staff members whose password is still `qin-demo`,
/// and staff members sharing one password hash string. Checks every hash (Argon2, slow on
/// purpose): call it off the async runtime's workers. Empty for the demo.
pub fn staff_warnings(config: &Config) -> Vec<String> {
    if is_demo(config) {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    let mut first_with: HashMap<&str, String> = HashMap::new();
    for (si, shop) in config.shops.iter().enumerate() {
        for (ai, agent) in shop.agents.iter().enumerate() {
            let who = format!("shops[{si}].agents[{ai}] ({}/{})", shop.id, agent.id);
            if qin_gateway::password_matches(DEMO_PASSWORD, &agent.password_hash) {
                warnings.push(format!(
                    "{who} still has the demo password {DEMO_PASSWORD}: give her one of her \
                     own (`qin hash-password`)"
                ));
            }
            match first_with.get(agent.password_hash.as_str()) {
                Some(other) => warnings.push(format!(
                    "{who} has the same password_hash as {other}: one password for two \
                     people; give each a hash of her own (`qin hash-password`)"
                )),
                None => {
                    first_with.insert(&agent.password_hash, who);
                }
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Config {
        Config::parse(DEMO_CONFIG, "qin.toml").unwrap()
    }

    #[test]
    fn the_demo_is_recognised_and_has_no_warnings() {
        assert!(is_demo(&demo()));
        assert_eq!(staff_warnings(&demo()), Vec::<String>::new());
    }

    #[test]
    fn no_two_demo_staff_share_a_hash() {
        let demo = demo();
        let hashes: HashSet<_> = demo.shops[0]
            .agents
            .iter()
            .map(|a| &a.password_hash)
            .collect();
        assert_eq!(hashes.len(), demo.shops[0].agents.len());
    }

    #[test]
    fn a_shops_own_config_is_warned_about_demo_passwords_and_shared_hashes() {
        let mut config = demo();
        config.shops[0].id = qin_proto::ShopId::parse("myshop").unwrap();
        config.shops[0].agents.truncate(3);
        let shared = config.shops[0].agents[1].password_hash.clone();
        config.shops[0].agents[2].password_hash = shared;
        assert!(!is_demo(&config));
        let warnings = staff_warnings(&config);
        assert_eq!(warnings.len(), 4, "{warnings:#?}");
        assert!(warnings[0].contains("shops[0].agents[0] (myshop/anhong)"));
        assert!(warnings.iter().all(|w| !w.contains("agents[3]")));
        assert!(
            warnings[3].contains("shops[0].agents[2] (myshop/dazhuang)")
                && warnings[3].contains("same password_hash as shops[0].agents[1] (myshop/xiaoya)"),
            "{warnings:#?}"
        );
    }
}
