//! Challenge and badge lists as the app shows them at an instant.

use chrono::Duration;

use super::{Time, WalletView};
use crate::badges::Badge;
use crate::challenges::{BadgeView, ChallengeStatus, ChallengeView, Repeat, sort_for_display};
use crate::goals::{Goal, Metric};
use crate::kernel::error::Result;
use crate::kernel::time::{month_key, week_key};
use crate::program::Program;

/// Weeks fetched to measure a streak that must reach `cap` (the goal's top
/// threshold): a longer streak is reported as `cap`, which every threshold
/// comparison and the capped display agree with.
pub(super) fn streak_fetch(cap: i64) -> usize {
    usize::try_from(cap.clamp(1, 5_200)).unwrap_or(1) + 1
}

/// Length of the run of consecutive weeks in `keys` (newest first) ending at `now` or `now - 1`.
pub(super) fn streak_from_keys(keys: &[i64], now: i64) -> i64 {
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

struct Ctx<'a> {
    program: &'a Program,
    view: &'a dyn WalletView,
    at: Time,
    tier: Option<Option<usize>>,
}

impl Ctx<'_> {
    fn tier_index(&mut self) -> Result<Option<usize>> {
        if let Some(t) = self.tier {
            return Ok(t);
        }
        let t = match &self.program.tiers {
            None => None,
            Some(tiers) => {
                let from = tiers.window_days.map(|d| self.at - Duration::days(d));
                let spend = self.view.qualifying_spend(from, self.at)?;
                self.program.tier_for(spend).map(|(i, _)| i)
            }
        };
        self.tier = Some(t);
        Ok(t)
    }

    fn value(&mut self, key: &str, goal: &Goal, counter: i64, cap: i64) -> Result<i64> {
        Ok(match goal.metric {
            Metric::WeekStreak => {
                let now = week_key(self.at, self.program.utc_offset);
                streak_from_keys(
                    &self.view.goal_period_keys(key, now, streak_fetch(cap))?,
                    now,
                )
            }
            Metric::Tier => i64::from(self.tier_index()?.is_some_and(|i| Some(i) >= goal.tier)),
            _ => counter,
        })
    }
}

/// Challenges (active, closest to completion first) and badges at `at`.
pub fn goal_views(
    program: &Program,
    view: &dyn WalletView,
    at: Time,
) -> Result<(Vec<ChallengeView>, Vec<BadgeView>)> {
    let state = view.goal_state()?;
    let mut ctx = Ctx {
        program,
        view,
        at,
        tier: None,
    };
    let mut challenges = Vec::with_capacity(program.challenges.len());
    for c in &program.challenges {
        let s = state.challenges.get(&c.id).cloned().unwrap_or_default();
        let status = if c.starts_at.is_some_and(|st| at < st) {
            ChallengeStatus::Upcoming
        } else if c.ended(at) {
            if s.completions > 0 {
                ChallengeStatus::Completed
            } else {
                ChallengeStatus::Expired
            }
        } else if c.opt_in && !s.joined {
            ChallengeStatus::Available
        } else if c.repeat == Repeat::None && s.completions > 0 {
            ChallengeStatus::Completed
        } else {
            ChallengeStatus::Active
        };
        let period = match c.repeat {
            Repeat::Weekly => Some(week_key(at, program.utc_offset)),
            Repeat::Monthly => Some(month_key(at, program.utc_offset)),
            _ => None,
        };
        let counter = if s.period == period { s.progress } else { 0 };
        let mut value = ctx.value(&format!("c:{}", c.id), &c.goal, counter, c.target())?;
        if c.repeat != Repeat::OnComplete {
            value = value.min(c.target());
        }
        challenges.push(ChallengeView {
            id: c.id.clone(),
            title: c.title.clone(),
            status,
            progress: c.goal.display(value),
            target: c.goal.display(c.target()),
            completions: s.completions,
            seconds_left: c
                .ends_at
                .filter(|e| *e > at)
                .map(|e| (e - at).num_seconds()),
            reward: c.reward.as_ref().map(|r| r.describe(&program.currency)),
            metric: c.goal.metric,
        });
    }
    sort_for_display(&mut challenges);
    let mut badges = Vec::with_capacity(program.badges.len());
    for b in &program.badges {
        let s = state.badges.get(&b.id).cloned().unwrap_or_default();
        let counter = match b.goal.metric {
            Metric::Referrals => state.referrals,
            Metric::ChallengesCompleted => state.completions_total,
            _ => s.progress,
        };
        let top = b.levels.last().copied().unwrap_or(1);
        let value = ctx.value(&format!("b:{}", b.id), &b.goal, counter, top)?;
        badges.push(badge_view(b, s.level, s.earned_at_ms, value));
    }
    Ok((challenges, badges))
}

fn badge_view(b: &Badge, level: u32, earned_at_ms: Option<i64>, value: i64) -> BadgeView {
    BadgeView {
        id: b.id.clone(),
        title: b.title.clone(),
        level,
        levels: b.levels.len() as u32,
        earned_at: earned_at_ms.and_then(chrono::DateTime::from_timestamp_millis),
        progress: b.goal.display(value),
        next_threshold: b.levels.get(level as usize).map(|t| b.goal.display(*t)),
    }
}
