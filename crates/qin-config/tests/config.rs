//! The demo config is valid and complete; broken configs are refused naming the key.

use qin_config::{Config, ConfigError, LoginConfig, apply_env};
use qin_proto::{AgentId, GroupId};

const DEMO: &str = include_str!("../../../config/qin.toml");

fn demo() -> Config {
    Config::parse(DEMO, "qin.toml").unwrap_or_else(|e| panic!("demo config: {e}"))
}

fn refused(text: &str) -> String {
    match Config::parse(text, "test.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn demo_config_has_afu_with_four_groups_and_named_agents() {
    let config = demo();
    let afu = &config.shops[0];
    assert_eq!(afu.id.as_str(), "afu");
    let groups: Vec<_> = afu.groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(groups, ["lady", "bold", "fresh", "zany"]);
    assert!(afu.agents.len() >= 8);
    let anhong = afu.agent(&AgentId::parse("anhong").unwrap()).unwrap();
    assert_eq!(anhong.group, GroupId::parse("lady").unwrap());
    let shasha = afu.agent(&AgentId::parse("shasha").unwrap()).unwrap();
    assert_eq!(shasha.group, GroupId::parse("fresh").unwrap());
    for word in ["发货", "包邮", "退换"] {
        assert!(
            afu.keywords
                .iter()
                .any(|k| k.keywords.iter().any(|w| w == word)),
            "no keyword rule for {word}"
        );
    }
    assert!(config.server.redis.is_none(), "the demo runs embedded");
}

#[test]
fn unknown_keys_are_refused_with_their_name() {
    let text = DEMO.replace("[server]\n", "[server]\nlisten_port = 1\n");
    assert!(refused(&text).contains("listen_port"));
    let text = DEMO.replace("max_chats = 5\n", "max_chat = 5\n");
    assert!(refused(&text).contains("max_chat"));
}

#[test]
fn inconsistent_values_name_the_key() {
    let text = DEMO.replace("default_group = \"lady\"", "default_group = \"nobody\"");
    assert!(refused(&text).contains("shops[0].default_group"));
    let text = DEMO.replacen("\ngroup = \"lady\"", "\ngroup = \"sporty\"", 1);
    assert!(refused(&text).contains("shops[0].agents[0].group"));
    let text = DEMO.replacen("max_chats = 5", "max_chats = 0", 1);
    assert!(refused(&text).contains("shops[0].agents[0].max_chats"));
    let text = DEMO.replacen("password_hash = \"$argon2id", "password_hash = \"plain", 1);
    assert!(refused(&text).contains("password_hash"));
    let text = DEMO.replace("id = \"xiaoya\"", "id = \"anhong\"");
    assert!(refused(&text).contains("duplicate agent"));
    let text = DEMO.replace("max_frame_bytes = 16384", "max_frame_bytes = 10");
    assert!(refused(&text).contains("limits.max_frame_bytes"));
    let text = DEMO.replace("id = \"afu\"", "id = \"a fu\"");
    assert!(refused(&text).contains("invalid ShopId"));
    let text = DEMO.replace("\"*.alicdn.com\"]", "\"169.254.169.254\"]");
    assert!(refused(&text).contains("shops[0].image_hosts[1]"));
}

#[test]
fn environment_overrides_deployment_settings() {
    let mut config = demo();
    apply_env(&mut config, |k| match k {
        "QIN_REDIS" => Some("redis://127.0.0.1:7000".into()),
        "QIN_LISTEN" => Some("0.0.0.0:9000".into()),
        "QIN_SECRET" => Some("s3cret-0123456789abcdef0123456789ab".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(
        config.server.redis.as_deref(),
        Some("redis://127.0.0.1:7000")
    );
    assert_eq!(config.server.listen, "0.0.0.0:9000");
    assert_eq!(config.server.secret, "s3cret-0123456789abcdef0123456789ab");
    apply_env(&mut config, |k| (k == "QIN_REDIS").then(String::new)).unwrap();
    assert!(
        config.server.redis.is_none(),
        "empty QIN_REDIS means embedded"
    );
}

#[test]
fn embedded_mode_keeps_its_data_in_a_directory_unless_told_otherwise() {
    let mut config = demo();
    assert_eq!(config.server.data_dir.as_deref(), Some("data"));
    apply_env(&mut config, |k| {
        (k == "QIN_DATA_DIR").then(|| "/var/lib/qin".to_owned())
    })
    .unwrap();
    assert_eq!(config.server.data_dir.as_deref(), Some("/var/lib/qin"));
    apply_env(&mut config, |k| (k == "QIN_DATA_DIR").then(String::new)).unwrap();
    assert_eq!(
        config.server.data_dir, None,
        "empty QIN_DATA_DIR means memory only"
    );

    let without = DEMO.replace("data_dir = \"data\"\n", "");
    assert_ne!(without, DEMO);
    let config = Config::parse(&without, "test.toml").unwrap();
    assert_eq!(
        config.server.data_dir.as_deref(),
        Some("data"),
        "the default"
    );
    let empty = DEMO.replace("data_dir = \"data\"", "data_dir = \"\"");
    let config = Config::parse(&empty, "test.toml").unwrap();
    assert_eq!(config.server.data_dir, None, "empty means memory only");
}

#[test]
fn missing_file_is_a_clear_error() {
    let e = Config::load(std::path::Path::new("/nonexistent/qin.toml")).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }));
    assert!(e.to_string().contains("/nonexistent/qin.toml"));
}

#[test]
fn routing_settings_are_checked_naming_the_key() {
    let cases = [
        (
            "idle_weight = 0.5",
            "idle_weight = 1.5",
            "shops[0].routing.idle_weight",
        ),
        (
            "slow_reply_s = 100",
            "slow_reply_s = 900",
            "shops[0].routing.slow_reply_s",
        ),
        (
            "fallback = [\"fresh\", \"zany\"]",
            "fallback = [\"lady\"]",
            "shops[0].groups[0].fallback[0]",
        ),
        (
            "fallback = [\"fresh\", \"zany\"]",
            "fallback = [\"sporty\"]",
            "shops[0].groups[0].fallback[0]",
        ),
        (
            "timezone = \"Asia/Shanghai\"",
            "timezone = \"Mars/Olympus\"",
            "shops[0].hours.timezone",
        ),
        (
            "open = [\"daily 00:00-24:00\"]",
            "open = [\"everyday 9-5\"]",
            "shops[0].hours.open[0]",
        ),
        (
            "holidays = []",
            "holidays = [\"2027-02-30\"]",
            "shops[0].hours.holidays[0]",
        ),
        (
            "name = \"double11\"",
            "name = \"Double 11\"",
            "shops[0].profiles[0].name",
        ),
        (
            "max_chats = 12",
            "max_chats = 500",
            "shops[0].profiles[0].max_chats",
        ),
        (
            "dates = [\"2026-11-11\", \"2027-11-11\", \"2028-11-11\"]",
            "dates = [\"11/11\"]",
            "shops[0].profiles[0].dates[0]",
        ),
        (
            "holidays = []",
            "holidays = []\nspecial = [{ date = \"2027-02-05\", open = [\"09:00-12:00\", \"mon 13:00-14:00\"] }]",
            "shops[0].hours.special[0].open[1]",
        ),
        (
            "holidays = []",
            "holidays = []\nspecial = [{ date = \"2027-02-30\" }]",
            "shops[0].hours.special[0].date",
        ),
        (
            "slow_reply_s = 60",
            "slow_reply_s = 200",
            "shops[0].profiles[0].slow_reply_s",
        ),
        (
            "max_wait_s = 180\nfallback = [\"fresh\", \"zany\"]",
            "max_wait_s = 180\nfallback = [\"fresh\", \"lady\"]",
            "shops[0].groups[0].fallback[1]",
        ),
        (
            "shift_end = \"hand_over\"",
            "shift_end = \"go_home\"",
            "shift_end",
        ),
    ];
    for (from, to, key) in cases {
        assert!(DEMO.contains(from), "{from}");
        let message = refused(&DEMO.replacen(from, to, 1));
        assert!(message.contains(key), "{to}: {message}");
    }
    let shift = DEMO.replacen(
        "max_chats = 5\n",
        "max_chats = 5\nshift = [\"mon-fri 09:00-18:00\", \"sat 9:00-18:00\"]\n",
        3,
    );
    let message = refused(&shift);
    assert!(message.contains("shops[0].agents[0].shift[1]"), "{message}");
    assert!(
        message.contains("9:00-18:00"),
        "quotes the window: {message}"
    );
    let profiles = format!("{DEMO}\n[[shops.profiles]]\nname = \"double11\"\n");
    assert!(refused(&profiles).contains("shops[0].profiles[1].name"));
    let long = DEMO.replace(
        "name = \"double11\"",
        &format!("name = \"{}\"", "a".repeat(33)),
    );
    assert!(refused(&long).contains("shops[0].profiles[0].name"));
    // Only a supervisor may take no chats.
    let text = DEMO.replacen(
        "max_chats = 0\nsupervisor = true",
        "max_chats = 0\nsupervisor = false",
        1,
    );
    assert!(refused(&text).contains("max_chats"));
}

#[test]
fn the_demo_shop_has_a_supervisor_and_a_double11_profile() {
    let config = demo();
    let afu = &config.shops[0];
    let boss = afu.agent(&AgentId::parse("zhuguan").unwrap()).unwrap();
    assert!(boss.supervisor && boss.max_chats == 0);
    assert_eq!(afu.profiles[0].name, "double11");
    let cal = afu.hours.calendar().unwrap();
    let mut week = (0..7 * 24 * 4).map(|q| 1_795_968_000_000 + q * 15 * 60_000);
    assert!(
        week.all(|t| cal.is_open(t)),
        "the demo is open around the clock"
    );
    let zany = afu.group(&GroupId::parse("zany").unwrap()).unwrap();
    assert_eq!((zany.max_wait_s, zany.fallback.len()), (240, 1));
    assert_eq!(afu.groups[0].fallback[0], GroupId::parse("fresh").unwrap());
    assert!(
        afu.agents.iter().all(|a| a.shift.is_empty()),
        "demo agents never go off shift"
    );
}

#[test]
fn shifts_hours_and_profiles_in_their_full_syntax_are_accepted() {
    let text = DEMO
        .replacen(
            "max_chats = 5\n",
            "max_chats = 5\nshift = [\"mon-fri 09:00-18:00\", \"sat,sun 10:00-16:00\", \"fri-mon 22:00-06:00\"]\n",
            1,
        )
        .replace(
            "open = [\"daily 00:00-24:00\"]",
            "open = [\"mon-fri 09:00-22:00\", \"daily 22:00-02:00\"]",
        )
        .replace(
            "holidays = []",
            "holidays = [\"2027-02-06\"]\nspecial = [{ date = \"2027-02-05\", open = [\"09:00-12:00\", \"20:00-24:00\"] }, { date = \"2027-02-07\" }]",
        );
    let config = Config::parse(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let afu = &config.shops[0];
    assert_eq!(afu.agents[0].shift.len(), 3);
    assert_eq!(afu.hours.special.len(), 2);
    let cal = afu.hours.calendar().unwrap();
    // 2027-02-06 00:00 in Shanghai: the special day's 20:00-24:00 has just ended.
    let feb6 = 1_801_843_200_000;
    let hour = 3_600_000;
    assert!(cal.is_open(feb6 - hour));
    assert!(!cal.is_open(feb6));
    assert_eq!(cal.date(feb6), "2027-02-06");
    // Closed on the 6th (holiday) and the 7th (a special day without windows) until
    // Monday the 8th at 09:00.
    assert_eq!(cal.next_open(feb6), Some(feb6 + 57 * hour));
    assert_eq!(cal.format(feb6 + 57 * hour), "02-08 09:00");
}

#[test]
fn login_settings_default_as_documented_and_are_checked_naming_the_key() {
    let demo = demo();
    assert_eq!(
        demo.login,
        LoginConfig::default(),
        "qin.toml shows the defaults"
    );
    let text = DEMO.replace("[login]\n", "[login]\nmax_failures = 3\n");
    assert!(refused(&text).contains("max_failures"), "unknown keys");
    for (from, to, key) in [
        (
            "agent_failures = 5",
            "agent_failures = 0",
            "login.agent_failures",
        ),
        (
            "address_failures = 20",
            "address_failures = 0",
            "login.address_failures",
        ),
        ("lock_s = 30", "lock_s = 0", "login.lock_s"),
        ("lock_max_s = 900", "lock_max_s = 10", "login.lock_max_s"),
        (
            "forget_after_s = 3600",
            "forget_after_s = 0",
            "login.forget_after_s",
        ),
        (
            "max_tracked = 10000",
            "max_tracked = 5",
            "login.max_tracked",
        ),
        (
            "concurrent_checks = 2",
            "concurrent_checks = 0",
            "login.concurrent_checks",
        ),
        (
            "check_wait_ms = 2000",
            "check_wait_ms = 600000",
            "login.check_wait_ms",
        ),
    ] {
        assert!(DEMO.contains(from), "{from}");
        let text = DEMO.replace(from, to);
        assert!(refused(&text).contains(key), "{to}");
    }
}

#[test]
fn redis_ca_file_comes_from_the_file_or_the_environment() {
    let mut config = demo();
    assert!(
        config.server.redis_ca_file.is_none(),
        "system roots by default"
    );
    let text = DEMO.replace(
        "[server]\n",
        "[server]\nredis_ca_file = \"/etc/qin/redis-ca.pem\"\n",
    );
    let from_file = Config::parse(&text, "test.toml").expect("valid");
    assert_eq!(
        from_file.server.redis_ca_file.as_deref(),
        Some("/etc/qin/redis-ca.pem")
    );
    apply_env(&mut config, |k| {
        (k == "QIN_REDIS_CA_FILE").then(|| "/run/secrets/ca.pem".to_owned())
    })
    .unwrap();
    assert_eq!(
        config.server.redis_ca_file.as_deref(),
        Some("/run/secrets/ca.pem")
    );
    apply_env(&mut config, |k| {
        (k == "QIN_REDIS_CA_FILE").then(String::new)
    })
    .unwrap();
    assert!(config.server.redis_ca_file.is_none(), "empty means unset");
}

#[test]
fn connection_limits_and_origins_are_checked_naming_the_key() {
    let config = demo();
    let c = &config.connections;
    assert_eq!(c.max_connections, 0, "derived from the open-files limit");
    assert!(c.http_reserve >= 1 && c.per_address >= 1);
    assert!(c.trusted_proxies.is_empty());
    assert!(
        config.shops[0]
            .origins
            .iter()
            .any(|o| o == "http://127.0.0.1:8080")
    );
    for (from, to, key) in [
        (
            "http_reserve = 64",
            "http_reserve = 0",
            "connections.http_reserve",
        ),
        (
            "max_connections = 0",
            "max_connections = 10",
            "connections.max_connections",
        ),
        (
            "per_address = 256",
            "per_address = 0",
            "connections.per_address",
        ),
        (
            "upgrades_per_s = 10",
            "upgrades_per_s = 0",
            "connections.upgrades_per_s",
        ),
        (
            "upgrade_burst = 100",
            "upgrade_burst = 0",
            "connections.upgrade_burst",
        ),
        (
            "hello_timeout_s = 10",
            "hello_timeout_s = 0",
            "connections.hello_timeout_s",
        ),
        (
            "header_timeout_s = 10",
            "header_timeout_s = 301",
            "connections.header_timeout_s",
        ),
        (
            "body_timeout_s = 30",
            "body_timeout_s = 0",
            "connections.body_timeout_s",
        ),
        (
            "trusted_proxies = []",
            "trusted_proxies = [\"10.0.0.0/40\"]",
            "trusted_proxies",
        ),
        (
            "trusted_proxies = []",
            "trusted_proxy = []",
            "trusted_proxy",
        ),
    ] {
        let text = DEMO.replace(from, to);
        assert_ne!(text, DEMO, "{from} is not in the demo config");
        let error = refused(&text);
        assert!(error.contains(key), "{to}: {error}");
    }
    for bad in [
        "https://shop.example.com/",
        "https://shop.example.com/widget",
        "https://shop.example.com:443",
        "HTTPS://Shop.example.com",
        "ftp://shop.example.com",
        "shop.example.com",
    ] {
        let text = DEMO.replace(
            "origins = [\"http://127.0.0.1:8080\"",
            &format!("origins = [{bad:?}"),
        );
        let error = refused(&text);
        assert!(error.contains("shops[0].origins[0]"), "{bad}: {error}");
    }
    let text = DEMO.replace(
        "trusted_proxies = []",
        "trusted_proxies = [\"10.0.0.0/8\", \"::1\", \"192.0.2.7\"]",
    );
    let config = Config::parse(&text, "test.toml").expect("proxies accepted");
    assert!(config.connections.trusted_proxies[0].contains("10.9.8.7".parse().unwrap()));
}

#[test]
fn dispositions_are_short_distinct_and_needed_when_required() {
    let demo = demo();
    assert_eq!(demo.shops[0].dispositions.len(), 5);
    assert!(!demo.shops[0].disposition_required);
    let list = "dispositions = [\"咨询\", \"物流\", \"售后\", \"退换货\", \"投诉\"]";
    assert!(DEMO.contains(list));
    for (to, key) in [
        (
            "dispositions = [\"咨询\", \"咨询\"]",
            "shops[0].dispositions[1]",
        ),
        ("dispositions = [\"\"]", "shops[0].dispositions[0]"),
        ("dispositions = [\" 物流\"]", "shops[0].dispositions[0]"),
        (
            "dispositions = [\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\"]",
            "shops[0].dispositions[0]",
        ),
    ] {
        let error = refused(&DEMO.replace(list, to));
        assert!(error.contains(key), "{to}: {error}");
    }
    let text = DEMO.replace(list, "dispositions = []").replace(
        "disposition_required = false",
        "disposition_required = true",
    );
    assert!(refused(&text).contains("shops[0].disposition_required"));
}

#[test]
fn an_identity_secret_is_long_enough_or_refused() {
    assert!(
        demo().shops[0].identity_secret.is_none(),
        "the demo signs no buyers"
    );
    let list = "disposition_required = false";
    let short = DEMO.replace(list, &format!("{list}\nidentity_secret = \"short\""));
    assert!(refused(&short).contains("shops[0].identity_secret"));
    let long = DEMO.replace(
        list,
        &format!("{list}\nidentity_secret = \"0123456789abcdef0123456789abcdef\""),
    );
    let config = Config::parse(&long, "test.toml").expect("32 bytes are enough");
    assert!(config.shops[0].identity_secret.is_some());
}
