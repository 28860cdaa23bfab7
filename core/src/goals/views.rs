//! Challenge and badge lists as the app shows them at an instant.

use super::measure::{self, GoalReader};
use super::model::{Badge, ChallengeReward, Metric, Repeat};
use serde::Serialize;

use crate::kernel::coupon::CouponBenefit;
use crate::kernel::error::Result;
use crate::kernel::money::{format_minor, format_percent};
use crate::kernel::time::Time;
use crate::program::Program;
use crate::wallet::view::WalletView;

/// A reward's short description for the app ("300 points", "10% off
/// coupon, 14 days", "15% off coupon (clothing, from 1000.00 RUB), 30 days").
pub fn describe_reward(reward: &ChallengeReward, currency: &str) -> String {
    {
        match reward {
            ChallengeReward::Points(p) => format!("{p} points"),
            ChallengeReward::Coupon(c) => {
                let what = match c.benefit {
                    CouponBenefit::Percent(p) => format!("{}% off coupon", format_percent(p)),
                    CouponBenefit::AmountOff(a) => {
                        format!("{} {currency} off coupon", format_minor(a))
                    }
                };
                let mut scope = Vec::new();
                if c.scope.one_item {
                    scope.push("one item".to_string());
                }
                if let Some(cat) = &c.scope.category {
                    scope.push(cat.clone());
                }
                if !c.scope.skus.is_empty() {
                    scope.push(c.scope.skus.join(", "));
                }
                if let Some(m) = c.scope.min_spend {
                    scope.push(format!("from {} {currency}", format_minor(m)));
                }
                if scope.is_empty() {
                    format!("{what}, {} days", c.valid_days)
                } else {
                    format!("{what} ({}), {} days", scope.join(", "), c.valid_days)
                }
            }
            ChallengeReward::Badge(b) => format!("badge {b}"),
        }
    }
}

/// Status of a challenge at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeStatus {
    /// In progress.
    Active,
    /// Opt-in, not joined yet.
    Available,
    /// Not started yet.
    Upcoming,
    /// Done (non-repeating), or ended after at least one completion.
    Completed,
    /// Ended without a completion.
    Expired,
}

impl ChallengeStatus {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Available => "available",
            Self::Upcoming => "upcoming",
            Self::Completed => "completed",
            Self::Expired => "expired",
        }
    }
}

/// A challenge as the app lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Status now.
    pub status: ChallengeStatus,
    /// Progress (whole currency units for spend).
    pub progress: i64,
    /// Target (whole currency units for spend).
    pub target: i64,
    /// Completions so far.
    pub completions: i64,
    /// Seconds until the window ends, if it has an end and has not ended.
    pub seconds_left: Option<i64>,
    /// Reward description (English, for logs and the CLI).
    pub reward: Option<String>,
    /// The reward itself, for apps to word in their own language.
    pub reward_detail: Option<ChallengeReward>,
    /// The metric.
    pub metric: Metric,
}

/// A badge as the app lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadgeView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Earned level (0 = not yet).
    pub level: u32,
    /// Number of levels.
    pub levels: u32,
    /// When the current level was earned.
    pub earned_at: Option<Time>,
    /// Current value of the goal (whole currency units for spend).
    pub progress: i64,
    /// Value needed for the next level, if any (same units).
    pub next_threshold: Option<i64>,
}

/// Sorts challenge views for display: active first, closest to completion first.
pub fn sort_for_display(views: &mut [ChallengeView]) {
    views.sort_by(|a, b| {
        a.status.cmp(&b.status).then_with(|| {
            // Remaining share (target - progress) / target, compared exactly.
            let ra = i128::from((a.target - a.progress).max(0)) * i128::from(b.target.max(1));
            let rb = i128::from((b.target - b.progress).max(0)) * i128::from(a.target.max(1));
            ra.cmp(&rb).then_with(|| a.id.cmp(&b.id))
        })
    });
}

/// The stored goal state measured for a screen: week rows as stored, the
/// member's tier from the qualifying spend now (read once).
struct Stored<'a> {
    program: &'a Program,
    view: &'a dyn WalletView,
    at: Time,
    tier: Option<Option<usize>>,
}

impl GoalReader for Stored<'_> {
    fn period_keys(&mut self, goal_key: &str, max_key: i64, limit: usize) -> Result<Vec<i64>> {
        self.view.goal_period_keys(goal_key, max_key, limit)
    }

    fn tier_index(&mut self) -> Result<Option<usize>> {
        if let Some(t) = self.tier {
            return Ok(t);
        }
        let t = match &self.program.tiers {
            None => None,
            Some(tiers) => {
                let spend = self
                    .view
                    .qualifying_spend(tiers.window_start(self.at), self.at)?;
                self.program.tier_for(spend).map(|(i, _)| i)
            }
        };
        self.tier = Some(t);
        Ok(t)
    }
}

/// Challenges (active, closest to completion first) and badges at `at`.
pub fn goal_views(
    program: &Program,
    view: &dyn WalletView,
    at: Time,
) -> Result<(Vec<ChallengeView>, Vec<BadgeView>)> {
    let state = view.goal_state()?;
    let offset = program.zone;
    let mut reader = Stored {
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
        let counter = measure::challenge_counter(&s, measure::period_of(c, at, offset));
        let key = c.store_key.as_str();
        let mut value = measure::value(&mut reader, at, offset, key, &c.goal, counter, c.target())?;
        if c.repeat != Repeat::OnComplete {
            value = value.min(c.target());
        }
        challenges.push(ChallengeView {
            id: c.id.clone(),
            title: c.title.clone(),
            status,
            progress: measure::display(&c.goal, value),
            target: measure::display(&c.goal, c.target()),
            completions: s.completions,
            seconds_left: c
                .ends_at
                .filter(|e| *e > at)
                .map(|e| (e - at).num_seconds()),
            reward: c
                .reward
                .as_ref()
                .map(|r| describe_reward(r, &program.currency)),
            reward_detail: c.reward.clone(),
            metric: c.goal.metric,
        });
    }
    sort_for_display(&mut challenges);
    let mut badges = Vec::with_capacity(program.badges.len());
    for b in &program.badges {
        let s = state.badges.get(&b.id).cloned().unwrap_or_default();
        let counter = measure::badge_counter(b, &state, &s);
        let key = b.store_key.as_str();
        let value = measure::value(
            &mut reader,
            at,
            offset,
            key,
            &b.goal,
            counter,
            measure::badge_cap(b),
        )?;
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
        progress: measure::display(&b.goal, value),
        next_threshold: b
            .levels
            .get(level as usize)
            .map(|t| measure::display(&b.goal, *t)),
    }
}
