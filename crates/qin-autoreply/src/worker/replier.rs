//! Turning shop events and due timers into stored and delivered bot replies: the worker's
//! I/O around the pure engine (chat memory loaded from the store, agents' statuses and
//! personal auto-replies, appends and publishes).

use super::chats::Chats;
use super::clock::Clock;
use crate::chat::Chat;
use crate::engine::{Engine, Facts};
use crate::rules::Reply;
use bytes::Bytes;
use futures_util::future::join_all;
use qin_bus::Bus;
use qin_proto::{AgentId, AgentStatus, ConvId, MessageKind, Millis, Party, ShopEvent, unsequenced};
use qin_retry::retry;
use qin_store::{Announcement, Conversation, NewMessage, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// Tries per store or bus call: a short blip is ridden out, a long outage drops the reply
/// rather than stalling every later event of the shop behind it.
const ATTEMPTS: u32 = 3;

/// Messages read back from the end of a log to rebuild a chat's memory.
const LOG_TAIL: u64 = 50;

/// How long an agent's personal auto-reply read from the store is trusted.
const AGENT_REPLY_TTL_MS: Millis = 10_000;

/// Most chats whose replies are posted at once.
const POST_AT_ONCE: usize = 64;

/// Replies one event calls for.
struct Decided {
    conv: ConvId,
    replies: Vec<Reply>,
    /// Whether the chat was just read from the store (and found open): if not, it is checked
    /// before posting, since a closed chat's memory may linger.
    checked: bool,
}

/// The worker's state and handles.
pub(super) struct Replier {
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub bot: Party,
    pub clock: Clock,
    pub chats: Chats,
    statuses: HashMap<AgentId, AgentStatus>,
    agent_replies: HashMap<AgentId, (Option<String>, Millis)>,
}

impl Replier {
    pub fn new(engine: Engine, store: Arc<dyn Store>, bus: Arc<dyn Bus>, clock: Clock) -> Self {
        let bot = Party {
            role: qin_proto::Role::Bot,
            id: super::BOT_ID.into(),
            name: engine.shop().bot_name.clone(),
        };
        Self {
            engine,
            store,
            bus,
            bot,
            clock,
            chats: Chats::default(),
            statuses: HashMap::new(),
            agent_replies: HashMap::new(),
        }
    }

    fn shop(&self) -> &qin_proto::ShopId {
        &self.engine.shop().id
    }

    /// Reads the agents' statuses and the shop's open chats (to resume their holding
    /// timers, one by one while idle). A store that cannot say now is not fatal: statuses
    /// then come with the next changes, and chats load when they next speak.
    pub async fn load(&mut self) -> Vec<Conversation> {
        let shop = self.shop().clone();
        match retry("read agent statuses", ATTEMPTS, || {
            self.store.agent_statuses(&shop)
        })
        .await
        {
            Ok(statuses) => self.statuses = statuses,
            Err(error) => tracing::warn!(%shop, %error, "cannot read agent statuses"),
        }
        match retry("read open chats", ATTEMPTS, || {
            self.store.open_conversations(&shop)
        })
        .await
        {
            Ok(open) => open,
            Err(error) => {
                tracing::warn!(%shop, %error, "cannot read open chats; their holding timers start with their next event");
                Vec::new()
            }
        }
    }

    /// Rebuilds one open chat's memory and timer, unless an event already did.
    pub async fn restore(&mut self, record: Conversation) {
        if self.chats.contains(&record.id) || !record.is_open() {
            return;
        }
        let chat = self.rebuild(&record).await;
        let wake = self.engine.next_wake(&chat);
        let conv = record.id;
        self.chats.insert(conv.clone(), chat, self.clock.now());
        self.chats.set_wake(&conv, wake);
    }

    /// A burst of shop events: each is decided in order (chat memory moves on at once), then
    /// the replies are posted, chats side by side (each chat's in order), so a spike's many
    /// greetings do not wait one behind another's store round trips.
    pub async fn handle_burst(&mut self, payloads: &[Bytes]) {
        let mut decided = Vec::new();
        for payload in payloads {
            if let Some(replies) = self.decide(payload).await {
                decided.push(replies);
            }
        }
        let mut by_chat: HashMap<ConvId, Vec<Decided>> = HashMap::new();
        for d in decided {
            by_chat.entry(d.conv.clone()).or_default().push(d);
        }
        let mut chats: Vec<_> = by_chat.into_iter().collect();
        let mut closed = Vec::new();
        while !chats.is_empty() {
            let wave: Vec<_> = chats.drain(..chats.len().min(POST_AT_ONCE)).collect();
            let this = &*self;
            let gone = join_all(wave.into_iter().map(|(conv, list)| async move {
                for d in list {
                    if !d.checked && this.open_record(&conv).await.is_none() {
                        return Some(conv);
                    }
                    for reply in d.replies {
                        this.post(reply).await;
                    }
                }
                None
            }))
            .await;
            closed.extend(gone.into_iter().flatten());
        }
        for conv in closed {
            self.chats.remove(&conv);
        }
    }

    /// One shop event: the chat's memory moves on, and the replies it calls for are returned.
    async fn decide(&mut self, payload: &[u8]) -> Option<Decided> {
        let event: ShopEvent = match serde_json::from_slice(payload) {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(shop = %self.shop(), %error, "malformed shop event skipped");
                return None;
            }
        };
        let conv = match &event {
            ShopEvent::AgentStatusChanged { agent, status } => {
                self.statuses.insert(agent.clone(), *status);
                self.agent_replies.remove(agent);
                return None;
            }
            ShopEvent::ChatClosed { conv, .. } => {
                self.chats.remove(conv);
                return None;
            }
            // Presence is the router's business (abandoned queues); the bot keeps talking to
            // the chat's log, which a returning shopper reads.
            ShopEvent::RequestPending
            | ShopEvent::ShopperAway { .. }
            | ShopEvent::ShopperBack { .. } => return None,
            ShopEvent::ChatOpened { conv, .. }
            | ShopEvent::ShopperMessage { conv, .. }
            | ShopEvent::AgentMessage { conv, .. }
            | ShopEvent::Routed { conv, .. } => conv.clone(),
        };
        let now = self.clock.now();
        let mut checked = false;
        if !self.chats.contains(&conv) {
            let chat = match &event {
                ShopEvent::ChatOpened { group, .. } => Chat::new(group.clone()),
                _ => match self.open_record(&conv).await {
                    Some(record) => {
                        checked = true;
                        self.rebuild(&record).await
                    }
                    None => return None,
                },
            };
            self.chats.insert(conv.clone(), chat, now);
        }
        let agent = self.chats.get(&conv).and_then(|c| c.agent.clone());
        let agent_status = agent.as_ref().and_then(|a| self.statuses.get(a).copied());
        let busy_or_away = matches!(agent_status, Some(AgentStatus::Busy | AgentStatus::Away));
        let agent_reply = match (&event, agent) {
            (ShopEvent::ShopperMessage { .. }, Some(agent)) if busy_or_away => {
                self.agent_reply(&agent, now).await
            }
            _ => None,
        };
        let facts = Facts {
            now,
            agent_status,
            agent_reply: agent_reply.as_deref(),
        };
        let chat = self.chats.get_mut(&conv, now)?;
        let replies = self.engine.on_event(&conv, chat, &event, &facts);
        let wake = self.engine.next_wake(chat);
        self.chats.set_wake(&conv, wake);
        (!replies.is_empty()).then_some(Decided {
            conv,
            replies,
            checked,
        })
    }

    /// The holding messages of every chat whose timer is due.
    pub async fn on_timers(&mut self) {
        let now = self.clock.now();
        for conv in self.chats.due(now) {
            self.hold(&conv, now).await;
        }
    }

    async fn hold(&mut self, conv: &ConvId, now: Millis) {
        let Some(wait) = self.chats.get(conv).and_then(|c| c.wait) else {
            return;
        };
        // The log is the truth: an agent's answer (or another worker's holding message)
        // whose event the bus lost is taken in before deciding.
        let since = retry("read the wait", ATTEMPTS, || {
            self.store.messages_after(conv, wait.seq, 200)
        })
        .await;
        let Some(chat) = self.chats.get_mut(conv, now) else {
            return;
        };
        match since {
            Ok(messages) => messages.iter().for_each(|m| chat.replay(m)),
            Err(error) => {
                tracing::debug!(%conv, %error, "cannot read the wait; deciding from memory");
            }
        }
        let reply = self.engine.on_time(conv, chat, now);
        let wake = self.engine.next_wake(chat);
        self.chats.set_wake(conv, wake);
        let Some(reply) = reply else {
            return;
        };
        if self.open_record(conv).await.is_none() {
            self.chats.remove(conv);
            return;
        }
        self.post(reply).await;
    }

    /// Forgets chats idle for a day (e.g. closed while their close was lost on the bus).
    pub fn forget_idle(&mut self) {
        let day = 25 * 3600 * 1000;
        let forgotten = self.chats.forget_idle(self.clock.now() - day);
        if forgotten > 0 {
            tracing::debug!(shop = %self.shop(), forgotten, left = self.chats.len(), "idle chats forgotten");
        }
    }

    /// A chat's memory from its stored record and the end of its log (without the log when
    /// the store cannot give it: the store's `cid` deduplication still keeps replies single).
    async fn rebuild(&self, record: &Conversation) -> Chat {
        let conv = &record.id;
        let tail = async {
            let last = self.store.last_seq(conv).await?;
            self.store
                .messages_after(conv, last.saturating_sub(LOG_TAIL), LOG_TAIL as usize)
                .await
        };
        let log = match tail.await {
            Ok(log) => log,
            Err(error) => {
                tracing::warn!(%conv, %error, "cannot read the chat's log; remembering it afresh");
                Vec::new()
            }
        };
        Chat::from_log(record.group.clone(), record.agent.clone(), &log)
    }

    /// The chat's stored record if it is open and this shop's; `None` (logged) otherwise.
    async fn open_record(&self, conv: &ConvId) -> Option<Conversation> {
        let shop = self.shop();
        match retry("load conversation", ATTEMPTS, || {
            self.store.conversation(conv)
        })
        .await
        {
            Ok(Some(c)) if c.is_open() && &c.shop == shop => Some(c),
            Ok(Some(c)) if &c.shop != shop => {
                tracing::warn!(%conv, owner = %c.shop, %shop, "event for another shop's chat");
                None
            }
            Ok(Some(_)) => {
                tracing::debug!(%conv, "chat closed; no auto-reply");
                None
            }
            Ok(None) => {
                tracing::debug!(%conv, "unknown chat; no auto-reply");
                None
            }
            Err(error) => {
                tracing::warn!(%conv, %error, "cannot load chat; no auto-reply");
                None
            }
        }
    }

    /// The agent's personal auto-reply, read from the store at most every few seconds.
    async fn agent_reply(&mut self, agent: &AgentId, now: Millis) -> Option<String> {
        if let Some((text, at)) = self.agent_replies.get(agent)
            && now - at < AGENT_REPLY_TTL_MS
        {
            return text.clone();
        }
        let shop = self.shop().clone();
        match retry("read agent auto-reply", ATTEMPTS, || {
            self.store.agent_auto_reply(&shop, agent)
        })
        .await
        {
            Ok(text) => {
                self.agent_replies
                    .insert(agent.clone(), (text.clone(), now));
                text
            }
            Err(error) => {
                tracing::warn!(%agent, %error, "cannot read the agent's auto-reply");
                None
            }
        }
    }

    /// Appends `reply` and has it delivered, unless another worker (or an earlier copy of the
    /// event) already stored it: only the worker whose append was new delivers it. A store on
    /// the bus's Redis delivers it inside the append; otherwise it is published here.
    async fn post(&self, reply: Reply) {
        let Reply {
            conv,
            cid,
            body,
            rule,
        } = reply;
        let message = NewMessage {
            cid,
            from: self.bot.clone(),
            kind: MessageKind::Text,
            body,
            ts: self.clock.now(),
        };
        let announce = [Announcement::delivery(&conv, &message)];
        let (seq, announced) = match retry("append auto-reply", ATTEMPTS, || {
            self.store
                .append_announced(&conv, message.clone(), &announce)
        })
        .await
        {
            Ok((a, _)) if a.duplicate => {
                tracing::debug!(%conv, ?rule, seq = a.message.seq, "auto-reply already posted");
                return;
            }
            Ok((a, announced)) => (a.message.seq, announced),
            Err(StoreError::Closed(_)) => {
                tracing::debug!(%conv, ?rule, "chat closed; auto-reply dropped");
                return;
            }
            Err(error) => {
                tracing::warn!(%conv, ?rule, %error, "auto-reply dropped");
                return;
            }
        };
        if announced {
            tracing::debug!(%conv, ?rule, seq, "auto-reply posted");
            return;
        }
        let [delivery] = &announce;
        let payload = Bytes::from(unsequenced::fill(&delivery.payload, seq));
        match retry("publish auto-reply", ATTEMPTS, || {
            self.bus.publish(&delivery.topic, payload.clone())
        })
        .await
        {
            Ok(()) => tracing::debug!(%conv, ?rule, seq, "auto-reply posted"),
            // Stored all the same: the parties get it with `sync`.
            Err(error) => tracing::warn!(%conv, seq, %error, "auto-reply stored, not delivered"),
        }
    }
}
