//! The people of the Double Eleven: a shopper who opens a chat, asks, waits for a human
//! answer (or gives up), and checks the `seq`s it saw; an agent who answers each question
//! after a think time.

use super::*;
pub(super) struct ShopperPlan {
    addr: std::net::SocketAddr,
    shop: String,
    open: serde_json::Value,
    questions: usize,
    patience: Duration,
}

impl ShopperPlan {
    pub(super) fn new(i: usize, spec: &Double11Spec, target: &Target) -> Self {
        let fan = (i as f64 * 0.618_034).fract() < spec.fan_share;
        let open = if fan {
            let a = (i * 7919) % spec.agents;
            serde_json::json!({"type": "open", "group": qinconf::agent_group(a), "agent": qinconf::agent_handle(&target.shop, a)})
        } else {
            serde_json::json!({"type": "open", "group": qinconf::GROUPS[(i * 31 / 7) % 4]})
        };
        Self {
            addr: target.gateways[i % target.gateways.len()],
            shop: target.shop.clone(),
            open,
            questions: spec.messages_per_shopper.max(1),
            patience: Duration::from_secs_f64(spec.patience_s),
        }
    }
}

pub(super) const QUESTIONS: [&str; 4] = [
    "亲，在吗？",
    "这个精油适合干皮吗？",
    "双十一有赠品吗？",
    "好的，谢谢亲！",
];

pub(super) async fn shopper(plan: ShopperPlan, shared: &Shared) -> anyhow::Result<()> {
    let c = &shared.c;
    let mut ws = client::open(
        Dialect::Qin,
        plan.addr,
        Side::Shopper,
        None,
        &plan.shop,
        None,
        None,
    )
    .await?;
    let opened = Instant::now();
    ws.send(Message::text(plan.open.to_string())).await?;
    let (mut conv, mut asked, mut last_q) = (String::new(), 0usize, opened);
    let (mut queued_at, mut assigned, mut bot_seen, mut human_seen) = (None, false, false, false);
    let mut seqs = HashSet::new();
    let outcome = loop {
        let wait =
            tokio::time::timeout_at(last_q + plan.patience, client::next_text(&mut ws)).await;
        let Ok(text) = wait else { break "abandoned" };
        let text = text?;
        let Some(f) = client::parse(&text) else {
            continue;
        };
        match f.kind {
            "conversation" => {
                if conv.is_empty() {
                    conv = f.conv.unwrap_or_default().to_owned();
                    ask(&mut ws, &conv, 0).await?;
                    (asked, last_q) = (1, Instant::now());
                    c.sent.fetch_add(1, Relaxed);
                }
                match f.state {
                    Some("queued") if f.position.is_some() && queued_at.is_none() => {
                        queued_at = Some(Instant::now());
                        c.queued_chats.fetch_add(1, Relaxed);
                        c.queued_now.fetch_add(1, Relaxed);
                    }
                    Some("assigned") if !assigned => {
                        assigned = true;
                        shared.record(|h| &mut h.assignment, opened.elapsed());
                        if let Some(q) = queued_at {
                            shared.record(|h| &mut h.queue, q.elapsed());
                            c.queued_now.fetch_sub(1, Relaxed);
                        }
                        c.assigned_now.fetch_add(1, Relaxed);
                    }
                    Some("closed") => break "closed",
                    _ => {}
                }
            }
            "message" => {
                c.messages.fetch_add(1, Relaxed);
                if let Some(seq) = f.seq
                    && !seqs.insert(seq)
                {
                    c.duplicates.fetch_add(1, Relaxed);
                }
                match f.from.map(|p| p.role) {
                    Some("bot") if !bot_seen => {
                        bot_seen = true;
                        shared.record(|h| &mut h.bot, opened.elapsed());
                    }
                    Some("agent") => {
                        if !human_seen {
                            human_seen = true;
                            shared.record(|h| &mut h.human, opened.elapsed());
                        }
                        shared.record(|h| &mut h.reply, last_q.elapsed());
                        if asked >= plan.questions {
                            break "completed";
                        }
                        ask(&mut ws, &conv, asked).await?;
                        (asked, last_q) = (asked + 1, Instant::now());
                        c.sent.fetch_add(1, Relaxed);
                    }
                    _ => {}
                }
            }
            "error" => shared.error(f.code),
            _ => {}
        }
    };
    if queued_at.is_some() && !assigned {
        c.queued_now.fetch_sub(1, Relaxed);
    }
    if assigned {
        c.assigned_now.fetch_sub(1, Relaxed);
    }
    let max = seqs.iter().copied().max().unwrap_or(0);
    c.lost
        .fetch_add(max.saturating_sub(seqs.len() as u64), Relaxed);
    match outcome {
        "completed" => c.completed.fetch_add(1, Relaxed),
        _ => c.abandoned.fetch_add(1, Relaxed),
    };
    if !conv.is_empty() {
        let close = serde_json::json!({"type": "close", "conv": conv});
        ws.send(Message::text(close.to_string())).await?;
        // Wait for the close to be confirmed, so the agent's slot frees before we hang up.
        let _ = client::wait_for(&mut ws, |t| {
            client::parse(t)
                .filter(|f| f.state == Some("closed"))
                .map(|_| ())
        })
        .await;
    }
    let _ = ws.close(None).await;
    Ok(())
}

pub(super) async fn ask(ws: &mut crate::connect::Ws, conv: &str, k: usize) -> anyhow::Result<()> {
    let body = QUESTIONS[k % QUESTIONS.len()];
    let send = serde_json::json!({"type": "send", "conv": conv, "cid": format!("q{k}"), "kind": "text", "body": body});
    ws.send(Message::text(send.to_string())).await?;
    Ok(())
}

/// An agent: answers every shopper message of its chats after the think time.
pub(super) async fn agent(
    mut ws: crate::connect::Ws,
    think_ms: u64,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let think = Duration::from_millis(think_ms);
    let mut due: BinaryHeap<Reverse<(Instant, String)>> = BinaryHeap::new();
    let mut replied = 0u64;
    let mut answered: HashMap<String, u64> = HashMap::new();
    loop {
        let next = due.peek().map(|Reverse((at, _))| *at);
        let sleep = async {
            match next {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stop.changed() => break,
            () = sleep => {
                if let Some(Reverse((_, conv))) = due.pop() {
                    replied += 1;
                    let send = serde_json::json!({"type": "send", "conv": conv, "cid": format!("r{replied}"), "kind": "text", "body": "亲，好的，马上为您处理～"});
                    if ws.send(Message::text(send.to_string())).await.is_err() {
                        break;
                    }
                    shared.c.replies.fetch_add(1, Relaxed);
                }
            }
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    let Some(f) = client::parse(t.as_str()) else { continue };
                    match (f.kind, f.from.map(|p| p.role)) {
                        // Like a console: on assignment, fetch what the shopper already
                        // wrote (the live feed starts only now).
                        ("assigned", _) => {
                            if let Some(conv) = f.conv {
                                let sync = serde_json::json!({"type": "sync", "conv": conv, "after": 0});
                                if ws.send(Message::text(sync.to_string())).await.is_err() {
                                    break;
                                }
                            }
                        }
                        ("unassigned", _) => {
                            if let Some(conv) = f.conv {
                                answered.remove(conv);
                            }
                        }
                        ("message", Some("shopper")) => {
                            let (Some(conv), Some(seq)) = (f.conv, f.seq) else { continue };
                            // Live and replayed copies may overlap: answer each question once.
                            let upto = answered.entry(conv.to_owned()).or_insert(0);
                            if seq > *upto {
                                *upto = seq;
                                due.push(Reverse((Instant::now() + think, conv.to_owned())));
                            }
                        }
                        ("error", _) => shared.error(f.code),
                        _ => {}
                    }
                }
                Some(Ok(_)) => {}
                _ => {
                    shared.c.agents_gone.fetch_add(1, Relaxed);
                    break;
                }
            },
        }
    }
    let _ = ws.close(None).await;
}
