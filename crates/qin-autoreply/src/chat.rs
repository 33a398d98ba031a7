//! What the auto-reply service remembers about one conversation between events: its group
//! and agent, the shopper's unanswered wait, the agent's last reply, and which replies were
//! already posted. Rebuilt from the conversation's log when a worker (re)starts.

use qin_proto::{AgentId, GroupId, Message, Millis, Role, RouteOutcome, ShopEvent};
use std::collections::HashSet;

/// One conversation as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Persona group.
    pub group: GroupId,
    /// The assigned agent, `None` while waiting.
    pub agent: Option<AgentId>,
    /// When an agent last wrote in the chat.
    pub last_agent_at: Option<Millis>,
    /// The shopper's messages since the agent's last answer, if any.
    pub wait: Option<Wait>,
    /// `cid`s of the bot replies already posted (or skipped for good).
    pub fired: HashSet<String>,
    /// The `cid` of the away or closed notice (leave a message) while nobody has taken the
    /// chat since: the next agent to take it is announced.
    pub unanswerable: Option<String>,
    /// When the last busy message (place and estimate) was posted.
    pub last_busy_at: Option<Millis>,
}

/// The shopper waits for an answer since their message `seq`, received at `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// The first unanswered shopper message.
    pub seq: u64,
    /// When it arrived.
    pub since: Millis,
}

/// `cid` prefix of the notices that tell the shopper nobody can answer now.
pub(crate) const AWAY_CID: &str = "auto:away";
pub(crate) const CLOSED_CID: &str = "auto:closed:";
pub(crate) const BACK_CID: &str = "auto:back:";
pub(crate) const BUSY_CID: &str = "auto:busy:";

impl Chat {
    /// A chat just opened in `group`.
    pub fn new(group: GroupId) -> Self {
        Self {
            group,
            agent: None,
            last_agent_at: None,
            wait: None,
            fired: HashSet::new(),
            unanswerable: None,
            last_busy_at: None,
        }
    }

    /// Rebuilds the memory from the stored record's `group` and `agent` and the log's last
    /// messages (ascending): waits, the agent's last answer and the bot's posted replies.
    pub fn from_log(group: GroupId, agent: Option<AgentId>, log: &[Message]) -> Self {
        let mut chat = Self::new(group);
        for m in log {
            chat.replay(m);
        }
        if agent.is_some() {
            // Someone took the chat after the notice; the announcement is not sent late.
            chat.unanswerable = None;
        }
        chat.agent = agent;
        chat
    }

    /// Takes in a stored message: the log is the truth when the bus lost an event.
    pub fn replay(&mut self, m: &Message) {
        match m.from.role {
            Role::Agent => self.agent_wrote(m.ts),
            Role::Shopper => self.shopper_wrote(m.seq, m.ts),
            Role::Bot => {
                if m.cid.starts_with(BUSY_CID) {
                    self.last_busy_at = Some(m.ts);
                }
                self.remember(&m.cid);
            }
            Role::System | Role::Supervisor => {}
        }
    }

    /// Takes in what `event` says about the chat, before the rules look at it.
    pub fn observe(&mut self, event: &ShopEvent, now: Millis) {
        match event {
            ShopEvent::ChatOpened { group, .. } => self.group = group.clone(),
            ShopEvent::ShopperMessage { seq, .. } => self.shopper_wrote(*seq, now),
            ShopEvent::AgentMessage { .. } => self.agent_wrote(now),
            ShopEvent::Routed { group, outcome, .. } => {
                self.group = group.clone();
                self.agent = match outcome {
                    RouteOutcome::Assigned { agent } => {
                        // The agent who just took the chat needs a moment to read it: the
                        // holding thresholds count from now (the wait keeps its seq, so a
                        // threshold already passed is not repeated).
                        if let Some(wait) = &mut self.wait {
                            wait.since = wait.since.max(now);
                        }
                        Some(agent.clone())
                    }
                    RouteOutcome::Queued { .. } | RouteOutcome::WaitingAgent { .. } => None,
                };
            }
            ShopEvent::ChatClosed { .. }
            | ShopEvent::AgentStatusChanged { .. }
            | ShopEvent::RequestPending
            | ShopEvent::ShopperAway { .. }
            | ShopEvent::ShopperBack { .. } => {}
        }
    }

    /// A bot reply with `cid` was posted: it does not fire again, and a notice that nobody
    /// can answer (or the announcement that someone does) moves the leave-a-message state.
    pub fn remember(&mut self, cid: &str) {
        if cid == AWAY_CID || cid.starts_with(CLOSED_CID) {
            self.unanswerable = Some(cid.to_owned());
        } else if cid.starts_with(BACK_CID) {
            self.unanswerable = None;
        }
        self.fired.insert(cid.to_owned());
    }

    /// Whether an agent wrote within `quiet_ms` before `now`: a human is answering.
    pub fn quiet(&self, now: Millis, quiet_ms: Millis) -> bool {
        quiet_ms > 0 && self.last_agent_at.is_some_and(|t| now - t < quiet_ms)
    }

    fn shopper_wrote(&mut self, seq: u64, at: Millis) {
        if self.wait.is_none() {
            self.wait = Some(Wait { seq, since: at });
        }
    }

    fn agent_wrote(&mut self, at: Millis) {
        self.last_agent_at = Some(at);
        self.wait = None;
        self.unanswerable = None;
    }
}
