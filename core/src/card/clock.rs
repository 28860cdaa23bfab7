//! Trusted time for the card: the device's clock plus the server's offset,
//! refused when the device clock is known to be wrong — a code computed from
//! a wrong clock is one the till refuses, so the card says why instead.
//!
//! Two things the wallet remembers make the clock checkable offline:
//! - the **floor**: the latest server time a sync has shown (raised by every
//!   accepted page, and by a refused one whose device clock was behind by
//!   up to [`FLOOR_FROM_REFUSED_MS`]); trusted time before it, beyond
//!   [`CLOCK_TOLERANCE_MS`], means the device clock went back.
//! - the **refused offset**: when a sync found the device clock ahead of the
//!   server's by more than a day (`clock_skew`), how far. While the device
//!   clock plus that offset is not before the floor, the device still runs
//!   that far ahead; once the shopper sets the clock right, it is (the
//!   estimate falls before what was already seen) and the card shows again.
//!
//! A forward jump made offline, after the last sync, cannot be seen without a
//! monotonic clock: the till's refusal is then the signal, and the next sync
//! catches it.

use crate::kernel::error::{LoyaltyError, Result};

/// Slack for drift between the offset's measurement and now.
pub const CLOCK_TOLERANCE_MS: i64 = 2 * 60 * 1000;

/// A refused page raises the floor only when the device clock was behind by
/// at most this much (a far-off server time could otherwise lock the card).
pub const FLOOR_FROM_REFUSED_MS: i64 = 30 * 24 * 3_600_000;

/// What the wallet knows about the server's time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrustedClock {
    /// Server minus device, as the last accepted sync measured it.
    pub offset_ms: i64,
    /// The latest server time (Unix ms) a sync has shown.
    pub floor_ms: Option<i64>,
    /// Server minus device (negative: the device ahead) as a refused sync
    /// measured it; cleared by the next accepted sync.
    pub refused_offset_ms: Option<i64>,
}

fn overflow() -> LoyaltyError {
    LoyaltyError::Overflow {
        what: "server time",
    }
}

/// Whole hours in `ms`, rounded away from zero (a few minutes are "1 hour").
fn hours(ms: i64) -> i64 {
    let h = ms / 3_600_000;
    if ms % 3_600_000 == 0 {
        h
    } else {
        h + ms.signum()
    }
}

impl TrustedClock {
    /// The server's time at device time `device_ms`, or `clock_skew` with
    /// how far off the device clock is known to be.
    pub fn server_ms(&self, device_ms: i64) -> Result<i64> {
        let server = device_ms.checked_add(self.offset_ms).ok_or_else(overflow)?;
        if let Some(floor) = self.floor_ms {
            let behind = floor.checked_sub(server).ok_or_else(overflow)?;
            if behind > CLOCK_TOLERANCE_MS {
                return Err(LoyaltyError::ClockSkew {
                    hours: hours(behind),
                });
            }
        }
        if let Some(refused) = self.refused_offset_ms.filter(|r| *r < 0) {
            let estimate = device_ms.checked_add(refused).ok_or_else(overflow)?;
            let still_ahead = self
                .floor_ms
                .is_none_or(|floor| estimate >= floor.saturating_sub(CLOCK_TOLERANCE_MS));
            if still_ahead {
                return Err(LoyaltyError::ClockSkew {
                    hours: hours(refused),
                });
            }
        }
        Ok(server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    const T: i64 = 1_800_000_000_000;

    #[test]
    fn without_history_the_device_clock_plus_offset_is_trusted() {
        let c = TrustedClock {
            offset_ms: 1500,
            ..TrustedClock::default()
        };
        assert_eq!(c.server_ms(T).unwrap(), T + 1500);
    }

    #[test]
    fn a_clock_set_back_before_what_a_sync_showed_is_refused() {
        let c = TrustedClock {
            offset_ms: 0,
            floor_ms: Some(T),
            refused_offset_ms: None,
        };
        // Within the tolerance: drift, not a wrong clock.
        assert_eq!(
            c.server_ms(T - CLOCK_TOLERANCE_MS).unwrap(),
            T - CLOCK_TOLERANCE_MS
        );
        let err = c.server_ms(T - 24 * H).unwrap_err();
        assert_eq!(err.code(), "clock_skew");
        assert!(
            matches!(err, LoyaltyError::ClockSkew { hours: 24 }),
            "{err:?}"
        );
        // A few minutes back: "1 hour", never "0 hours".
        assert!(matches!(
            c.server_ms(T - CLOCK_TOLERANCE_MS - 1),
            Err(LoyaltyError::ClockSkew { hours: 1 })
        ));
        // Set right again (later than the floor): shown.
        assert_eq!(c.server_ms(T + H).unwrap(), T + H);
    }

    #[test]
    fn a_clock_a_year_ahead_is_refused_until_it_is_set_right() {
        let year = 365 * 24 * H;
        // A sync at server time T found the device a year ahead.
        let c = TrustedClock {
            offset_ms: 0,
            floor_ms: Some(T - H),
            refused_offset_ms: Some(-year),
        };
        let err = c.server_ms(T + year + 10 * 60_000).unwrap_err();
        assert!(
            matches!(err, LoyaltyError::ClockSkew { hours } if hours == -365 * 24),
            "{err:?}"
        );
        // The shopper sets the clock right: the estimate falls before the floor.
        assert_eq!(c.server_ms(T + 10 * 60_000).unwrap(), T + 10 * 60_000);
    }

    #[test]
    fn extreme_clocks_are_errors_not_panics() {
        let c = TrustedClock {
            offset_ms: i64::MAX,
            floor_ms: Some(i64::MIN),
            refused_offset_ms: Some(i64::MIN),
        };
        assert_eq!(c.server_ms(1).unwrap_err().code(), "overflow");
        let c = TrustedClock {
            offset_ms: 0,
            floor_ms: Some(i64::MAX),
            refused_offset_ms: Some(i64::MIN),
        };
        assert!(c.server_ms(i64::MIN).is_err());
    }
}
