//! The one place a goal is measured: what a receipt contributes, which
//! period an instant falls in, a goal's current value (counter, week streak,
//! tier reached), a badge's counter, and progress as shown.
//!
//! A receipt's contribution is a pure function of the receipt as it stands
//! (returns included), so a return changes a goal by exactly the difference
//! between the receipt's contribution before and after it.

use super::model::{Badge, BadgeState, Challenge, ChallengeState, Goal, GoalState, Metric, Repeat};
use crate::kernel::error::Result;
use crate::kernel::time::{Time, Zone, day_key, month_key, week_key};
use crate::wallet::model::Receipt;

fn has_filter(goal: &Goal) -> bool {
    goal.category.is_some() || goal.sku.is_some()
}

fn line_matches(goal: &Goal, sku: &str, category: Option<&str>) -> bool {
    match (&goal.sku, &goal.category) {
        (Some(s), _) => s == sku,
        (_, Some(c)) => category == Some(c.as_str()),
        _ => true,
    }
}

/// Whether the receipt counts: it reaches `min_amount` and still has a
/// matching line that is not returned in full.
fn receipt_matches(goal: &Goal, r: &Receipt) -> bool {
    let kept_line = r
        .lines
        .iter()
        .any(|l| l.returned_qty < l.qty && line_matches(goal, &l.sku, l.category.as_deref()));
    kept_line && goal.min_amount.is_none_or(|m| r.contribution >= m)
}

/// What the receipt, as it stands, contributes to a counter goal (or 0/1 to a period goal).
pub fn receipt_value(goal: &Goal, r: &Receipt) -> i64 {
    match goal.metric {
        Metric::Purchases | Metric::DistinctDays | Metric::WeekStreak => {
            i64::from(receipt_matches(goal, r))
        }
        Metric::Spend if !has_filter(goal) => {
            r.contribution.saturating_sub(r.returned.contribution)
        }
        Metric::Spend => r
            .lines
            .iter()
            .filter(|l| line_matches(goal, &l.sku, l.category.as_deref()))
            .map(|l| {
                let returned = (i128::from(l.amount) * i128::from(l.returned_qty)
                    / i128::from(l.qty.max(1))) as i64;
                l.amount.saturating_sub(returned)
            })
            .fold(0i64, i64::saturating_add),
        Metric::Items => r
            .lines
            .iter()
            .filter(|l| line_matches(goal, &l.sku, l.category.as_deref()))
            .map(|l| l.qty.saturating_sub(l.returned_qty))
            .fold(0i64, i64::saturating_add),
        Metric::ChallengesCompleted | Metric::Referrals | Metric::Tier => 0,
    }
}

/// Progress as shown: spend in whole currency units (floored), the rest as counted.
pub fn display(goal: &Goal, value: i64) -> i64 {
    if goal.metric == Metric::Spend {
        value.div_euclid(100)
    } else {
        value
    }
}

/// The challenge period `t` falls in: the local week or month for weekly and
/// monthly challenges, `None` for the others.
pub fn period_of(c: &Challenge, t: Time, offset: Zone) -> Option<i64> {
    match c.repeat {
        Repeat::Weekly => Some(week_key(t, offset)),
        Repeat::Monthly => Some(month_key(t, offset)),
        Repeat::None | Repeat::OnComplete => None,
    }
}

/// The period row a purchase at `t` counts in, for a goal that counts
/// periods: its local day (distinct days) or week (week streak).
pub fn period_row(goal: &Goal, t: Time, offset: Zone) -> i64 {
    match goal.metric {
        Metric::DistinctDays => day_key(t, offset),
        _ => week_key(t, offset),
    }
}

/// A challenge's counter in `period`: what is stored when the stored period
/// is that one, else nothing yet.
pub fn challenge_counter(state: &ChallengeState, period: Option<i64>) -> i64 {
    if state.period == period {
        state.progress
    } else {
        0
    }
}

/// A badge's counter: referrals and completions are counted for the whole
/// wallet, every other metric on the badge's own record.
pub fn badge_counter(b: &Badge, goals: &GoalState, state: &BadgeState) -> i64 {
    match b.goal.metric {
        Metric::Referrals => goals.referrals,
        Metric::ChallengesCompleted => goals.completions_total(),
        _ => state.progress,
    }
}

/// The highest threshold a badge's value is measured up to.
pub fn badge_cap(b: &Badge) -> i64 {
    b.levels.last().copied().unwrap_or(1)
}

/// Weeks fetched to measure a streak that must reach `cap` (the goal's top
/// threshold): a longer streak is reported as `cap`, which every threshold
/// comparison and the capped display agree with.
pub fn streak_fetch(cap: i64) -> usize {
    usize::try_from(cap.clamp(1, 5_200)).unwrap_or(1) + 1
}

/// Length of the run of consecutive weeks in `keys` (newest first) ending at `now` or `now - 1`.
pub fn streak_from_keys(keys: &[i64], now: i64) -> i64 {
    let mut expect = match keys.first() {
        Some(k) if *k == now || *k == now - 1 => *k,
        _ => return 0,
    };
    let mut n = 0;
    for k in keys {
        if *k != expect {
            break;
        }
        n += 1;
        expect -= 1;
    }
    n
}

/// What measuring a goal needs to read: the stored week rows of a goal and
/// the member's tier. The engine reads them with the event's own changes
/// applied, the screens as stored.
pub trait GoalReader {
    /// Period keys of `goal_key` with a count above zero, newest first, at most `limit`, none above `max_key`.
    fn period_keys(&mut self, goal_key: &str, max_key: i64, limit: usize) -> Result<Vec<i64>>;
    /// The member's tier index (into the program's levels), if any.
    fn tier_index(&mut self) -> Result<Option<usize>>;
}

/// A goal's current value for completion and levels: the week streak ending
/// this week or last, 0/1 for a tier goal, the counter for the rest.
pub fn value(
    reader: &mut dyn GoalReader,
    at: Time,
    offset: Zone,
    goal_key: &str,
    goal: &Goal,
    counter: i64,
    cap: i64,
) -> Result<i64> {
    Ok(match goal.metric {
        Metric::WeekStreak => {
            let now = week_key(at, offset);
            streak_from_keys(&reader.period_keys(goal_key, now, streak_fetch(cap))?, now)
        }
        Metric::Tier => i64::from(reader.tier_index()?.is_some_and(|i| Some(i) >= goal.tier)),
        _ => counter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaks_count_consecutive_weeks_ending_now_or_last_week() {
        assert_eq!(streak_from_keys(&[10, 9, 8, 6], 10), 3);
        assert_eq!(streak_from_keys(&[9, 8], 10), 2);
        assert_eq!(streak_from_keys(&[8, 7], 10), 0);
        assert_eq!(streak_from_keys(&[], 10), 0);
        assert_eq!(streak_fetch(3), 4);
        assert_eq!(streak_fetch(i64::MAX), 5_201);
        assert_eq!(streak_fetch(-5), 2);
    }
}
