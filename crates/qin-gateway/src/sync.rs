//! `sync`: replaying what a client missed in a conversation's log, in pages, and saying
//! whether it is complete (or that the client holds another epoch of the log).

use crate::conn::{Conn, store_error};
use crate::conversation::Participant;
use crate::state::GatewayState;
use qin_proto::{ConvId, ProtoError, ServerFrame};

/// Most messages one `sync` replays; beyond it `recovered` is false and the client syncs again.
pub(crate) const MAX_SYNC: usize = 5000;
const SYNC_PAGE: usize = 500;

/// The epoch of a conversation's log: when its first message was stored. If the store loses
/// a log and begins it again, its first message (and so the epoch) differs. `None` while the
/// log is empty.
pub(crate) async fn epoch(
    state: &GatewayState,
    conv: &ConvId,
) -> Result<Option<String>, ProtoError> {
    let first = state
        .store
        .messages_after(conv, 0, 1)
        .await
        .map_err(store_error)?;
    Ok(first.first().map(|m| format!("{}-{}", m.ts, m.seq)))
}

/// Replays the messages after `after` to this socket, then `synced`. A client holding
/// another epoch of the log gets no replay: `synced {upto: 0, recovered: false}` tells it to
/// discard its copy and sync from 0.
pub(crate) async fn sync(
    conn: &mut Conn,
    who: &impl Participant,
    conv: &ConvId,
    after: u64,
    client_epoch: Option<String>,
) -> Result<(), ProtoError> {
    who.own(conn, conv).await?;
    let epoch = epoch(&conn.state, conv).await?;
    if client_epoch.is_some() && after > 0 && client_epoch != epoch {
        tracing::info!(%conv, ?client_epoch, ?epoch, "client holds another epoch of the log");
        conn.reply(&ServerFrame::Synced {
            conv: conv.clone(),
            upto: 0,
            recovered: false,
            epoch,
        });
        return Ok(());
    }
    let mut upto = after;
    let mut replayed = 0;
    loop {
        let page = conn
            .state
            .store
            .messages_after(conv, upto, SYNC_PAGE)
            .await
            .map_err(store_error)?;
        let full = page.len() == SYNC_PAGE;
        for message in page {
            upto = message.seq;
            replayed += 1;
            conn.reply(&ServerFrame::Message(message));
        }
        if !full || replayed >= MAX_SYNC {
            break;
        }
    }
    let last = conn.state.store.last_seq(conv).await.map_err(store_error)?;
    conn.reply(&ServerFrame::Synced {
        conv: conv.clone(),
        // A client ahead of the log means the store lost history: say so (and where the
        // log really ends) rather than pretend the gap is filled.
        upto: if after > last { last } else { upto },
        recovered: upto >= last && after <= last,
        epoch,
    });
    Ok(())
}
