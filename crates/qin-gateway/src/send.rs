//! Sending a message: appended to the conversation's log, acknowledged to the sender, then
//! delivered to every party and told to the router and auto-reply (inside the append when the
//! store sits on the bus's Redis). The hot path of every chat: one store round trip.

use crate::conn::{Conn, store_error};
use qin_config::ShopConfig;
use qin_proto::image_url::check_image_url;
use qin_proto::unsequenced;
use qin_proto::{ConvId, MessageKind, ProtoError, ServerFrame, ShopEvent, ShopId, topic};
use qin_store::{Announcement, Appended, NewMessage};

/// Checks what a message links to against its shop's rules (image hosts); a text is taken as
/// it is. Costs nothing for the texts that make up nearly every chat.
pub(crate) fn check_body(
    shop: &ShopConfig,
    kind: MessageKind,
    body: &str,
) -> Result<(), ProtoError> {
    match kind {
        MessageKind::Text => Ok(()),
        MessageKind::Image => check_image_url(body, &shop.image_hosts),
    }
}

/// Appends `message` to `conv` of `shop` (the caller has checked the sender is a party to
/// it; the store refuses a closed one), acks it to the sender, and has it delivered to every
/// party and told to the router and auto-reply (`event`, given the stored message's `seq`).
/// A store on the bus's Redis does both inside the append, in seq order; otherwise they are
/// published here, side by side. A retried `cid` is acked with its original `seq` and neither
/// delivered nor told again.
pub(crate) async fn send(
    conn: &mut Conn,
    conv: &ConvId,
    shop: &ShopId,
    message: NewMessage,
    event: impl FnOnce(u64) -> ShopEvent,
) -> Result<Appended, ProtoError> {
    let announce = [
        Announcement::delivery(conv, &message),
        Announcement {
            topic: topic::shop(shop),
            payload: unsequenced::json(event),
        },
    ];
    let (appended, announced) = conn
        .state
        .store
        .append_announced(conv, message, &announce)
        .await
        .map_err(store_error)?;
    let seq = appended.message.seq;
    conn.reply(&ServerFrame::Ack {
        conv: conv.clone(),
        cid: appended.message.cid.clone(),
        seq,
    });
    if !appended.duplicate && !announced {
        let bus = &conn.state.bus;
        let [delivery, told] = announce.map(|a| async move {
            let payload = unsequenced::fill(&a.payload, seq);
            bus.publish(&a.topic, payload.into()).await
        });
        let (delivered, told) = tokio::join!(delivery, told);
        if let Err(e) = delivered {
            // Stored and acked: the parties recover it with `sync`.
            tracing::warn!(%conv, seq, error = %e, "message stored but not delivered live");
        }
        if let Err(e) = told {
            // The router reconciles with the store.
            tracing::warn!(%shop, error = %e, "services not told of a stored message");
        }
    }
    Ok(appended)
}
