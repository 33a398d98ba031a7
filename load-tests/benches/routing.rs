//! The routing core's speed: decisions per second with 1,000 agents (all full) and 100,000
//! chats waiting, on one core. Each iteration closes one chat (its agent's freed slot takes
//! the oldest waiting chat: an assignment) and opens one (it joins the back of the queue), so
//! the shop stays the same size. Run: `cargo bench -p qin-load --bench routing`.
// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qin_config::ShopConfig;
use qin_proto::{AgentId, AgentStatus, ConvId, GroupId};
use qin_router::{Decision, Prefs, RouterEvent, RouterState};
use std::hint::black_box;

const GROUPS: usize = 4;
const AGENTS: usize = 1_000;
const MAX_CHATS: u32 = 10;
const WAITING: usize = 100_000;

fn id<T>(parse: fn(String) -> Option<T>, s: String) -> T {
    parse(s).expect("valid id")
}

fn shop() -> ShopConfig {
    let groups: Vec<GroupId> = (0..GROUPS)
        .map(|g| id(GroupId::parse, format!("g{g}")))
        .collect();
    let toml = format!(
        "id = \"bench\"\nname = \"bench\"\ndefault_group = \"g0\"\naway_message = \"away\"\n{}{}",
        groups
            .iter()
            .map(|g| format!("[[groups]]\nid = \"{g}\"\nname = \"{g}\"\ngreeting = \"hi\"\n"))
            .collect::<String>(),
        (0..AGENTS)
            .map(|a| format!(
                "[[agents]]\nid = \"a{a}\"\nname = \"a{a}\"\ngroup = \"g{}\"\nmax_chats = {MAX_CHATS}\npassword_hash = \"x\"\n",
                a % GROUPS
            ))
            .collect::<String>()
    );
    toml::from_str(&toml).expect("bench shop")
}

fn conv(n: usize) -> ConvId {
    id(ConvId::parse, format!("c{n}"))
}

fn open(n: usize) -> RouterEvent {
    RouterEvent::ChatOpened {
        conv: conv(n),
        group: Some(id(GroupId::parse, format!("g{}", n % GROUPS))),
        prefs: Prefs::default(),
    }
}

/// A shop whose agents are all online and full, with `WAITING` chats queued.
fn busy_shop() -> (RouterState, usize, Vec<ConvId>) {
    let mut state = RouterState::new(&shop());
    for a in 0..AGENTS {
        let agent: AgentId = id(AgentId::parse, format!("a{a}"));
        state.handle(
            RouterEvent::AgentStatusChanged {
                agent,
                status: AgentStatus::Online,
            },
            0,
        );
    }
    let held = AGENTS * MAX_CHATS as usize;
    let mut assigned = Vec::with_capacity(held);
    for n in 0..held + WAITING {
        for d in state.handle(open(n), 1) {
            if let Decision::Assign { conv, .. } = d {
                assigned.push(conv);
            }
        }
    }
    assert_eq!(assigned.len(), held, "every slot is taken");
    (state, held + WAITING, assigned)
}

fn routing(c: &mut Criterion) {
    let (mut state, mut next, mut assigned) = busy_shop();
    let mut group = c.benchmark_group("routing");
    // Two routing decisions per iteration: one assignment, one queued chat.
    group.throughput(Throughput::Elements(2));
    group.bench_function("close_and_open_1000_agents_100k_waiting", |b| {
        let mut i = 0usize;
        let mut now = 2;
        b.iter(|| {
            now += 1;
            let slot = i % assigned.len();
            let conv = assigned[slot].clone();
            let ds = state.handle(RouterEvent::ChatClosed { conv }, now);
            for d in &ds {
                if let Decision::Assign { conv, .. } = d {
                    assigned[slot] = conv.clone();
                }
            }
            black_box(ds);
            black_box(state.handle(open(next), now));
            next += 1;
            i += 1;
        });
    });
    group.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
