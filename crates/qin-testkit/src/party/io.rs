//! A party's socket tasks: the writer drains its queue, the reader feeds every frame to the
//! ledger and answers what a client must (`sync` after `welcome` and `assigned`, again after
//! a cut-short replay; a send refused as `unavailable` is retried with the same `cid`).

use super::{INBOX, Inner, RETRY_AFTER, Ws, lock};
use crate::ledger::{Held, Ledger};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Writes queued frames, batching what is already queued into one flush.
pub(super) async fn write(
    mut sink: SplitSink<Ws, WsMessage>,
    mut rx: mpsc::UnboundedReceiver<String>,
) {
    while let Some(text) = rx.recv().await {
        if sink.feed(WsMessage::text(text)).await.is_err() {
            return;
        }
        while let Ok(text) = rx.try_recv() {
            if sink.feed(WsMessage::text(text)).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

/// Reads the socket until it ends, feeding the ledger.
pub(super) async fn read(
    inner: Arc<Inner>,
    epoch: u64,
    mut stream: SplitStream<Ws>,
    tx: mpsc::UnboundedSender<String>,
) {
    let mut paused = inner.paused.subscribe();
    loop {
        if *paused.borrow_and_update() {
            if paused.changed().await.is_err() {
                return;
            }
            continue;
        }
        let next = tokio::select! {
            next = stream.next() => next,
            _ = paused.changed() => continue,
        };
        let code = match next {
            Some(Ok(WsMessage::Text(text))) => {
                inner.on_frame(epoch, &text, &tx);
                continue;
            }
            Some(Ok(WsMessage::Close(frame))) => frame.map_or(1005, |f| f.code.into()),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => 1006,
        };
        inner.update(epoch, |l| {
            l.closed = Some(code);
        });
        return;
    }
}

impl Inner {
    /// Runs `f` on the ledger if `epoch` is still the current connection, then wakes waits.
    fn update<R>(&self, epoch: u64, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
        let result = {
            let mut ledger = lock(&self.ledger);
            (self.epoch.load(Ordering::SeqCst) == epoch).then(|| f(&mut ledger))
        };
        self.changed.send_modify(|n| *n += 1);
        result
    }

    fn on_frame(&self, epoch: u64, text: &str, tx: &mpsc::UnboundedSender<String>) {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let str_of = |key: &str| frame[key].as_str().unwrap_or_default().to_owned();
        let kind = str_of("type");
        let conv = str_of("conv");
        let mut syncs = Vec::new();
        let mut retry = None;
        self.update(epoch, |l| match kind.as_str() {
            "message" => {
                let held = Held {
                    cid: str_of("cid"),
                    from: frame["from"]["id"].as_str().unwrap_or_default().to_owned(),
                    at: Instant::now(),
                };
                l.on_message(&conv, frame["seq"].as_u64().unwrap_or(0), held);
            }
            "ack" => l.on_ack(&str_of("cid"), frame["seq"].as_u64().unwrap_or(0)),
            "synced" => {
                let upto = frame["upto"].as_u64().unwrap_or(0);
                let epoch = frame["epoch"].as_str().map(str::to_owned);
                if let Some(after) = l.on_synced(&conv, upto, frame["recovered"] == true, epoch) {
                    start_sync(l, &conv, after, &mut syncs);
                }
            }
            "welcome" => {
                let mut who = lock(&self.who);
                if let Some(token) = frame["token"].as_str() {
                    who.token = Some(token.to_owned());
                }
                let id = frame["visitor_id"].as_str();
                who.id = id
                    .or(frame["agent"]["id"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                drop(who);
                l.welcomes += 1;
                for c in frame["conversations"].as_array().into_iter().flatten() {
                    l.register(c["conv"].as_str().unwrap_or_default());
                }
                for c in l.order.clone() {
                    let after = l.convs[&c].highest();
                    start_sync(l, &c, after, &mut syncs);
                }
            }
            "assigned" | "conversation" => {
                let c = l.register(&conv);
                c.agent = frame["agent"]["id"].as_str().map(str::to_owned);
                if kind == "assigned" {
                    let after = c.highest();
                    start_sync(l, &conv, after, &mut syncs);
                }
            }
            "groups" | "typing" | "read" | "note" => {}
            _ => {
                if kind == "error" {
                    *l.errors.entry(str_of("code")).or_default() += 1;
                    let sent = frame["ref"].as_str().and_then(|r| l.sent.get(r));
                    if frame["code"] == "unavailable" {
                        retry = sent.filter(|s| s.acked.is_none()).map(|s| s.frame.clone());
                        l.retries += u64::from(retry.is_some());
                    }
                }
                if l.inbox.len() >= INBOX {
                    l.inbox.remove(0);
                }
                l.inbox.push(frame.clone());
            }
        });
        for (conv, after, epoch) in syncs {
            let sync = json!({"type": "sync", "conv": conv, "after": after, "epoch": epoch});
            let _ = tx.send(sync.to_string());
        }
        if let Some(frame) = retry {
            let tx = tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(RETRY_AFTER).await;
                let _ = tx.send(frame);
            });
        }
    }
}

/// A `sync` to send: conversation, `after`, the log's epoch as last seen.
type SyncRequest = (String, u64, Option<String>);

/// Holds `conv`'s live messages back until its `sync` is answered (unless one is pending).
fn start_sync(l: &mut Ledger, conv: &str, after: u64, syncs: &mut Vec<SyncRequest>) {
    if let Some(c) = l.convs.get_mut(conv).filter(|c| c.syncing.is_none()) {
        c.syncing = Some((after, Vec::new()));
        syncs.push((conv.to_owned(), after, c.epoch.clone()));
    }
}
