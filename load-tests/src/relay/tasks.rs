//! The relay's moving parts: a shopper sending on schedule (open loop, rate per step) and an
//! agent recording what arrives.

use super::pairs::{ack_id, delivery};
use super::*;

pub(super) struct Plan {
    pub(super) dialect: Dialect,
    pub(super) conv: String,
    pub(super) rates: Vec<f64>,
    pub(super) phase: f64,
    pub(super) t0: Instant,
    pub(super) step_d: Duration,
    pub(super) body_bytes: usize,
}

pub(super) async fn shopper_task(
    ws: Ws,
    plan: Plan,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let (mut sink, mut stream) = ws.split();
    let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<()>(4);
    let reader_shared = shared.clone();
    let mut reader_stop = stop.clone();
    let dialect = plan.dialect;
    let reader = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = reader_stop.changed() => break,
                m = stream.next() => match m {
                    Some(Ok(Message::Text(t))) => {
                        let t = t.as_str();
                        if t == "2" {
                            let _ = pong_tx.try_send(());
                        } else if let Some(id) = ack_id(dialect, t) {
                            if id < WARM_BASE {
                                reader_shared.acked.fetch_add(1, Relaxed);
                            }
                        } else if t.starts_with(r#"{"type":"error""#) {
                            reader_shared.errors.fetch_add(1, Relaxed);
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                },
            }
        }
    });
    let mut n = 0u64;
    'steps: for (step, &rate) in plan.rates.iter().enumerate() {
        if shared.halt.load(Relaxed) {
            break;
        }
        let start = plan.t0 + plan.step_d * step as u32;
        let end = start + plan.step_d;
        let interval = Duration::from_secs_f64(1.0 / rate);
        let mut next = start + interval.mul_f64(plan.phase);
        while next < end && !shared.halt.load(Relaxed) {
            tokio::select! {
                _ = stop.changed() => break 'steps,
                Some(()) = pong_rx.recv() => {
                    if sink.send(Message::text("3")).await.is_err() { break 'steps; }
                    continue;
                }
                () = tokio::time::sleep_until(next) => {}
            }
            let now = Instant::now();
            while next <= now && next < end {
                let body = client::relay_body(step, n, now_ns(), plan.body_bytes);
                let text = client::relay_send(plan.dialect, &plan.conv, n, &body);
                if sink.feed(Message::text(text)).await.is_err() {
                    break 'steps;
                }
                shared.sent[step].fetch_add(1, Relaxed);
                n += 1;
                next += interval;
            }
            if sink.flush().await.is_err() {
                break 'steps;
            }
        }
    }
    let _ = stop.wait_for(|s| *s).await;
    let _ = reader.await;
    let _ = sink.close().await;
}

pub(super) async fn agent_task(
    mut ws: Ws,
    dialect: Dialect,
    steps: usize,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> AgentOut {
    let mut out = AgentOut {
        hists: (0..steps).map(|_| stats::histogram()).collect(),
        delivered: vec![0; steps],
        unique: 0,
        duplicates: 0,
        reordered: 0,
    };
    let mut seen: Vec<bool> = Vec::new();
    let mut last_seq = 0;
    loop {
        let text = tokio::select! {
            _ = stop.changed() => break,
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(_)) => continue,
                _ => break,
            },
        };
        if text.as_str() == "2" {
            let _ = ws.send(Message::text("3")).await;
            continue;
        }
        let Some((body, seq)) = delivery(dialect, text.as_str()) else {
            continue;
        };
        let received = now_ns();
        if let Some(seq) = seq {
            if seq <= last_seq {
                out.reordered += 1;
            }
            last_seq = last_seq.max(seq);
        }
        let Some((step, n, sent)) = client::parse_relay_body(&body) else {
            continue;
        };
        let n = n as usize;
        if seen.len() <= n {
            seen.resize(n + 1, false);
        }
        if seen[n] {
            out.duplicates += 1;
            continue;
        }
        seen[n] = true;
        out.unique += 1;
        if let Some(h) = out.hists.get_mut(step) {
            stats::record(h, received.saturating_sub(sent) / 1000);
            out.delivered[step] += 1;
        }
        shared.delivered.fetch_add(1, Relaxed);
    }
    let _ = ws.close(None).await;
    out
}
