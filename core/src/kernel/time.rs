//! Time: the instant type, the injectable source of "now", and the local
//! calendar keys (day, week, month) every program rule counts in.
//!
//! The rules engine never reads a clock: callers pass the time. Services that
//! need "now" take a [`Clock`], so tests and scenario files control time.

use std::sync::Mutex;

use chrono::{DateTime, Datelike, FixedOffset, Utc};

/// An instant in UTC.
pub type Time = DateTime<Utc>;

/// The local calendar day of `t` as a sequential day number (days of the
/// proleptic Gregorian calendar, 0001-01-01 being day 1), in the program's
/// local time.
pub fn day_key(t: Time, offset: FixedOffset) -> i64 {
    i64::from(t.with_timezone(&offset).date_naive().num_days_from_ce())
}

/// The local ISO week of `t` as a sequential number (weeks since an epoch Monday).
pub fn week_key(t: Time, offset: FixedOffset) -> i64 {
    let date = t.with_timezone(&offset).date_naive();
    let monday =
        i64::from(date.num_days_from_ce()) - i64::from(date.weekday().num_days_from_monday());
    // 0001-01-01 (day 1 from CE) is a Monday.
    (monday - 1).div_euclid(7)
}

/// The local calendar month of `t` as year * 12 + month0.
pub fn month_key(t: Time, offset: FixedOffset) -> i64 {
    let local = t.with_timezone(&offset);
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
