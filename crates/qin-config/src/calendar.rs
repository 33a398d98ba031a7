//! Opening hours, holidays, special days and agents' shifts in the shop's time zone: pure
//! functions of a timestamp (ms since the epoch), cheap enough to check 1,000 agents a second.

use crate::HoursConfig;
use jiff::civil::Date;
use jiff::tz::TimeZone;
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

/// A set of weekly windows, e.g. `["mon-fri 09:00-18:00", "daily 22:00-06:00"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows(Vec<Window>);

/// A moment in the shop's local time.
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
    /// and `HH:MM-HH:MM` (24:00 allowed as an end).
    pub fn parse(specs: &[String]) -> Result<Self, String> {
        specs
            .iter()
            .map(|s| parse_window(s, true))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Parses one day's windows without day names, e.g. `["00:00-24:00"]`.
    pub fn parse_day(specs: &[String]) -> Result<Self, String> {
        specs
            .iter()
            .map(|s| parse_window(s, false))
            .collect::<Result<_, _>>()
            .map(Self)
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
        let (d, t) = spec.split_once(' ').ok_or_else(|| {
            format!("{spec:?}: expected \"<days> HH:MM-HH:MM\", e.g. \"mon-fri 09:00-18:00\"")
        })?;
        (parse_days(d.trim())?, t.trim())
    } else {
        (ALL_DAYS, spec)
    };
    let (a, b) = times
        .split_once('-')
        .ok_or_else(|| format!("{spec:?}: expected HH:MM-HH:MM"))?;
    let start = parse_minute(a, false).ok_or_else(|| format!("{spec:?}: bad start time {a:?}"))?;
    let end = parse_minute(b, true).ok_or_else(|| format!("{spec:?}: bad end time {b:?}"))?;
    if start == end % DAY_MINUTES && end != DAY_MINUTES && start != 0 {
        return Err(format!("{spec:?}: a window must not be empty"));
    }
    Ok(Window { days, start, end })
}

fn parse_days(spec: &str) -> Result<u8, String> {
    if spec == "daily" {
        return Ok(ALL_DAYS);
    }
    let day = |s: &str| {
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

/// A shop's opening hours in its time zone.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    weekly: Windows,
    /// Dates with their own windows (holidays: none).
    special: HashMap<Date, Windows>,
}

impl HoursConfig {
    /// The calendar these hours describe; an error names what does not parse.
    pub fn calendar(&self) -> Result<Calendar, String> {
        let tz = TimeZone::get(&self.timezone)
            .map_err(|e| format!("unknown time zone {:?}: {e}", self.timezone))?;
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

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .map_err(|e| format!("{s:?} is not a YYYY-MM-DD date: {e}"))
}

fn zoned(tz: &TimeZone, now: i64) -> Zoned {
    Timestamp::from_millisecond(now)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
}

impl Calendar {
    /// `now` in the shop's local time.
    pub fn local(&self, now: i64) -> LocalTime {
        let z = zoned(&self.tz, now);
        let weekday = u8::try_from(z.weekday().to_monday_zero_offset()).unwrap_or(0);
        let minute =
            u16::try_from(z.hour()).unwrap_or(0) * 60 + u16::try_from(z.minute()).unwrap_or(0);
        LocalTime {
            date: z.date(),
            weekday,
            minute,
        }
    }

    /// The windows in force on `date`.
    fn day(&self, date: Date) -> &Windows {
        self.special.get(&date).unwrap_or(&self.weekly)
    }

    /// Whether the shop is open at `now`. A holiday or special day replaces the weekly
    /// windows for windows *starting* that day; the after-midnight part of a window begun
    /// the day before follows the day before's windows.
    pub fn is_open(&self, now: i64) -> bool {
        let t = self.local(now);
        if self.day(t.date).starts_today(t.weekday, t.minute) {
            return true;
        }
        let Ok(yesterday) = t.date.yesterday() else {
            return false;
        };
        self.day(yesterday).spills_into(t.weekday, t.minute)
    }

    /// When the shop next opens: `Some(now)` if open now, else the first window start
    /// within 400 days (ms), `None` if it never opens.
    pub fn next_open(&self, now: i64) -> Option<i64> {
        if self.is_open(now) {
            return Some(now);
        }
        let mut date = self.local(now).date;
        for _ in 0..=400 {
            let weekday = u8::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
            for start in self.day(date).starts(weekday) {
                let at = date
                    .at(
                        i8::try_from(start / 60).unwrap_or(0),
                        i8::try_from(start % 60).unwrap_or(0),
                        0,
                        0,
                    )
                    .to_zoned(self.tz.clone())
                    .ok()?
                    .timestamp()
                    .as_millisecond();
                if at > now && self.is_open(at) {
                    return Some(at);
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The local date of `now`, `YYYY-MM-DD`.
    pub fn date(&self, now: i64) -> String {
        self.local(now).date.to_string()
    }

    /// `now` as local `MM-DD HH:MM`, for messages.
    pub fn format(&self, now: i64) -> String {
        zoned(&self.tz, now).strftime("%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SpecialDay;

    fn hours(tz: &str, open: &[&str]) -> HoursConfig {
        HoursConfig {
            timezone: tz.into(),
            open: open.iter().map(|s| (*s).to_owned()).collect(),
            holidays: Vec::new(),
            special: Vec::new(),
        }
    }

    /// ms of a local wall-clock time in `tz`.
    fn at(tz: &str, s: &str) -> i64 {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(TimeZone::get(tz).unwrap())
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    const SH: &str = "Asia/Shanghai";

    #[test]
    fn windows_parse_and_reject() {
        let ok = [
            "mon-fri 09:00-18:00",
            "sat,sun 10:00-16:00",
            "daily 22:00-06:00",
            "fri-mon 00:00-24:00",
        ];
        assert!(Windows::parse(&ok.map(String::from)).is_ok());
        for bad in [
            "mon 9:00-18:00",
            "funday 09:00-10:00",
            "mon 09:00",
            "mon 25:00-26:00",
            "mon 24:00-01:00",
            "09:00-10:00",
        ] {
            assert!(Windows::parse(&[bad.to_owned()]).is_err(), "{bad}");
        }
        assert!(Windows::parse_day(&["00:00-24:00".to_owned()]).is_ok());
    }

    #[test]
    fn weekdays_and_midnight_crossing() {
        let cal = hours(SH, &["mon-fri 09:00-18:00", "daily 22:00-06:00"])
            .calendar()
            .unwrap();
        // 2026-11-30 is a Monday.
        assert!(cal.is_open(at(SH, "2026-11-30T09:00")));
        assert!(!cal.is_open(at(SH, "2026-11-30T18:00")));
        assert!(cal.is_open(at(SH, "2026-11-30T23:30")));
        assert!(
            cal.is_open(at(SH, "2026-12-01T03:00")),
            "Monday's night window"
        );
        assert!(!cal.is_open(at(SH, "2026-12-05T12:00")), "Saturday noon");
        assert!(
            cal.is_open(at(SH, "2026-12-06T05:59")),
            "Saturday's night window"
        );
    }

    #[test]
    fn wrapping_day_ranges() {
        let w = Windows::parse(&["fri-mon 10:00-11:00".to_owned()]).unwrap();
        let t = |weekday| LocalTime {
            date: Date::constant(2026, 1, 1),
            weekday,
            minute: 630,
        };
        assert_eq!(
            (0..7).map(|d| w.contains(&t(d))).collect::<Vec<_>>(),
            [true, false, false, false, true, true, true]
        );
    }

    #[test]
    fn holidays_and_special_days() {
        let mut h = hours(SH, &["daily 09:00-18:00"]);
        h.holidays = vec!["2026-12-25".into()];
        h.special = vec![SpecialDay {
            date: "2026-11-11".into(),
            open: vec!["00:00-24:00".into()],
        }];
        let cal = h.calendar().unwrap();
        assert!(!cal.is_open(at(SH, "2026-12-25T12:00")));
        assert!(cal.is_open(at(SH, "2026-11-11T02:00")));
        assert!(!cal.is_open(at(SH, "2026-11-12T02:00")));
        // Closed at Christmas noon: opens again the next morning.
        assert_eq!(
            cal.next_open(at(SH, "2026-12-25T12:00")),
            Some(at(SH, "2026-12-26T09:00"))
        );
        assert_eq!(
            cal.next_open(at(SH, "2026-12-24T12:00")),
            Some(at(SH, "2026-12-24T12:00"))
        );
    }

    #[test]
    fn next_open_across_a_weekend() {
        let cal = hours(SH, &["mon-fri 09:00-18:00"]).calendar().unwrap();
        // Friday evening → Monday morning.
        assert_eq!(
            cal.next_open(at(SH, "2026-12-04T19:00")),
            Some(at(SH, "2026-12-07T09:00"))
        );
        let never = hours(SH, &[]).calendar().unwrap();
        assert_eq!(never.next_open(0), None);
    }

    #[test]
    fn daylight_saving_time_is_local_time() {
        const BE: &str = "Europe/Berlin";
        let cal = hours(BE, &["daily 09:00-10:00"]).calendar().unwrap();
        // Clocks go back on 2026-10-25: 09:30 local is open on both sides of the switch.
        assert!(cal.is_open(at(BE, "2026-10-24T09:30")));
        assert!(cal.is_open(at(BE, "2026-10-25T09:30")));
        assert!(!cal.is_open(at(BE, "2026-10-25T10:30")));
        assert_eq!(cal.date(at(BE, "2026-10-25T00:30")), "2026-10-25");
        assert_eq!(cal.format(at(BE, "2026-10-25T09:05")), "10-25 09:05");
    }

    #[test]
    fn bad_zone_or_date_is_an_error() {
        assert!(hours("Mars/Olympus", &[]).calendar().is_err());
        let mut h = hours(SH, &[]);
        h.holidays = vec!["2026-13-01".into()];
        assert!(h.calendar().is_err());
    }
}
