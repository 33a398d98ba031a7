//! A shopper that stops reading while its agent floods the chat: the gateway cuts it off once
//! its outbox is full, its own memory stays bounded, everyone else keeps chatting, and the
//! shopper gets everything back by reconnecting and syncing.

use crate::setup::*;
use qin_testkit::{
    ChatParty, Percentiles, QinProcess, RedisServer, TempDir, WAIT, poll_until, tcp_established,
    unique_prefix,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Frames queued towards one socket before it counts as too slow.
const OUTBOX: usize = 256;
/// Body of each flooded message (the most `max_body_chars` allows): frames of about 4 KiB
/// fill the socket's buffers (a few MiB between kernel and websocket layer) in fewer sends.
const FLOOD_BODY: usize = 4000;
/// Most messages the flood sends, and for how long, before giving up on the cut-off. It
/// normally ends, cut off, after about a thousand.
const MAX_FLOOD: usize = 10_000;
const MAX_FLOOD_TIME: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_that_stops_reading_is_cut_off_and_recovers_by_sync() {
    let _serial = serial().await;
    let started = Instant::now();
    let redis = RedisServer::start();
    let prefix = unique_prefix();
    let dir = TempDir::new("slow");
    let text = config_text(6, 25, OUTBOX);
    let file = dir.write("qin.toml", &text);
    let serve = |roles| QinProcess::serve(&qin_bin(), &file, roles, Some(&redis.url()), &prefix);
    let _workers = serve("router,autoreply");
    let gateway = serve("gateway");
    let addr = gateway.wait_ready().await;

    // Only the flooding agent is online when the slow shopper opens, so the chat is theirs.
    let flooder = agents_online(&[addr], 0..1).await.remove(0);
    wait_router_sees(addr, 1).await;
    let slow = ChatParty::shopper(SHOP, None).with_recv_buffer(4096);
    slow.connect(addr).await.expect("slow shopper connects");
    let slow_conv = slow.open(GROUP).await;
    let agent = slow.wait_assigned(&slow_conv, WAIT).await;
    assert_eq!(agent, Some(agent_handle(&text, 0)));
    let agents = agents_online(&[addr], 1..6).await;
    wait_router_sees(addr, 6).await;
    let others = shoppers_with_chats(addr, 20, 20).await;
    let mut all_agents = vec![flooder.clone()];
    all_agents.extend(agents);
    let pairs = pair_up(&others, &all_agents).await;

    let (rss_before, _) = gateway.memory_kib().expect("gateway memory");
    let slow_socket = slow.local_addr().expect("slow shopper's address");
    slow.pause_reading();
    let stop = Arc::new(AtomicBool::new(false));
    let chatter = tokio::spawn(chat(pairs.clone(), stop.clone()));

    let body = "x".repeat(FLOOD_BODY);
    let mut flooded = 0;
    let flood_started = Instant::now();
    while flooded < MAX_FLOOD
        && flood_started.elapsed() < MAX_FLOOD_TIME
        && (flooded % 50 != 0 || tcp_established(addr, slow_socket))
    {
        flooder.send(&slow_conv, &body);
        flooded += 1;
        assert!(flooder.wait_unacked_below(64, WAIT).await, "flood stalled");
    }
    let flood_time = flood_started.elapsed();
    let cut = wait_cut(addr, slow_socket).await;
    stop.store(true, Ordering::Relaxed);
    let chatted = chatter.await.expect("chatter");
    let (rss_after, rss_peak) = gateway.memory_kib().expect("gateway memory");

    slow.resume_reading();
    let close = slow.wait_closed(WAIT).await;
    slow.connect(addr).await.expect("slow shopper reconnects");
    assert!(
        slow.wait_synced(WAIT).await,
        "slow shopper's sync unanswered"
    );

    let mut parties: Vec<ChatParty> = vec![slow.clone()];
    parties.extend(others.iter().map(|(s, _)| s.clone()));
    parties.extend(all_agents.iter().cloned());
    let acked = all_acked(&parties).await;
    let mut chats = others.clone();
    chats.push((slow.clone(), slow_conv.clone()));
    let logs = logs_via_rest(addr, &chats).await;
    let complete = all_hold(&parties, &logs).await;
    let counters = tally(&parties, &logs);

    let mut latencies = Vec::new();
    for pair in &pairs {
        latencies.extend(pair.agent.latencies_from(&pair.shopper));
        latencies.extend(pair.shopper.latencies_from(&pair.agent));
    }
    println!(
        "slow consumer: flooded {flooded} x {FLOOD_BODY} B in {flood_time:?}, gateway cut the slow socket: {cut}, \
         close code seen after resuming: {close:?}; gateway RSS {rss_before} KiB before, {rss_after} KiB after, \
         {rss_peak} KiB peak; others sent {chatted}, their latency {}",
        Percentiles::of(latencies)
    );
    println!("slow consumer: {}", recovery_report(&parties));
    println!(
        "slow consumer: {counters}; slow shopper holds {} of {} messages; {:?}",
        slow.highest(&slow_conv),
        logs[&slow_conv].len(),
        started.elapsed()
    );
    assert!(cut, "the gateway kept a socket that stopped reading");
    // The gateway closes with 4008, but a client that is not reading cannot take the close
    // frame: unless it reads again within the gateway's close timeout, the connection just
    // ends (1006). Either way it reconnects and syncs.
    assert!(
        matches!(close, Some(qin_gateway::CLOSE_TOO_SLOW | 1006)),
        "{close:?}"
    );
    assert!(
        rss_peak.saturating_sub(rss_before) < 64 * 1024,
        "gateway memory grew by {} KiB",
        rss_peak - rss_before
    );
    assert!(
        acked && complete,
        "not every message was acked and delivered"
    );
    assert!(counters.is_clean(), "{counters}");
}

/// Waits until the gateway has let go of the slow socket (its side no longer established).
async fn wait_cut(gateway: std::net::SocketAddr, client: std::net::SocketAddr) -> bool {
    poll_until(WAIT, async || !tcp_established(gateway, client))
        .await
        .is_some()
}

/// Each chat gets one message every 100 ms, alternately from shopper and agent, until `stop`.
async fn chat(pairs: Vec<Pair>, stop: Arc<AtomicBool>) -> usize {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut sent = 0;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        for _ in 0..pairs.len() {
            send_nth(&pairs, sent);
            sent += 1;
        }
    }
    sent
}
