//! Opening hours, holidays, special days and agents' shifts in the shop's time zone: pure
//! functions of a timestamp (`now`, ms since the epoch), cheap enough to check 1,000 agents a
//! second.
//!
//! A window such as `daily 22:00-06:00` whose end is not after its start crosses midnight and
//! *belongs to the day it starts*. That rule also settles holidays and special days: a dated
//! entry replaces the windows that start on that date, and only those. So with
//! `daily 22:00-06:00` and a holiday on the 25th, the 24th's night still runs until 06:00 on
//! the 25th (nobody is sent home at midnight), the 25th's own night window does not open, and
//! the 26th 00:00-06:00 is closed too (it is the tail of the 25th's window). A special day's
//! window may cross midnight in the same way and runs into the next date whatever that date
//! is (even a holiday).

use crate::HoursConfig;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, Zoned};
use std::collections::HashMap;

const DAY_MINUTES: u16 = 24 * 60;
const ALL_DAYS: u8 = 0x7f;
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One window: on the days in `days` (bit 0 = Monday), from `start` to `end` minutes after
/// midnight; `end <= start` crosses midnight and belongs to the day it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    days: u8,
    start: u16,
    end: u16,
}

impl Window {
    fn crosses_midnight(self) -> bool {
        self.end <= self.start
    }
}

/// A set of weekly windows, e.g. `["mon-fri 09:00-18:00", "daily 22:00-06:00"]`. Each is a
/// day bitmask and two minutes of the day, so a check is a few integer comparisons per
/// window, without allocating.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows(Vec<Window>);

/// A moment in the shop's local time: compute it once with [`Calendar::local`], then check
/// it against many agents' shifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// The local date.
    pub date: Date,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Minutes since local midnight, 0..1440.
    pub minute: u16,
}

impl LocalTime {
    /// Minutes since local midnight.
    pub fn minute_of_day(&self) -> u32 {
        u32::from(self.minute)
    }
}

impl Windows {
    /// Parses weekly windows: a day spec (`mon`, `mon-fri`, `fri-mon`, `sat,sun`, `daily`)
    /// and `HH:MM-HH:MM` (24:00 allowed as an end; an end not after the start crosses
    /// midnight). The error quotes the window at fault.
    pub fn parse(specs: &[String]) -> Result<Self, String> {
        specs
            .iter()
            .map(|s| parse_window(s, true))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Parses one day's windows without day names, e.g. `["00:00-24:00"]` (special days).
    pub fn parse_day(specs: &[String]) -> Result<Self, String> {
        specs
            .iter()
            .map(|s| parse_window(s, false))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether there are no windows at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `t` falls in a window, counting windows that began the day before and
    /// cross midnight.
    pub fn contains(&self, t: &LocalTime) -> bool {
        self.starts_today(t.weekday, t.minute) || self.spills_into(t.weekday, t.minute)
    }

    /// Within a window of day `weekday` (its part before midnight).
    fn starts_today(&self, weekday: u8, minute: u16) -> bool {
        self.0.iter().any(|w| {
            w.days & (1 << weekday) != 0
                && minute >= w.start
                && (w.crosses_midnight() || minute < w.end)
        })
    }

    /// Within the after-midnight part of a window begun the day before `weekday`.
    fn spills_into(&self, weekday: u8, minute: u16) -> bool {
        let yesterday = (weekday + 6) % 7;
        self.0
            .iter()
            .any(|w| w.crosses_midnight() && w.days & (1 << yesterday) != 0 && minute < w.end)
    }

    /// Window starts on day `weekday`, in minutes, ascending.
    fn starts(&self, weekday: u8) -> Vec<u16> {
        let mut s: Vec<u16> = self
            .0
            .iter()
            .filter(|w| w.days & (1 << weekday) != 0)
            .map(|w| w.start)
            .collect();
        s.sort_unstable();
        s
    }
}

fn parse_window(spec: &str, with_days: bool) -> Result<Window, String> {
    let spec = spec.trim();
    let (days, times) = if with_days {
        let (d, t) = spec.rsplit_once(char::is_whitespace).ok_or_else(|| {
            format!("{spec:?}: expected \"<days> HH:MM-HH:MM\", e.g. \"mon-fri 09:00-18:00\"")
        })?;
        (parse_days(d).map_err(|e| format!("{spec:?}: {e}"))?, t)
    } else {
        (ALL_DAYS, spec)
    };
    let (a, b) = times
        .split_once('-')
        .ok_or_else(|| format!("{spec:?}: expected HH:MM-HH:MM"))?;
    let start = parse_minute(a, false).ok_or_else(|| format!("{spec:?}: bad start time {a:?}"))?;
    let end = parse_minute(b, true).ok_or_else(|| format!("{spec:?}: bad end time {b:?}"))?;
    if start == end {
        return Err(format!(
            "{spec:?}: an empty window; a whole day is 00:00-24:00"
        ));
    }
    Ok(Window { days, start, end })
}

/// `mon`, `mon-fri`, `fri-mon`, `sat,sun`, `daily`, as a bitmask (bit 0 = Monday).
fn parse_days(spec: &str) -> Result<u8, String> {
    let spec = spec.trim().to_ascii_lowercase();
    if spec == "daily" {
        return Ok(ALL_DAYS);
    }
    let day = |s: &str| {
        let s = s.trim();
        DAY_NAMES
            .iter()
            .position(|d| *d == s)
            .ok_or_else(|| format!("unknown day {s:?}; use mon tue wed thu fri sat sun or daily"))
    };
    let mut mask = 0u8;
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (mut d, b) = (day(a)?, day(b)?);
                loop {
                    mask |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => mask |= 1 << day(part)?,
        }
    }
    Ok(mask)
}

/// `HH:MM` as minutes; `24:00` only as an end.
fn parse_minute(s: &str, end: bool) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(DAY_MINUTES),
        (0..24, 0..60) => Some(h * 60 + m),
        _ => None,
    }
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .map_err(|e| format!("{s:?} is not a YYYY-MM-DD date: {e}"))
}

/// An IANA time zone, e.g. `Asia/Shanghai`.
pub fn parse_timezone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|e| format!("unknown time zone {name:?}: {e}"))
}

/// A shop's opening hours in its time zone.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    weekly: Windows,
    /// Dates with their own windows (holidays: none).
    special: HashMap<Date, Windows>,
}

impl HoursConfig {
    /// The calendar these hours describe; an error says what does not parse. A date both
    /// a holiday and a special day gets the special day's windows.
    pub fn calendar(&self) -> Result<Calendar, String> {
        let tz = parse_timezone(&self.timezone)?;
        let weekly = Windows::parse(&self.open)?;
        let mut special = HashMap::new();
        for d in &self.holidays {
            special.insert(parse_date(d)?, Windows::default());
        }
        for s in &self.special {
            special.insert(parse_date(&s.date)?, Windows::parse_day(&s.open)?);
        }
        Ok(Calendar {
            tz,
            weekly,
            special,
        })
    }
}

fn timestamp(now: i64) -> Timestamp {
    Timestamp::from_millisecond(now).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn weekday(date: Date) -> u8 {
    u8::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0)
}

impl Calendar {
    /// `now` in the shop's local time.
    pub fn local(&self, now: i64) -> LocalTime {
        let dt = self.tz.to_datetime(timestamp(now));
        let minute =
            u16::try_from(dt.hour()).unwrap_or(0) * 60 + u16::try_from(dt.minute()).unwrap_or(0);
        LocalTime {
            date: dt.date(),
            weekday: weekday(dt.date()),
            minute,
        }
    }

    /// Whether an agent with `shift` is on duty at `t`; an empty shift is always on. Shifts
    /// ignore holidays and special days: hours govern the shop, shifts govern people.
    pub fn on_shift(shift: &Windows, t: &LocalTime) -> bool {
        shift.is_empty() || shift.contains(t)
    }

    /// The windows in force on `date`.
    fn day(&self, date: Date) -> &Windows {
        self.special.get(&date).unwrap_or(&self.weekly)
    }

    /// Whether the shop is open at `t` (see the module doc for days around midnight).
    pub fn is_open_at(&self, t: &LocalTime) -> bool {
        if self.day(t.date).starts_today(t.weekday, t.minute) {
            return true;
        }
        let Ok(yesterday) = t.date.yesterday() else {
            return false;
        };
        self.day(yesterday).spills_into(t.weekday, t.minute)
    }

    /// Whether the shop is open at `now`: a holiday or special day replaces the weekly
    /// windows starting that date; the after-midnight part of a window begun the day before
    /// follows the day before's windows.
    pub fn is_open(&self, now: i64) -> bool {
        self.is_open_at(&self.local(now))
    }

    /// When the shop next opens: `Some(now)` if open now, else the first window start
    /// within 400 days (ms), `None` if it never opens. A start that a daylight-saving switch
    /// skips opens at the switch; a start the switch repeats counts twice.
    pub fn next_open(&self, now: i64) -> Option<i64> {
        if self.is_open(now) {
            return Some(now);
        }
        let mut date = self.local(now).date;
        for _ in 0..=400 {
            for start in self.day(date).starts(weekday(date)) {
                let hour = i8::try_from(start / 60).unwrap_or(0);
                let minute = i8::try_from(start % 60).unwrap_or(0);
                for at in self
                    .instants(date.at(hour, minute, 0, 0))
                    .into_iter()
                    .flatten()
                {
                    let at = at.as_millisecond();
                    if at > now && self.is_open(at) {
                        return Some(at);
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The instants a local wall-clock time happens at: one, two in a daylight-saving
    /// fold, or the end of the gap when the switch skips it.
    fn instants(&self, dt: DateTime) -> [Option<Timestamp>; 2] {
        let amb = self.tz.to_ambiguous_timestamp(dt);
        match amb.offset() {
            AmbiguousOffset::Unambiguous { .. } => [amb.earlier().ok(), None],
            AmbiguousOffset::Fold { .. } => [amb.earlier().ok(), amb.later().ok()],
            AmbiguousOffset::Gap { .. } => {
                let before = amb.earlier().ok();
                [
                    before.and_then(|t| Some(self.tz.following(t).next()?.timestamp())),
                    None,
                ]
            }
        }
    }

    /// The local date of `now`, `YYYY-MM-DD` (as profile dates are written).
    pub fn date(&self, now: i64) -> String {
        self.local(now).date.to_string()
    }

    /// `now` as local `MM-DD HH:MM`, for messages such as "we open again at …".
    pub fn format(&self, now: i64) -> String {
        Zoned::new(timestamp(now), self.tz.clone())
            .strftime("%m-%d %H:%M")
            .to_string()
    }
}

#[cfg(test)]
mod tests;
