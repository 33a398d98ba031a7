//! Checks of a shop's routing settings: thresholds, fallback groups, shifts, opening hours,
//! holidays and peak-day profiles. Each error names the key at fault.

use super::invalid;
use crate::calendar::{Windows, parse_date, parse_timezone};
use crate::{ConfigError, ShopConfig};
use std::collections::HashSet;

pub(crate) fn shop(shop: &ShopConfig, at: &str) -> Result<(), ConfigError> {
    let r = &shop.routing;
    if !(0.0..=1.0).contains(&r.idle_weight) {
        return Err(invalid(
            format!("{at}.routing.idle_weight"),
            "must be 0.0 to 1.0",
        ));
    }
    if r.transfer_after_s > 0 && r.slow_reply_s > r.transfer_after_s {
        return Err(invalid(
            format!("{at}.routing.slow_reply_s"),
            "must not be above transfer_after_s (the alert comes before the transfer)",
        ));
    }
    for (gi, g) in shop.groups.iter().enumerate() {
        for (fi, f) in g.fallback.iter().enumerate() {
            let key = format!("{at}.groups[{gi}].fallback[{fi}]");
            if *f == g.id {
                return Err(invalid(key, "a group cannot fall back to itself"));
            }
            if shop.group(f).is_none() {
                return Err(invalid(key, format!("no group {f} in this shop")));
            }
        }
    }
    for (ai, a) in shop.agents.iter().enumerate() {
        windows(
            &a.shift,
            &format!("{at}.agents[{ai}].shift"),
            Windows::parse,
        )?;
    }
    let h = &shop.hours;
    parse_timezone(&h.timezone).map_err(|e| invalid(format!("{at}.hours.timezone"), e))?;
    windows(&h.open, &format!("{at}.hours.open"), Windows::parse)?;
    for (i, d) in h.holidays.iter().enumerate() {
        parse_date(d).map_err(|e| invalid(format!("{at}.hours.holidays[{i}]"), e))?;
    }
    for (i, s) in h.special.iter().enumerate() {
        let key = format!("{at}.hours.special[{i}]");
        parse_date(&s.date).map_err(|e| invalid(format!("{key}.date"), e))?;
        windows(&s.open, &format!("{key}.open"), Windows::parse_day)?;
    }
    let mut names = HashSet::new();
    for (pi, p) in shop.profiles.iter().enumerate() {
        let key = format!("{at}.profiles[{pi}]");
        let well_formed = (1..=32).contains(&p.name.len())
            && p.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !well_formed {
            return Err(invalid(
                format!("{key}.name"),
                "must be 1-32 characters of a-z 0-9 _ -",
            ));
        }
        if !names.insert(&p.name) {
            return Err(invalid(
                format!("{key}.name"),
                format!("duplicate profile {}", p.name),
            ));
        }
        if p.max_chats.is_some_and(|m| !(1..=200).contains(&m)) {
            return Err(invalid(format!("{key}.max_chats"), "must be 1 to 200"));
        }
        let slow = p.slow_reply_s.unwrap_or(r.slow_reply_s);
        let transfer = p.transfer_after_s.unwrap_or(r.transfer_after_s);
        if transfer > 0 && slow > transfer {
            return Err(invalid(
                format!("{key}.slow_reply_s"),
                format!("{slow} s is above the transfer after {transfer} s in this profile"),
            ));
        }
        for (di, d) in p.dates.iter().enumerate() {
            parse_date(d).map_err(|e| invalid(format!("{key}.dates[{di}]"), e))?;
        }
    }
    Ok(())
}

/// Parses each window on its own so the error names its index, e.g. `…shift[1]`.
fn windows(
    specs: &[String],
    key: &str,
    parse: fn(&[String]) -> Result<Windows, String>,
) -> Result<(), ConfigError> {
    for (i, spec) in specs.iter().enumerate() {
        parse(std::slice::from_ref(spec)).map_err(|e| invalid(format!("{key}[{i}]"), e))?;
    }
    Ok(())
}
