//! Fuzzing the config parser: any text, TOML-ish or a mangled demo config, is either a
//! config or a `ConfigError` — never a panic.

use proptest::prelude::*;
use qin_config::{Config, apply_env};

const DEMO: &str = include_str!("../../../config/qin.toml");

/// Sections and keys the parser knows, so generated input gets past the first error.
const SECTIONS: &[&str] = &[
    "[server]",
    "[limits]",
    "[login]",
    "[[shops]]",
    "[[shops.groups]]",
    "[[shops.agents]]",
    "[[shops.keywords]]",
    "[shops.auto_reply]",
    "[shops.routing]",
    "[shops.hours]",
    "[[shops.profiles]]",
    "[[shops.phrases]]",
];
const KEYS: &[&str] = &[
    "id",
    "name",
    "group",
    "groups",
    "default_group",
    "password_hash",
    "max_chats",
    "shift",
    "keywords",
    "patterns",
    "answer",
    "lock_s",
    "lock_max_s",
    "agent_failures",
    "secret",
    "max_frame_bytes",
    "max_body_chars",
    "timezone",
    "dates",
    "fallback",
    "max_wait_s",
    "supervisor",
    "disabled",
    "shortcut",
    "text",
    "image_hosts",
    "open",
    "holidays",
];
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "18446744073709551616",
    "\"\"",
    "\"lady\"",
    "\"afu\"",
    "true",
    "[]",
    "[\"lady\"]",
    "[\"mon-fri 09:00-18:00\"]",
    "\"daily 22:00-06:00\"",
    "{}",
    "1.5",
    "\"(\"",
    "\"$argon2id$v=19$m=19456,t=2,p=1$pGFBn521NXng7u0cVWYxmg$ujAivVu1chkCsfbKxOKYQRXcax1QR+2wNjtdEs4eNzk\"",
    "\"2024-02-30\"",
    "\"Asia/Shanghai\"",
    "\"Mars/Olympus\"",
    "\"*.\"",
    "\"169.254.169.254\"",
];

fn toml_ish() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        prop::sample::select(SECTIONS).prop_map(str::to_owned),
        (prop::sample::select(KEYS), prop::sample::select(VALUES))
            .prop_map(|(k, v)| format!("{k} = {v}")),
        (prop::sample::select(KEYS), "[ -~]{0,12}").prop_map(|(k, v)| format!("{k} = {v}")),
    ];
    prop::collection::vec(line, 0..40).prop_map(|lines| lines.join("\n"))
}

/// An edit of the demo config: cut a span, or put text in.
#[derive(Debug, Clone)]
enum Edit {
    Cut(usize, usize),
    Put(usize, String),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), 0usize..200).prop_map(|(at, len)| Edit::Cut(at, len)),
        (
            any::<usize>(),
            "\\PC{0,8}|[0-9]{1,20}|\n\\[[a-z.]{1,12}\\]\n"
        )
            .prop_map(|(at, text)| Edit::Put(at, text)),
    ];
    prop::collection::vec(edit, 1..6)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        match edit {
            Edit::Cut(at, len) => {
                let at = at % (chars.len() + 1);
                let end = (at + len).min(chars.len());
                chars.drain(at..end);
            }
            Edit::Put(at, put) => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, put.chars());
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_is_a_config_or_an_error(text in "\\PC{0,400}") {
        let _ = Config::parse(&text, "fuzz.toml");
    }

    #[test]
    fn toml_ish_text_is_a_config_or_an_error(text in toml_ish()) {
        let _ = Config::parse(&text, "fuzz.toml");
    }

    #[test]
    fn a_mangled_demo_config_is_a_config_or_an_error(edits in edits()) {
        let text = apply(DEMO, &edits);
        if let Ok(mut config) = Config::parse(&text, "fuzz.toml") {
            // What parses also takes environment overrides without a panic.
            let _ = apply_env(&mut config, |k| (k == "QIN_SECRET").then(|| "x".to_owned()));
        }
    }
}
