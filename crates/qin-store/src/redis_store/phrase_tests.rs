//! Redis-only tests of the quick-phrase hashes: their layout, and data this code did not
//! write reported as corrupt.

use super::tests::fixture;
use crate::{Phrases, StoreError};
use qin_proto::{AgentId, Phrase, ShopId};

fn phrase(shortcut: &str, text: &str) -> Phrase {
    Phrase {
        shortcut: shortcut.into(),
        text: text.into(),
    }
}

/// One hash per owner, field = shortcut, value = text; the last phrase gone, the key is gone.
#[tokio::test]
async fn phrase_keys_follow_the_documented_layout() {
    let mut f = fixture().await;
    let shop = ShopId::parse("afu").expect("valid id");
    let agent = AgentId::parse("anhong").expect("valid id");
    f.store
        .set_phrase(&shop, None, &phrase("hi", "亲，在的～"))
        .await
        .expect("set");
    f.store
        .set_phrase(&shop, Some(&agent), &phrase("发货", "今天发"))
        .await
        .expect("set");

    let mut found: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", f.keys.prefix()))
        .query_async(&mut f.raw)
        .await
        .expect("KEYS");
    found.sort();
    let mut expected = vec![
        f.keys.phrases(&shop, None),
        f.keys.phrases(&shop, Some(&agent)),
    ];
    expected.sort();
    assert_eq!(found, expected);
    let text: String = redis::cmd("HGET")
        .arg(f.keys.phrases(&shop, Some(&agent)))
        .arg("发货")
        .query_async(&mut f.raw)
        .await
        .expect("HGET");
    assert_eq!(text, "今天发");

    f.store
        .delete_phrase(&shop, Some(&agent), "发货")
        .await
        .expect("delete");
    let left: usize = redis::cmd("EXISTS")
        .arg(f.keys.phrases(&shop, Some(&agent)))
        .query_async(&mut f.raw)
        .await
        .expect("EXISTS");
    assert_eq!(left, 0);
}

/// A phrase that is not UTF-8, or a key of another type, is reported, not misread.
#[tokio::test]
async fn corrupt_phrases_are_reported_as_corrupt() {
    let mut f = fixture().await;
    let shop = ShopId::parse("afu").expect("valid id");
    let agent = AgentId::parse("anhong").expect("valid id");

    redis::cmd("HSET")
        .arg(f.keys.phrases(&shop, None))
        .arg("hi")
        .arg(&b"\xff\xfe"[..])
        .exec_async(&mut f.raw)
        .await
        .expect("HSET");
    let listed = f.store.phrases(&shop, None).await;
    assert!(
        matches!(listed, Err(StoreError::Corrupt(_))),
        "got {listed:?}"
    );

    redis::cmd("SET")
        .arg(f.keys.phrases(&shop, Some(&agent)))
        .arg("not a hash")
        .exec_async(&mut f.raw)
        .await
        .expect("SET");
    let listed = f.store.phrases(&shop, Some(&agent)).await;
    assert!(listed.is_err(), "got {listed:?}");
    let saved = f
        .store
        .set_phrase(&shop, Some(&agent), &phrase("hi", "亲"))
        .await;
    assert!(saved.is_err(), "got {saved:?}");
}
