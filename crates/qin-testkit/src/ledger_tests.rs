//! The ledger's counting, on hand-made frame sequences.

use super::*;

fn held(cid: &str) -> Held {
    Held {
        cid: cid.into(),
        from: "v1".into(),
        at: Instant::now(),
    }
}

fn entry(seq: u64, cid: &str) -> LogEntry {
    LogEntry {
        seq,
        cid: cid.into(),
        from: "v1".into(),
    }
}

fn log_of(n: u64) -> HashMap<String, Vec<LogEntry>> {
    let log = (1..=n).map(|s| entry(s, &format!("m{s}"))).collect();
    HashMap::from([("c1".to_owned(), log)])
}

fn ledger() -> Ledger {
    let mut l = Ledger::default();
    l.register("c1");
    l
}

#[test]
fn a_log_with_a_gap_a_step_back_and_a_repeated_cid_counts_each() {
    let log = [entry(1, "a"), entry(3, "b"), entry(2, "c"), entry(4, "a")];
    let counters = check_log(&log);
    assert_eq!((counters.lost, counters.out_of_order), (1, 1));
    assert_eq!(counters.duplicated, 1);
    assert!(check_log(&[entry(1, "a"), entry(2, "b")]).is_clean());
}

#[test]
fn live_repeats_are_duplicates_and_late_arrivals_out_of_order() {
    let mut l = ledger();
    for (seq, cid) in [(1, "m1"), (3, "m3"), (2, "m2"), (3, "m3")] {
        l.on_message("c1", seq, held(cid));
    }
    l.on_message("c9", 1, held("x"));
    let c = l.check("v1", &log_of(3));
    assert_eq!(
        (c.lost, c.duplicated, c.out_of_order, c.unexpected),
        (0, 1, 1, 1)
    );
}

#[test]
fn messages_during_a_sync_wait_for_it_and_overlap_is_not_a_duplicate() {
    let mut l = ledger();
    l.on_message("c1", 1, held("m1"));
    l.convs.get_mut("c1").unwrap().syncing = Some((1, Vec::new()));
    for seq in [3, 2, 3] {
        l.on_message("c1", seq, held(&format!("m{seq}")));
    }
    assert!(!l.holds_all("c1", 3), "held back until synced");
    assert_eq!(l.on_synced("c1", 3, true, Some("e1".into())), None);
    l.on_message("c1", 2, held("m2"));
    assert!(l.holds_all("c1", 3));
    assert!(l.check("v1", &log_of(3)).is_clean());
    assert_eq!(l.overlap, 2);
}

#[test]
fn a_cut_short_replay_asks_again_and_a_lost_history_is_unexpected() {
    let mut l = ledger();
    l.convs.get_mut("c1").unwrap().syncing = Some((0, Vec::new()));
    assert_eq!(l.on_synced("c1", 5000, false, None), Some(5000));
    l.convs.get_mut("c1").unwrap().syncing = Some((7, Vec::new()));
    assert_eq!(l.on_synced("c1", 0, false, None), None);
    assert_eq!(l.counters.unexpected, 1);
}

#[test]
fn sends_count_as_lost_unless_acked_and_stored_and_a_second_seq_is_a_duplicate() {
    let mut l = ledger();
    for cid in ["m1", "m2", "m3"] {
        let sent = Sent {
            conv: "c1".into(),
            frame: String::new(),
            at: Instant::now(),
            acked: None,
        };
        l.sent.insert(cid.into(), sent);
    }
    l.on_ack("m1", 1);
    l.on_ack("m1", 2);
    l.on_ack("m2", 9);
    l.on_ack("zz", 1);
    for seq in 1..=2 {
        l.on_message("c1", seq, held(&format!("m{seq}")));
    }
    let c = l.check("v1", &log_of(2));
    // m2 acked with a seq the log does not hold, m3 never acked.
    assert_eq!((c.lost, c.duplicated, c.unexpected), (2, 1, 1));
}
