//! Shop-wide quick phrases in the config: the demo has some, and broken ones are refused
//! naming the key.

use qin_config::Config;

const DEMO: &str = include_str!("../../../config/qin.toml");

/// The demo with one more `[[shops.phrases]]` entry (the last `[[shops]]` is `afu`).
fn with_phrase(shortcut: &str, text: &str) -> String {
    format!("{DEMO}\n[[shops.phrases]]\nshortcut = {shortcut:?}\ntext = {text:?}\n")
}

fn refused(text: &str) -> String {
    match Config::parse(text, "test.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_demo_shop_has_quick_phrases() {
    let config = Config::parse(DEMO, "qin.toml").expect("demo config");
    let afu = &config.shops[0];
    let hi = afu
        .phrases
        .iter()
        .find(|p| p.shortcut == "hi")
        .expect("a /hi phrase");
    assert_eq!(hi.phrase().text, "亲，在的～有什么可以帮您？");
    assert!(afu.phrases.iter().any(|p| p.shortcut == "发货"));
}

#[test]
fn a_good_extra_phrase_is_accepted() {
    let config = Config::parse(&with_phrase("退换_2", "亲，7天无理由退换～"), "t").expect("valid");
    assert!(
        config.shops[0]
            .phrases
            .iter()
            .any(|p| p.shortcut == "退换_2")
    );
}

#[test]
fn bad_phrases_are_refused_naming_the_key() {
    let n = Config::parse(DEMO, "qin.toml").expect("demo").shops[0]
        .phrases
        .len();
    let key = format!("shops[0].phrases[{n}]");
    for bad in ["", "a b", "/hi", "hi!", &"x".repeat(33)] {
        let e = refused(&with_phrase(bad, "亲"));
        assert!(e.contains(&format!("{key}.shortcut")), "{bad:?}: {e}");
    }
    let e = refused(&with_phrase("hi", "又一个"));
    assert!(
        e.contains(&format!("{key}.shortcut")) && e.contains("duplicate"),
        "{e}"
    );
    let e = refused(&with_phrase("blank", "  \n"));
    assert!(e.contains(&format!("{key}.text")), "{e}");
    let e = refused(&with_phrase("long", &"亲".repeat(4001)));
    assert!(e.contains(&format!("{key}.text")), "{e}");
    let unknown =
        format!("{DEMO}\n[[shops.phrases]]\nshortcut = \"x\"\ntext = \"y\"\nowner = \"me\"\n");
    assert!(refused(&unknown).contains("owner"));
}

#[test]
fn at_most_200_phrases_per_shop() {
    let mut text = DEMO.to_owned();
    let n = Config::parse(DEMO, "qin.toml").expect("demo").shops[0]
        .phrases
        .len();
    for i in 0..=200 - n {
        text.push_str(&format!(
            "\n[[shops.phrases]]\nshortcut = \"p{i}\"\ntext = \"亲\"\n"
        ));
    }
    assert!(refused(&text).contains("shops[0].phrases"));
}
