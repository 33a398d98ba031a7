//! Setting the relay up: connect each shopper/agent pair, check a message gets through, and
//! read the frames the relay cares about in either dialect.

use super::*;

/// Connects every pair (a few at a time: Qin logins hash passwords) and checks a message
/// gets through each before measuring.
pub(super) async fn setup(target: &Target, pairs: usize) -> anyhow::Result<Vec<(Ws, Ws, String)>> {
    let started = std::time::Instant::now();
    let made: Vec<anyhow::Result<(Ws, Ws, String)>> = futures_util::stream::iter(0..pairs)
        .map(|i| async move {
            let (mut shopper, mut agent, conv) = connect_pair(target, i)
                .await
                .with_context(|| format!("pair {i}"))?;
            warm_up(target.dialect, &mut shopper, &mut agent, &conv)
                .await
                .with_context(|| format!("warming up pair {i}"))?;
            Ok((shopper, agent, conv))
        })
        .buffered(16)
        .collect()
        .await;
    let made = made.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    eprintln!(
        "[relay] {pairs} pairs connected in {:.1?}",
        started.elapsed()
    );
    Ok(made)
}

pub(super) async fn connect_pair(target: &Target, i: usize) -> anyhow::Result<(Ws, Ws, String)> {
    let (s_addr, a_addr) = (target.shopper_gateway(i), target.agent_gateway(i));
    match target.dialect {
        Dialect::Qin => {
            let agent_id = qinconf::agent_id(i);
            let mut agent = client::online_agent(target, a_addr, &agent_id).await?;
            let mut shopper = client::open(
                Dialect::Qin,
                s_addr,
                Side::Shopper,
                None,
                &target.shop,
                None,
                None,
            )
            .await?;
            let open = serde_json::json!({"type": "open", "group": qinconf::agent_group(i), "agent": qinconf::agent_handle(&target.shop, i)});
            shopper.send(Message::text(open.to_string())).await?;
            let conv = client::wait_for(&mut shopper, |t| {
                let f = client::parse(t)?;
                match (f.kind, f.state) {
                    ("conversation", Some("assigned")) => Some(Ok(f.conv?.to_owned())),
                    ("conversation", Some("closed")) | ("error", _) => {
                        Some(Err(anyhow::anyhow!("open failed: {t}")))
                    }
                    _ => None,
                }
            })
            .await??;
            client::wait_for(&mut agent, |t| {
                client::parse(t)
                    .filter(|f| f.kind == "assigned" && f.conv == Some(conv.as_str()))
                    .map(|_| ())
            })
            .await?;
            Ok((shopper, agent, conv))
        }
        Dialect::Socketio => {
            let agent = client::open(
                Dialect::Socketio,
                a_addr,
                Side::Agent,
                None,
                "",
                None,
                Some(i),
            )
            .await?;
            let shopper = client::open(
                Dialect::Socketio,
                s_addr,
                Side::Shopper,
                None,
                "",
                None,
                Some(i),
            )
            .await?;
            Ok((shopper, agent, String::new()))
        }
    }
}

/// Sends warm-up messages until the agent sees one: the agent's gateway follows the
/// conversation asynchronously after assignment.
pub(super) async fn warm_up(
    dialect: Dialect,
    shopper: &mut Ws,
    agent: &mut Ws,
    conv: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    for k in 0.. {
        anyhow::ensure!(
            Instant::now() < deadline,
            "no warm-up message reached the agent"
        );
        let text = client::relay_send(dialect, conv, WARM_BASE + k, "warm");
        shopper.send(Message::text(text)).await?;
        let seen = tokio::time::timeout(Duration::from_millis(200), async {
            loop {
                let t = client::next_text(agent).await?;
                if delivery(dialect, &t).is_some_and(|(body, _)| body == "warm") {
                    return anyhow::Ok(());
                }
            }
        })
        .await;
        if let Ok(r) = seen {
            return r;
        }
    }
    Ok(())
}

/// A shopper message as an agent receives it: `(body, seq)`.
pub(super) fn delivery(dialect: Dialect, text: &str) -> Option<(String, Option<u64>)> {
    match dialect {
        Dialect::Qin => {
            if !text.starts_with(r#"{"type":"message""#) {
                return None;
            }
            let f = client::parse(text)?;
            (f.from?.role == "shopper").then(|| (f.body.unwrap_or_default().into_owned(), f.seq))
        }
        Dialect::Socketio => {
            let rest = text.strip_prefix(r#"42["msg",""#)?;
            Some((rest.strip_suffix(r#""]"#)?.to_owned(), None))
        }
    }
}

/// The ack id of a shopper's ack frame, if it is one.
pub(super) fn ack_id(dialect: Dialect, text: &str) -> Option<u64> {
    match dialect {
        Dialect::Qin => {
            if !text.starts_with(r#"{"type":"ack""#) {
                return None;
            }
            client::parse(text)?.cid?.parse().ok()
        }
        Dialect::Socketio => {
            let rest = text.strip_prefix("43")?;
            let digits = rest.find('[').map_or(rest, |end| &rest[..end]);
            digits.parse().ok()
        }
    }
}
