//! The conformance suite every backend passes, so memory, file and Redis stay mirrors: one
//! module per part of the [`Store`] (`conversations`, `presence`, `fans`, `routing`, `leases`,
//! `phrases`, `sign_outs`, `notes`, `customers`, `complaints`, and `store` for what belongs to the whole).
//!
//! Each case is a public async function taking the part it checks (`&Arc<dyn Part>`). Each
//! makes its own shop and conversation ids, so all of them can share one store (and be run
//! again on it); [`run_all`] runs every case on one store. Cases panic on failure, like test
//! assertions; callers bound them with a timeout. In this crate each backend runs every case
//! as its own test (the `suite!` macro of each module, invoked from the backend's file for
//! that part), e.g. `memory::conversations::append_numbers_from_one`. Enabled in other crates
//! by the `conformance` feature.

pub mod complaints;
pub mod conversations;
pub mod customers;
pub mod fans;
pub mod leases;
pub mod notes;
pub mod phrases;
pub mod presence;
pub mod routing;
pub mod sign_outs;
pub mod store;

use crate::Store;
use qin_proto::{AgentId, ConvId, Party, Role, ShopId, VisitorId};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long one case may take before its test fails (the file store fsyncs every write, and
/// the machine may be busy with other builds).
pub const CASE_WAIT: Duration = Duration::from_secs(60);

/// Runs every case of every part against `store`, one after another.
pub async fn run_all(store: &Arc<dyn Store>) {
    store::suite!(run store);
    conversations::suite!(run store);
    presence::suite!(run store);
    fans::suite!(run store);
    routing::suite!(run store);
    leases::suite!(run store);
    phrases::suite!(run store);
    sign_outs::suite!(run store);
    notes::suite!(run store);
    customers::suite!(run store);
    complaints::suite!(run store);
}

/// Expands a module's list of cases: given `<fixture>`, one `#[tokio::test]` per case, each
/// on a fresh backend from `<fixture>()` (an async fn returning a guard that keeps the backend
/// alive, and the store); given `run <store>`, a call of each case in turn on that
/// `Arc<dyn Store>`.
macro_rules! cases {
    (run $store:ident; $part:ident: $trait:ident; $($case:ident),+ $(,)?) => {{
        let part: ::std::sync::Arc<dyn $crate::$trait> = $store.clone();
        $($crate::conformance::$part::$case(&part).await;)+
    }};
    ($fixture:path; $part:ident: $trait:ident; $($case:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $case() {
            let (_guard, store) = $fixture().await;
            let store: ::std::sync::Arc<dyn $crate::$trait> = store;
            let check = $crate::conformance::$part::$case(&store);
            ::tokio::time::timeout($crate::conformance::CASE_WAIT, check)
                .await
                .expect(concat!(stringify!($case), " timed out"));
        }
    )+};
}
pub(crate) use cases;

/// Text no id may hold, kept byte for byte by every store.
const ODD: [&str; 4] = ["", "{x}}", "路由 / 记录\n\t\"quoted\"", "\u{0}nul"];

/// A fresh id fragment no other check (or run of the suite in this process) uses.
fn unique(tag: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{tag}-{}-{n}", std::process::id())
}

fn shop_id() -> ShopId {
    ShopId::parse(unique("shop")).expect("valid id")
}

fn conv_id(tag: &str) -> ConvId {
    ConvId::parse(unique(tag)).expect("valid id")
}

fn agent_id(name: &str) -> AgentId {
    AgentId::parse(name).expect("valid id")
}

fn visitor() -> VisitorId {
    VisitorId::parse(unique("v")).expect("valid id")
}

fn shopper(visitor: &str) -> Party {
    Party {
        role: Role::Shopper,
        id: visitor.into(),
        name: format!("亲 {visitor}"),
    }
}

fn agent_party(agent: &AgentId) -> Party {
    Party {
        role: Role::Agent,
        id: agent.as_str().into(),
        name: "安红".into(),
    }
}
