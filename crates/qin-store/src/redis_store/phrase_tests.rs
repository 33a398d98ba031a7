//! Redis-only tests of the quick-phrase hashes: their layout, and data this code did not
//! write reported as corrupt.

use super::tests::{Fixture, fixture};
use crate::{Store, StoreError};
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
    let Fixture {
        server: _server,
        store,
        keys,
        mut raw,
    } = fixture().await;
    let shop = ShopId::parse("afu").expect("valid id");
    let agent = AgentId::parse("anhong").expect("valid id");
    store
        .set_phrase(&shop, None, &phrase("hi", "亲，在的～"))
        .await
        .expect("set");
    store
        .set_phrase(&shop, Some(&agent), &phrase("发货", "今天发"))
        .await
        .expect("set");

    let mut found: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", keys.prefix()))
        .query_async(&mut raw)
        .await
        .expect("KEYS");
    found.sort();
    let mut expected = vec![keys.phrases(&shop, None), keys.phrases(&shop, Some(&agent))];
    expected.sort();
    assert_eq!(found, expected);
    let text: String = redis::cmd("HGET")
        .arg(keys.phrases(&shop, Some(&agent)))
        .arg("发货")
        .query_async(&mut raw)
        .await
        .expect("HGET");
    assert_eq!(text, "今天发");

    store
        .delete_phrase(&shop, Some(&agent), "发货")
        .await
        .expect("delete");
    let left: usize = redis::cmd("EXISTS")
        .arg(keys.phrases(&shop, Some(&agent)))
        .query_async(&mut raw)
        .await
        .expect("EXISTS");
    assert_eq!(left, 0);
}

/// A phrase that is not UTF-8, or a key of another type, is reported, not misread.
#[tokio::test]
async fn corrupt_phrases_are_reported_as_corrupt() {
    let Fixture {
        server: _server,
        store,
        keys,
        mut raw,
    } = fixture().await;
    let shop = ShopId::parse("afu").expect("valid id");
    let agent = AgentId::parse("anhong").expect("valid id");

    redis::cmd("HSET")
        .arg(keys.phrases(&shop, None))
        .arg("hi")
        .arg(&b"\xff\xfe"[..])
        .exec_async(&mut raw)
        .await
        .expect("HSET");
    let listed = store.phrases(&shop, None).await;
    assert!(
        matches!(listed, Err(StoreError::Corrupt(_))),
        "got {listed:?}"
    );

    redis::cmd("SET")
        .arg(keys.phrases(&shop, Some(&agent)))
        .arg("not a hash")
        .exec_async(&mut raw)
        .await
        .expect("SET");
    let listed = store.phrases(&shop, Some(&agent)).await;
    assert!(listed.is_err(), "got {listed:?}");
    let saved = store
        .set_phrase(&shop, Some(&agent), &phrase("hi", "亲"))
        .await;
    assert!(saved.is_err(), "got {saved:?}");
}
