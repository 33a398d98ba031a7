//! Auto-reply settings in the config: the demo's rules, defaults when the section is left
//! out, and broken settings refused naming the key.

use qin_config::{AutoReplyConfig, Config};

const DEMO: &str = include_str!("../../../config/qin.toml");

fn refused(text: &str) -> String {
    match Config::parse(text, "test.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// The demo with `from` (which must occur once) replaced by `to`.
fn demo_with(from: &str, to: &str) -> String {
    assert_eq!(DEMO.matches(from).count(), 1, "{from}");
    DEMO.replacen(from, to, 1)
}

#[test]
fn the_demo_shows_every_kind_of_rule() {
    let config = Config::parse(DEMO, "qin.toml").expect("demo parses");
    let afu = &config.shops[0];
    let r = &afu.auto_reply;
    assert_eq!(r.quiet_after_agent_s, 60);
    let holding: Vec<u32> = r.holding.iter().map(|h| h.after_s).collect();
    assert_eq!(holding, [30, 90]);
    assert_eq!(r.holding[0].message, "亲，客服正在快马加鞭赶来～");
    for text in [&r.busy_message, &r.closed_message, &r.back_message] {
        assert!(!text.is_empty());
    }
    let size = afu
        .keywords
        .iter()
        .find(|k| k.keywords.iter().any(|w| w == "尺码"))
        .expect("a 尺码 rule");
    assert!(!size.patterns.is_empty());
    assert!(afu.keywords.iter().any(|k| k.priority > 0));
    assert!(afu.keywords.iter().any(|k| !k.groups.is_empty()));
    assert!(afu.agents.iter().filter(|a| a.greeting.is_some()).count() >= 2);
}

#[test]
fn left_out_the_section_has_working_defaults() {
    let start = DEMO.find("[shops.auto_reply]").expect("section");
    let end = DEMO.find("# Routing thresholds").expect("next section");
    let without = format!("{}{}", &DEMO[..start], &DEMO[end..]);
    let config = Config::parse(&without, "test.toml").expect("parses");
    let r = &config.shops[0].auto_reply;
    let d = AutoReplyConfig::default();
    assert_eq!(
        (r.quiet_after_agent_s, &r.busy_message, r.holding.len()),
        (60, &d.busy_message, 0)
    );
}

#[test]
fn broken_auto_reply_settings_name_the_key() {
    let cases = [
        (
            r"patterns = ['\d+\s*(ml|毫升)']",
            "patterns = ['(ml']",
            "shops[0].keywords[3].patterns[0]",
        ),
        (
            r#"patterns = ["几天(能|可以)?(到|发)", "(when|how soon).*(ship|arrive)"]"#,
            r#"patterns = ["几天", ""]"#,
            "shops[0].keywords[1].patterns[1]",
        ),
        (
            r#"keywords = ["退换", "退货", "换货", "退款", "return"]"#,
            "keywords = []",
            "shops[0].keywords[2].keywords",
        ),
        (
            r#"keywords = ["退换", "退货", "换货", "退款", "return"]"#,
            r#"keywords = ["退换", " "]"#,
            "shops[0].keywords[2].keywords",
        ),
        (
            "groups = [\"bold\"]\npriority = 5",
            "groups = [\"nosuch\"]\npriority = 5",
            "shops[0].keywords[5].groups",
        ),
        (
            "quiet_after_agent_s = 60",
            "quiet_after_agent_s = 100000",
            "shops[0].auto_reply.quiet_after_agent_s",
        ),
        (
            "busy_every_s = 60",
            "busy_every_s = 90000",
            "shops[0].auto_reply.busy_every_s",
        ),
        (
            "预计等待{eta}",
            "预计等待{minutes}",
            "shops[0].auto_reply.busy_message",
        ),
        (
            "{next_open}上线",
            "{opening}上线",
            "shops[0].auto_reply.closed_message",
        ),
        (
            "亲，{agent}来啦",
            "亲，{agnet}来啦",
            "shops[0].auto_reply.back_message",
        ),
        (
            r#"agent_reply_format = "【{agent}的自动回复】{text}""#,
            r#"agent_reply_format = "【{agent}的自动回复】""#,
            "shops[0].auto_reply.agent_reply_format",
        ),
        (
            "after_s = 30\n",
            "after_s = 0\n",
            "shops[0].auto_reply.holding[0].after_s",
        ),
        (
            "after_s = 90\n",
            "after_s = 30\n",
            "shops[0].auto_reply.holding[1].after_s",
        ),
        (
            "message = \"亲，客服正在快马加鞭赶来～\"",
            "message = \" \"",
            "shops[0].auto_reply.holding[0].message",
        ),
    ];
    for (from, to, key) in cases {
        let message = refused(&demo_with(from, to));
        assert!(
            message.contains(key),
            "{to:?}: expected {key}, got: {message}"
        );
    }
    let empty_greeting = demo_with(
        "greeting = \"豆豆驾到！今天也是元气满满的一天，有啥问题尽管砸过来！🤪\"",
        "greeting = \" \"",
    );
    let message = refused(&empty_greeting);
    assert!(message.contains("shops[0].agents[7].greeting"), "{message}");
    let unknown = refused(&demo_with("quiet_after_agent_s = 60", "quiet_after_s = 60"));
    assert!(unknown.contains("quiet_after_s"), "{unknown}");
}

#[test]
fn a_rule_may_have_only_patterns_and_texts_may_be_off() {
    let text = demo_with(
        "keywords = [\"正品\", \"假货\", \"真的吗\"]",
        "patterns = ['正品|假货']",
    );
    let text = text.replace(
        "busy_message = \"亲，现在咨询的人有点多，您排在第{position}位，预计等待{eta}，请稍候～\"",
        "busy_message = \"\"",
    );
    let config = Config::parse(&text, "test.toml").expect("parses");
    assert!(config.shops[0].keywords[4].keywords.is_empty());
    assert!(config.shops[0].auto_reply.busy_message.is_empty());
}
