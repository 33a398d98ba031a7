//! Table tests of the calendar: window syntax, midnight crossing, holidays and special days,
//! next opening time, time zones with and without daylight saving.

use super::*;
use crate::SpecialDay;

const SH: &str = "Asia/Shanghai";
const BE: &str = "Europe/Berlin";

fn strings(specs: &[&str]) -> Vec<String> {
    specs.iter().map(|s| (*s).to_owned()).collect()
}

fn hours(tz: &str, open: &[&str]) -> HoursConfig {
    HoursConfig {
        timezone: tz.into(),
        open: strings(open),
        holidays: Vec::new(),
        special: Vec::new(),
    }
}

fn special(date: &str, open: &[&str]) -> SpecialDay {
    SpecialDay {
        date: date.into(),
        open: strings(open),
    }
}

/// ms of a local wall-clock time in `tz` (the earlier one in a fold).
fn at(tz: &str, s: &str) -> i64 {
    s.parse::<DateTime>()
        .unwrap()
        .to_zoned(TimeZone::get(tz).unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

/// Checks `(local time, open?)` pairs in `tz`.
fn check_open(cal: &Calendar, tz: &str, cases: &[(&str, bool)]) {
    for &(t, open) in cases {
        assert_eq!(cal.is_open(at(tz, t)), open, "{t}");
    }
}

#[test]
fn window_syntax() {
    let good = [
        "mon-fri 09:00-18:00",
        "sat,sun 10:00-16:00",
        "sat, sun 10:00-16:00",
        "Mon-Fri 09:00-18:00",
        "daily 22:00-06:00",
        "fri-mon 00:00-24:00",
        "tue 18:00-00:00",
        "mon,wed-thu,sun 08:30-09:45",
        "  daily   00:00-24:00  ",
    ];
    for spec in good {
        assert!(Windows::parse(&strings(&[spec])).is_ok(), "{spec}");
    }
    let bad = [
        "",
        "mon-fri",
        "09:00-10:00",
        "mon 9:00-18:00",
        "funday 09:00-10:00",
        "weekdays 09:00-10:00",
        "mon,,tue 09:00-10:00",
        "mon 09:00",
        "mon 09:00-",
        "mon 25:00-26:00",
        "mon 09:60-10:00",
        "mon 24:00-01:00",
        "mon 09:00-24:01",
        "mon 09:00-09:00",
        "mon 00:00-00:00",
        "mon 09:00-18:00:00",
    ];
    for spec in bad {
        let e = Windows::parse(&strings(&[spec])).expect_err(spec);
        assert!(e.contains(&format!("{:?}", spec.trim())), "{spec}: {e}");
    }
    assert!(Windows::parse(&[]).unwrap().is_empty());
    assert!(Windows::parse_day(&strings(&["00:00-24:00", "22:00-02:00"])).is_ok());
    for spec in ["mon 09:00-10:00", "9-5", "10:00-10:00"] {
        assert!(Windows::parse_day(&strings(&[spec])).is_err(), "{spec}");
    }
}

#[test]
fn contains_across_days_and_midnight() {
    let mut cases = 0;
    // (windows, weekday 0 = Monday, HH:MM, inside?)
    let table: &[(&str, u8, &str, bool)] = &[
        ("mon-fri 09:00-18:00", 0, "09:00", true),
        ("mon-fri 09:00-18:00", 4, "17:59", true),
        ("mon-fri 09:00-18:00", 0, "18:00", false),
        ("mon-fri 09:00-18:00", 5, "12:00", false),
        ("daily 22:00-06:00", 1, "03:00", true),
        ("daily 22:00-06:00", 1, "06:00", false),
        ("daily 22:00-06:00", 1, "21:59", false),
        ("daily 22:00-06:00", 1, "22:00", true),
        ("mon 22:00-06:00", 1, "03:00", true),
        ("mon 22:00-06:00", 0, "03:00", false),
        ("mon 22:00-06:00", 2, "03:00", false),
        ("sun 22:00-06:00", 0, "05:59", true),
        ("sun 22:00-06:00", 6, "23:00", true),
        ("tue 18:00-00:00", 1, "23:59", true),
        ("tue 18:00-00:00", 2, "00:00", false),
        ("sun 00:00-24:00", 6, "00:00", true),
        ("sun 00:00-24:00", 6, "23:59", true),
        ("sun 00:00-24:00", 0, "00:00", false),
        ("sat,sun 10:00-16:00", 5, "10:00", true),
        ("sat,sun 10:00-16:00", 4, "10:00", false),
    ];
    for &(spec, weekday, hm, inside) in table {
        let w = Windows::parse(&strings(&[spec])).unwrap();
        let (h, m) = hm.split_once(':').unwrap();
        let t = LocalTime {
            date: Date::constant(2026, 1, 1),
            weekday,
            minute: h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap(),
        };
        assert_eq!(w.contains(&t), inside, "{spec} on day {weekday} at {hm}");
        cases += 1;
    }
    assert_eq!(cases, table.len());
}

#[test]
fn wrapping_day_ranges() {
    let days = |spec: &str| {
        let w = Windows::parse(&strings(&[spec])).unwrap();
        (0..7)
            .map(|weekday| {
                w.contains(&LocalTime {
                    date: Date::constant(2026, 1, 1),
                    weekday,
                    minute: 630,
                })
            })
            .collect::<Vec<_>>()
    };
    let (t, f) = (true, false);
    assert_eq!(days("fri-mon 10:00-11:00"), [t, f, f, f, t, t, t]);
    assert_eq!(days("sun-tue 10:00-11:00"), [t, t, f, f, f, f, t]);
    assert_eq!(days("mon-sun 10:00-11:00"), [t; 7]);
    assert_eq!(days("wed-wed 10:00-11:00"), [f, f, t, f, f, f, f]);
}

#[test]
fn shifts_ignore_holidays_and_empty_is_always_on() {
    let mut h = hours(SH, &["daily 09:00-18:00"]);
    h.holidays = strings(&["2026-12-25"]);
    let cal = h.calendar().unwrap();
    let night = Windows::parse(&strings(&["daily 22:00-06:00"])).unwrap();
    let christmas_night = cal.local(at(SH, "2026-12-25T23:00"));
    assert!(Calendar::on_shift(&night, &christmas_night));
    assert!(Calendar::on_shift(
        &night,
        &cal.local(at(SH, "2026-12-26T05:00"))
    ));
    assert!(!Calendar::on_shift(
        &night,
        &cal.local(at(SH, "2026-12-26T12:00"))
    ));
    assert!(Calendar::on_shift(&Windows::default(), &christmas_night));
    assert!(!cal.is_open_at(&christmas_night));
}

#[test]
fn weekly_hours_with_a_night_window() {
    let cal = hours(SH, &["mon-fri 09:00-18:00", "daily 22:00-06:00"])
        .calendar()
        .unwrap();
    // 2026-11-30 is a Monday.
    check_open(
        &cal,
        SH,
        &[
            ("2026-11-30T08:59", false),
            ("2026-11-30T09:00", true),
            ("2026-11-30T18:00", false),
            ("2026-11-30T23:30", true),
            ("2026-12-01T03:00", true),
            ("2026-12-05T12:00", false),
            ("2026-12-06T05:59", true),
            ("2026-12-06T06:00", false),
        ],
    );
}

#[test]
fn a_holiday_closes_the_windows_starting_that_day() {
    let mut h = hours(SH, &["daily 22:00-06:00"]);
    h.holidays = strings(&["2026-12-25"]);
    let cal = h.calendar().unwrap();
    check_open(
        &cal,
        SH,
        &[
            ("2026-12-25T03:00", true), // the 24th's night runs on
            ("2026-12-25T06:00", false),
            ("2026-12-25T22:30", false),
            ("2026-12-26T03:00", false), // the tail of the 25th's window
            ("2026-12-26T22:00", true),
        ],
    );
    assert_eq!(
        cal.next_open(at(SH, "2026-12-25T07:00")),
        Some(at(SH, "2026-12-26T22:00"))
    );
}

#[test]
fn a_special_day_replaces_the_weekly_windows() {
    let mut h = hours(SH, &["daily 09:00-18:00"]);
    h.special = vec![special("2026-12-31", &["20:00-02:00"])];
    h.holidays = strings(&["2027-01-01", "2026-11-11"]);
    h.special.push(special("2026-11-11", &["00:00-24:00"]));
    let cal = h.calendar().unwrap();
    check_open(
        &cal,
        SH,
        &[
            ("2026-12-31T12:00", false),
            ("2026-12-31T21:00", true),
            ("2027-01-01T01:30", true), // runs into the holiday
            ("2027-01-01T02:00", false),
            ("2027-01-01T12:00", false),
            ("2027-01-02T12:00", true),
            ("2026-11-11T02:00", true), // special beats holiday
            ("2026-11-12T02:00", false),
        ],
    );
    assert_eq!(
        cal.next_open(at(SH, "2026-12-31T03:00")),
        Some(at(SH, "2026-12-31T20:00"))
    );
    assert_eq!(
        cal.next_open(at(SH, "2027-01-01T02:00")),
        Some(at(SH, "2027-01-02T09:00"))
    );
    // A day with no windows is closed, but the night before still spills into it.
    let mut h = hours(SH, &["daily 22:00-06:00"]);
    h.special = vec![special("2026-12-24", &["12:00-14:00"])];
    check_open(
        &h.calendar().unwrap(),
        SH,
        &[
            ("2026-12-24T03:00", true),
            ("2026-12-24T13:00", true),
            ("2026-12-24T22:30", false),
            ("2026-12-25T03:00", false),
        ],
    );
}

#[test]
fn next_open_across_a_weekend_and_a_holiday() {
    let mut h = hours(SH, &["mon-fri 09:00-18:00"]);
    h.holidays = strings(&["2026-12-07"]);
    let cal = h.calendar().unwrap();
    let cases = [
        ("2026-12-03T07:00", "2026-12-03T09:00"), // later today
        ("2026-12-03T12:00", "2026-12-03T12:00"), // open now
        ("2026-12-03T18:00", "2026-12-04T09:00"),
        ("2026-12-04T19:00", "2026-12-08T09:00"), // Friday night → Tuesday (Monday off)
        ("2026-12-06T23:59", "2026-12-08T09:00"),
    ];
    for (now, open) in cases {
        assert_eq!(cal.next_open(at(SH, now)), Some(at(SH, open)), "from {now}");
    }
    assert_eq!(cal.format(at(SH, "2026-12-08T09:00")), "12-08 09:00");
    let never = hours(SH, &[]).calendar().unwrap();
    assert_eq!(never.next_open(at(SH, "2026-12-03T07:00")), None);
    let mut far = hours(SH, &[]);
    far.special = vec![special("2027-06-01", &["10:00-11:00"])];
    let far = far.calendar().unwrap();
    assert_eq!(
        far.next_open(at(SH, "2026-12-03T07:00")),
        Some(at(SH, "2027-06-01T10:00"))
    );
}

#[test]
fn shanghai_has_no_daylight_saving() {
    let cal = hours(SH, &["daily 09:00-18:00"]).calendar().unwrap();
    let midnight = at(SH, "2026-11-30T00:00");
    assert_eq!(midnight, 1_795_968_000_000, "UTC+8 all year");
    let summer = at(SH, "2026-07-01T00:00") - at(SH, "2026-06-30T00:00");
    assert_eq!(summer, 86_400_000);
    let t = cal.local(midnight - 1);
    assert_eq!(
        (t.date, t.weekday, t.minute),
        (Date::constant(2026, 11, 29), 6, 1439)
    );
    assert_eq!(cal.date(midnight), "2026-11-30");
    assert_eq!(cal.date(midnight - 1), "2026-11-29");
}

#[test]
fn berlin_hours_follow_the_local_clock_across_switches() {
    let cal = hours(BE, &["daily 09:00-10:00"]).calendar().unwrap();
    // Clocks go forward on 2026-03-29 (02:00 → 03:00) and back on 2026-10-25 (03:00 → 02:00).
    check_open(
        &cal,
        BE,
        &[
            ("2026-03-28T09:30", true),
            ("2026-03-29T09:30", true),
            ("2026-10-24T09:30", true),
            ("2026-10-25T09:30", true),
            ("2026-10-25T10:30", false),
        ],
    );
    assert_eq!(
        cal.next_open(at(BE, "2026-03-28T10:30"))
            .map(|t| t - at(BE, "2026-03-28T10:30")),
        Some(21 * 3_600_000 + 30 * 60_000),
        "22.5 wall-clock hours, one of them skipped"
    );
    let t = cal.local(at(BE, "2026-03-29T01:59") + 60_000);
    assert_eq!(t.minute, 3 * 60, "01:59 + 1 min is 03:00");
    assert_eq!(cal.date(at(BE, "2026-10-25T00:30")), "2026-10-25");
    assert_eq!(cal.format(at(BE, "2026-10-25T09:05")), "10-25 09:05");

    // A window starting in the skipped hour opens at the switch; one entirely inside it
    // does not happen that day.
    let gap = hours(BE, &["daily 02:30-04:00"]).calendar().unwrap();
    let switch = at(BE, "2026-03-29T03:00");
    assert_eq!(gap.next_open(at(BE, "2026-03-29T01:00")), Some(switch));
    let lost = hours(BE, &["daily 02:00-03:00"]).calendar().unwrap();
    assert_eq!(
        lost.next_open(at(BE, "2026-03-29T01:00")),
        Some(at(BE, "2026-03-30T02:00"))
    );
    // In the repeated hour, a window opens on both passes.
    let fold = hours(BE, &["daily 02:00-02:30"]).calendar().unwrap();
    let first = at(BE, "2026-10-25T02:00");
    assert_eq!(fold.next_open(first + 45 * 60_000), Some(first + 3_600_000));
}

#[test]
fn bad_zone_or_date_is_an_error() {
    assert!(hours("Mars/Olympus", &[]).calendar().is_err());
    assert!(hours("", &[]).calendar().is_err());
    for date in ["2026-13-01", "2027-02-29", "2026-1-1", "11/11"] {
        let mut h = hours(SH, &[]);
        h.holidays = strings(&[date]);
        assert!(h.calendar().is_err(), "{date}");
        assert!(parse_date(date).is_err(), "{date}");
    }
    assert_eq!(parse_date("2028-02-29"), Ok(Date::constant(2028, 2, 29)));
}
