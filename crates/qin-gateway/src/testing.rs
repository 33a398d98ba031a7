//! Test helpers shared by the gateway's unit tests.

use qin_config::ShopConfig;

/// The demo shop `afu` from `config/qin.toml`.
pub fn demo_shop() -> ShopConfig {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/qin.toml");
    let config = qin_config::Config::load(std::path::Path::new(path)).expect("demo config");
    config.shops[0].clone()
}
