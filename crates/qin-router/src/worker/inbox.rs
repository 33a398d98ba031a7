//! The shop's request inbox in the store: transfers, reassignments, shoppers' choices and
//! profile switches wait there until the router has applied them, so none is lost while no
//! router runs (the bus only nudges).

use super::owner::Worker;
use crate::core::{Actor, RouterEvent, Target};
use qin_proto::{Role, RouterRequest};

/// Requests read per round trip.
const BATCH: usize = 64;

impl Worker {
    /// Applies every request waiting in the inbox, oldest first, removing each batch once
    /// applied (a crash in between applies a batch twice: every request is safe to repeat).
    pub(super) async fn drain_inbox(&mut self) {
        loop {
            let batch = match self.store.requests(&self.shop.id, BATCH).await {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(shop = %self.shop.id, %error, "cannot read router requests");
                    return;
                }
            };
            if batch.is_empty() {
                return;
            }
            let n = batch.len();
            for raw in batch {
                match serde_json::from_str::<RouterRequest>(&raw) {
                    Ok(request) => {
                        if let Some(event) = self.request_event(request).await {
                            self.feed([event]).await;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(shop = %self.shop.id, %error, "malformed router request skipped");
                    }
                }
            }
            if let Err(error) = self.store.ack_requests(&self.shop.id, n).await {
                tracing::warn!(shop = %self.shop.id, %error, "cannot remove applied router requests");
                return;
            }
            if n < BATCH {
                return;
            }
        }
    }

    /// The core's event for a request; a profile switch is recorded in the store first, so
    /// a router taking over later keeps it.
    async fn request_event(&self, request: RouterRequest) -> Option<RouterEvent> {
        Some(match request {
            RouterRequest::Transfer {
                conv,
                by,
                to_agent,
                to_group,
                note,
            } => {
                let by = match by.role {
                    Role::Supervisor => Actor::Supervisor(by.id),
                    _ => Actor::Agent(qin_proto::AgentId::parse(by.id)?),
                };
                let to = match (to_agent, to_group) {
                    (Some(agent), _) => Target::Agent(agent),
                    (None, Some(group)) => Target::Group(group),
                    (None, None) => return None,
                };
                RouterEvent::Transfer { conv, by, to, note }
            }
            RouterRequest::Choose { conv, choice } => RouterEvent::Choose { conv, choice },
            RouterRequest::SetProfile { profile, by } => {
                let known = profile
                    .as_ref()
                    .is_none_or(|p| self.shop.profiles.iter().any(|x| &x.name == p));
                if known
                    && let Err(error) = self
                        .store
                        .set_profile(&self.shop.id, profile.as_deref())
                        .await
                {
                    tracing::error!(shop = %self.shop.id, %error, "cannot record the profile switch");
                }
                tracing::info!(shop = %self.shop.id, profile, by = by.id, "profile switch requested");
                RouterEvent::SetProfile { profile }
            }
        })
    }
}
