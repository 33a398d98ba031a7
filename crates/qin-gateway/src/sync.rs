//! `sync`: replaying what a client missed in a conversation's log, in pages, and saying
//! whether it is complete (or that the client holds another epoch of the log).

use crate::conn::{Conn, store_error};
use crate::conversation::Participant;
use crate::state::GatewayState;
use qin_proto::{ConvId, ProtoError, ServerFrame};
use qin_store::Note;

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

/// Replays the messages after `after` to this socket (to staff, with the notes written
/// since, each after the message it followed), then `synced`. A client holding
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
    // Staff also get the private notes written since `after`, each after its message.
    let mut notes = if conn.staff {
        let kept = conn.state.store.notes(conv).await.map_err(store_error)?;
        kept.into_iter().filter(|n| n.after_seq >= after).collect()
    } else {
        Vec::new()
    }
    .into_iter()
    .peekable();
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
            while let Some(note) = notes.next_if(|n| n.after_seq < message.seq) {
                conn.reply(&note_frame(conv, note));
            }
            upto = message.seq;
            replayed += 1;
            conn.reply(&ServerFrame::Message(message));
        }
        if !full || replayed >= MAX_SYNC {
            break;
        }
    }
    while let Some(note) = notes.next_if(|n| n.after_seq <= upto) {
        conn.reply(&note_frame(conv, note));
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

fn note_frame(conv: &ConvId, note: Note) -> ServerFrame {
    ServerFrame::Note {
        conv: conv.clone(),
        text: note.text,
        from: note.from,
        ts: note.ts,
    }
}
