//! Time: the instant type, the injectable source of "now", and the local
//! calendar keys (day, week, month) every program rule counts in.
//!
//! The rules engine never reads a clock: callers pass the time. Services that
//! need "now" take a [`Clock`], so tests and scenario files control time.

use std::sync::Mutex;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// An instant in UTC.
pub type Time = DateTime<Utc>;

/// The program's local time: a fixed UTC offset, or an IANA time zone whose
/// daylight-saving rules move the local day's boundaries through the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset from UTC (`"utc_offset": "+03:00"`).
    Fixed(FixedOffset),
    /// An IANA zone (`"time_zone": "Europe/Berlin"`).
    Named(chrono_tz::Tz),
}

impl Default for Zone {
    fn default() -> Self {
        Self::Named(chrono_tz::Tz::UTC)
    }
}

impl Zone {
    /// The zone named `name` in the IANA database, if there is one.
    pub fn named(name: &str) -> Option<Self> {
        name.parse::<chrono_tz::Tz>().ok().map(Self::Named)
    }

    /// The wall-clock time at `t` in this zone.
    pub fn local(self, t: Time) -> NaiveDateTime {
        match self {
            Self::Fixed(o) => t.with_timezone(&o).naive_local(),
            Self::Named(z) => t.with_timezone(&z).naive_local(),
        }
    }

    /// The instant the wall clock of this zone shows `local`: the earlier of
    /// two when the clocks go back, and for a time the clocks skip (spring
    /// forward) the first instant after the gap. `None` only out of range.
    pub fn instant(self, local: NaiveDateTime) -> Option<Time> {
        let at = |l: NaiveDateTime| -> Option<Time> {
            match self {
                Self::Fixed(o) => o.from_local_datetime(&l).earliest().map(|d| d.to_utc()),
                Self::Named(z) => z.from_local_datetime(&l).earliest().map(|d| d.to_utc()),
            }
        };
        if let Some(t) = at(local) {
            return Some(t);
        }
        // In a gap: the wall-clock times skipped are at most a few hours
        // long; the first one that exists, minute by minute, is the instant
        // the gap ended.
        (1..=24 * 60).find_map(|m| at(local.checked_add_signed(chrono::Duration::minutes(m))?))
    }
}

/// The local calendar day of `t` as a sequential day number (days of the
/// proleptic Gregorian calendar, 0001-01-01 being day 1), in the program's
/// local time.
pub fn day_key(t: Time, zone: Zone) -> i64 {
    i64::from(zone.local(t).date().num_days_from_ce())
}

/// The local ISO week of `t` as a sequential number (weeks since an epoch Monday).
pub fn week_key(t: Time, zone: Zone) -> i64 {
    let date = zone.local(t).date();
    let monday =
        i64::from(date.num_days_from_ce()) - i64::from(date.weekday().num_days_from_monday());
    // 0001-01-01 (day 1 from CE) is a Monday.
    (monday - 1).div_euclid(7)
}

/// The local calendar month of `t` as year * 12 + month0.
pub fn month_key(t: Time, zone: Zone) -> i64 {
    let local = zone.local(t);
    i64::from(local.year()) * 12 + i64::from(local.month0())
}

/// A source of the current UTC time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that returns a set instant until moved; for tests and scenarios.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock stopped at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        // A poisoned lock only means another thread panicked mid-assignment of a
        // plain value; the value itself is still valid, so recover it.
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Time {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    /// A zone with daylight saving counts local days by the clock on the
    /// wall: 23:30 and 00:30 in a Berlin summer are two days, which a fixed
    /// +01:00 would count as one.
    #[test]
    fn named_zones_follow_daylight_saving() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let winter = Zone::Fixed(chrono::FixedOffset::east_opt(3600).unwrap());
        let (late, after_midnight) = (at("2026-07-01T21:30:00Z"), at("2026-07-01T22:30:00Z"));
        assert_eq!(day_key(after_midnight, berlin), day_key(late, berlin) + 1);
        assert_eq!(day_key(after_midnight, winter), day_key(late, winter));
        // Sunday 23:30 and Monday 00:30 in summer: a new ISO week in Berlin.
        let (sunday, monday) = (at("2026-07-05T21:30:00Z"), at("2026-07-05T22:30:00Z"));
        assert_eq!(week_key(monday, berlin), week_key(sunday, berlin) + 1);
        assert_eq!(Zone::named("Nowhere/Atlantis"), None);
    }

    /// Wall-clock times the clocks skip map to the end of the gap; times
    /// they repeat map to the earlier instant.
    #[test]
    fn gaps_and_repeats_have_one_instant() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let local = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        // 2026-03-29 02:30 does not exist in Berlin (02:00 → 03:00 CEST).
        assert_eq!(
            berlin.instant(local("2026-03-29 02:30")),
            Some(at("2026-03-29T01:00:00Z"))
        );
        // 2026-10-25 02:30 happens twice; the first is 00:30Z (CEST).
        assert_eq!(
            berlin.instant(local("2026-10-25 02:30")),
            Some(at("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            berlin.local(at("2026-10-25T00:30:00Z")),
            local("2026-10-25 02:30")
        );
    }

    #[test]
    fn fixed_clock_moves_only_when_set() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let clock = FixedClock::new(t0);
        assert_eq!(clock.now(), t0);
        let t1 = t0 + chrono::Duration::days(1);
        clock.set(t1);
        assert_eq!(clock.now(), t1);
    }
}
