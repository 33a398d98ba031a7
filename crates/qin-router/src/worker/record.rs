//! The explanation kept with every conversation: one JSON record per routing decision (rule,
//! agents weighed and their loads), shown to supervisors by
//! `GET /api/conversations/{id}/routing`.

use crate::core::{Candidates, Decision, Rule};
use qin_proto::{AgentId, AgentStatus, ConvId, Millis};
use serde_json::{Value, json};

/// The record of `decision` taken at `now` under `profile`, with the conversation it
/// belongs to; `None` for decisions that are not about one conversation's routing.
pub(super) fn of(
    decision: &Decision,
    now: Millis,
    profile: Option<&str>,
) -> Option<(ConvId, String)> {
    let (conv, fields) = match decision {
        Decision::Assign {
            conv,
            group,
            agent,
            from,
            rule,
            candidates,
            note,
            unavailable,
        } => (
            conv,
            json!({
                "rule": rule.as_str(), "group": group, "agent": agent, "from": from,
                "note": note, "unavailable": unavailable_json(unavailable.as_ref()),
                "considered": candidates.considered, "candidates": loads(candidates),
            }),
        ),
        Decision::Queue {
            conv,
            group,
            position,
            eta_s,
            from,
            rule,
            candidates,
            unavailable,
            ..
        } => (
            conv,
            json!({
                "rule": rule.as_str(), "group": group, "position": position, "eta_s": eta_s,
                "from": from, "unavailable": unavailable_json(unavailable.as_ref()),
                "considered": candidates.considered, "candidates": loads(candidates),
            }),
        ),
        Decision::WaitAgent {
            conv,
            group,
            agent,
            position,
            eta_s,
            rule,
            candidates,
        } => (
            conv,
            json!({
                "rule": rule.as_str(), "group": group, "agent": agent, "position": position,
                "eta_s": eta_s, "considered": candidates.considered,
                "candidates": loads(candidates),
            }),
        ),
        Decision::Alert {
            conv,
            agent,
            waited_s,
        } => (
            conv,
            json!({ "rule": "slow_reply_alert", "agent": agent, "waited_s": waited_s }),
        ),
        Decision::Refused {
            conv: Some(conv),
            requester,
            reason,
        } => (
            conv,
            json!({ "rule": Rule::Refused.as_str(), "by": requester, "reason": reason }),
        ),
        Decision::Abandoned {
            conv,
            group,
            agent,
            away_s,
        } => (
            conv,
            json!({
                "rule": Rule::Abandoned.as_str(), "group": group, "agent": agent,
                "away_s": away_s,
            }),
        ),
        _ => return None,
    };
    let mut record = fields;
    if let Value::Object(map) = &mut record {
        map.insert("ts".into(), json!(now));
        map.insert("profile".into(), json!(profile));
    }
    Some((conv.clone(), record.to_string()))
}

fn loads(c: &Candidates) -> Value {
    c.shown
        .iter()
        .map(|l| {
            json!({
                "agent": l.agent, "status": l.status,
                "load": f64::from(l.load_milli) / 1000.0, "max": l.max,
            })
        })
        .collect()
}

fn unavailable_json(u: Option<&(AgentId, AgentStatus)>) -> Value {
    u.map_or(
        Value::Null,
        |(agent, status)| json!({ "agent": agent, "status": status }),
    )
}
