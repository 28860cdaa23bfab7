//! The pure computations of a board: where its period starts, ranks with
//! shared ties (1-2-2-4), and how much more a member needs to pass the
//! next rank up. The dev server feeds these from indexed queries; the
//! reference [`standing_of`] computes a whole board from every entry.

use chrono::{Datelike, Duration, NaiveDate};

use super::model::BoardPeriod;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::{Time, Zone};
use crate::sync::wire::{BoardMe, BoardRow};

/// The instant the period holding `at` started, in the program's local
/// time (weeks start on Monday 00:00; `all_time` starts at the Unix epoch).
pub fn period_start(period: BoardPeriod, zone: Zone, at: Time) -> Time {
    let date = zone.local(at).date();
    let first: Option<NaiveDate> = match period {
        BoardPeriod::AllTime => return Time::UNIX_EPOCH,
        BoardPeriod::Week => date.checked_sub_signed(Duration::days(i64::from(
            date.weekday().num_days_from_monday(),
        ))),
        BoardPeriod::Month => date.with_day(1),
    };
    // Out of chrono's range only near year ±262143: the instant itself.
    first
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|midnight| zone.instant(midnight))
        .unwrap_or(at)
}

/// Ranks rows given best first (value descending, earlier achiever first):
/// equal values share the rank of the first of them (1, 2, 2, 4).
pub fn ranked(rows: Vec<(String, i64)>) -> Vec<BoardRow> {
    let mut out: Vec<BoardRow> = Vec::with_capacity(rows.len());
    for (i, (name, value)) in rows.into_iter().enumerate() {
        let position = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1);
        let rank = match out.last() {
            Some(prev) if prev.value == value => prev.rank,
            _ => position,
        };
        out.push(BoardRow { rank, name, value });
    }
    out
}

/// A member's standing: `above` participants have a higher value, the
/// lowest of those is `next_above`. The gap is what it takes to pass it
/// (`next_above − value + 1`); none at rank 1.
pub fn my_standing(value: i64, above: u32, next_above: Option<i64>) -> Result<BoardMe> {
    let rank = above.checked_add(1).ok_or(LoyaltyError::Overflow {
        what: "a board rank",
    })?;
    let to_pass_next = next_above
        .map(|next| {
            next.checked_sub(value)
                .and_then(|d| d.checked_add(1))
                .ok_or(LoyaltyError::Overflow {
                    what: "a board gap",
                })
        })
        .transpose()?;
    Ok(BoardMe {
        rank,
        value,
        to_pass_next,
    })
}

/// One participant's figure, for [`standing_of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who (never sent to another phone).
    pub member: String,
    /// Their display name.
    pub name: String,
    /// Their value in the period.
    pub value: i64,
    /// When they reached it (Unix ms); earlier is listed first among equals.
    pub achieved_at: i64,
}

/// The reference computation of a whole board: the top `top` rows with a
/// value above zero, and `me`'s standing when `me` is a participant.
pub fn standing_of(
    entries: &[Entry],
    top: u32,
    me: Option<&str>,
) -> Result<(Vec<BoardRow>, Option<BoardMe>)> {
    let mut sorted: Vec<&Entry> = entries.iter().filter(|e| e.value > 0).collect();
    sorted.sort_by(|a, b| {
        b.value
            .cmp(&a.value)
            .then(a.achieved_at.cmp(&b.achieved_at))
            .then(a.name.cmp(&b.name))
    });
    let rows = ranked(
        sorted
            .iter()
            .take(usize::try_from(top).unwrap_or(usize::MAX))
            .map(|e| (e.name.clone(), e.value))
            .collect(),
    );
    let mine = match me.and_then(|m| entries.iter().find(|e| e.member == m)) {
        None => None,
        Some(e) => {
            let higher: Vec<i64> = entries
                .iter()
                .filter(|o| o.value > e.value)
                .map(|o| o.value)
                .collect();
            let above = u32::try_from(higher.len()).map_err(|_| LoyaltyError::Overflow {
                what: "a board rank",
            })?;
            Some(my_standing(e.value, above, higher.iter().min().copied())?)
        }
    };
    Ok((rows, mine))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32, h: u32) -> Time {
        chrono::Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn entry(member: &str, value: i64, achieved_at: i64) -> Entry {
        Entry {
            member: member.into(),
            name: format!("N{member}"),
            value,
            achieved_at,
        }
    }

    #[test]
    fn periods_start_on_local_monday_and_the_first() {
        let moscow = Zone::Fixed(chrono::FixedOffset::east_opt(3 * 3600).unwrap());
        // Sunday 2026-11-29 22:00 UTC is Monday 01:00 in Moscow.
        let at = t(2026, 11, 29, 22);
        assert_eq!(
            period_start(BoardPeriod::Week, moscow, at),
            t(2026, 11, 29, 21)
        );
        assert_eq!(
            period_start(BoardPeriod::Week, Zone::default(), at),
            t(2026, 11, 23, 0)
        );
        assert_eq!(
            period_start(BoardPeriod::Month, moscow, t(2026, 11, 30, 21)),
            t(2026, 11, 30, 21)
        );
        assert_eq!(
            period_start(BoardPeriod::Month, moscow, t(2026, 11, 30, 20)),
            t(2026, 10, 31, 21)
        );
        assert_eq!(
            period_start(BoardPeriod::AllTime, moscow, at),
            Time::UNIX_EPOCH
        );
        // A named zone: the clocks went back on Sunday 25 October, so that
        // week's Monday midnight is at +01:00, the one before at +02:00.
        let berlin = Zone::named("Europe/Berlin").unwrap();
        assert_eq!(
            period_start(BoardPeriod::Week, berlin, t(2026, 10, 28, 12)),
            t(2026, 10, 25, 23)
        );
        assert_eq!(
            period_start(BoardPeriod::Week, berlin, t(2026, 10, 25, 12)),
            t(2026, 10, 18, 22)
        );
    }

    #[test]
    fn ties_share_a_rank_and_earlier_achievers_come_first() {
        let entries = [
            entry("a", 100, 5),
            entry("b", 300, 9),
            entry("c", 100, 2),
            entry("d", 50, 1),
            entry("e", 0, 0),
        ];
        let (rows, me) = standing_of(&entries, 10, Some("a")).unwrap();
        let got: Vec<(u32, &str, i64)> = rows
            .iter()
            .map(|r| (r.rank, r.name.as_str(), r.value))
            .collect();
        assert_eq!(
            got,
            [
                (1, "Nb", 300),
                (2, "Nc", 100),
                (2, "Na", 100),
                (4, "Nd", 50)
            ]
        );
        assert_eq!(
            me,
            Some(BoardMe {
                rank: 2,
                value: 100,
                to_pass_next: Some(201)
            })
        );
        // The leader has nobody to pass; a zero is ranked after every value.
        let (_, me) = standing_of(&entries, 10, Some("b")).unwrap();
        assert_eq!(
            me,
            Some(BoardMe {
                rank: 1,
                value: 300,
                to_pass_next: None
            })
        );
        let (_, me) = standing_of(&entries, 10, Some("e")).unwrap();
        assert_eq!(
            me,
            Some(BoardMe {
                rank: 5,
                value: 0,
                to_pass_next: Some(51)
            })
        );
        // `top` cuts the list, not the ranks; a stranger has no standing.
        let (rows, me) = standing_of(&entries, 2, Some("zz")).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(me, None);
        assert_eq!(standing_of(&[], 5, Some("a")).unwrap(), (vec![], None));
    }

    #[test]
    fn gaps_are_checked_arithmetic() {
        assert_eq!(my_standing(5, 3, Some(9)).unwrap().to_pass_next, Some(5));
        assert_eq!(
            my_standing(i64::MIN, 1, Some(i64::MAX)).unwrap_err().code(),
            "overflow"
        );
        assert_eq!(
            my_standing(0, u32::MAX, None).unwrap_err().code(),
            "overflow"
        );
        let rows = ranked(vec![("x".into(), 7), ("y".into(), 7), ("z".into(), 7)]);
        assert!(rows.iter().all(|r| r.rank == 1));
    }
}
