//! Challenges: time-boxed goals with rewards ("buy 3 sport items in March:
//! 300 points"), optional opt-in, repeats, and clawback on returns.
//!
//! This module owns the definitions (from program rules), the per-challenge
//! state kept in the store, and the views the app lists. The evaluation on
//! each event lives in the wallet engine (`wallet::progress`).

use std::collections::BTreeMap;

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use crate::goals::{Goal, Metric, RawGoal};
use crate::kernel::coupon::{CouponBenefit, CouponSpec, RawCoupon};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::money::{format_minor, format_percent};
use crate::wallet::Time;

/// How a challenge repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Completes once.
    #[default]
    None,
    /// Completes every time the target is reached again; overflow carries over.
    OnComplete,
    /// Progress resets each local ISO week; at most one completion per week.
    Weekly,
    /// Progress resets each local calendar month; at most one completion per month.
    Monthly,
}

/// What completing a challenge gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeReward {
    /// Points, as a lot with the program's normal expiry.
    Points(i64),
    /// A coupon with id `"<challenge id>#<n>"`.
    Coupon(CouponSpec),
    /// A badge.
    Badge(String),
}

impl ChallengeReward {
    /// A short description for the app ("300 points", "10% off coupon, 14 days").
    pub fn describe(&self, currency: &str) -> String {
        match self {
            ChallengeReward::Points(p) => format!("{p} points"),
            ChallengeReward::Coupon(c) => match c.benefit {
                CouponBenefit::Percent(p) => {
                    format!("{}% off coupon, {} days", format_percent(p), c.valid_days)
                }
                CouponBenefit::AmountOff(a) => format!(
                    "{} {currency} off coupon, {} days",
                    format_minor(a),
                    c.valid_days
                ),
            },
            ChallengeReward::Badge(b) => format!("badge {b}"),
        }
    }
}

/// A validated challenge definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Id.
    pub id: String,
    /// Title for the app.
    pub title: String,
    /// First instant purchases count.
    pub starts_at: Option<Time>,
    /// First instant purchases no longer count.
    pub ends_at: Option<Time>,
    /// The goal (its target is set).
    pub goal: Goal,
    /// The reward, if any.
    pub reward: Option<ChallengeReward>,
    /// Whether the member must join first.
    pub opt_in: bool,
    /// Repetition.
    pub repeat: Repeat,
}

impl Challenge {
    /// The goal's target (always set for challenges).
    pub fn target(&self) -> i64 {
        self.goal.target.unwrap_or(1)
    }

    /// Whether `t` lies in the window starts_at ≤ t < ends_at.
    pub fn in_window(&self, t: Time) -> bool {
        self.starts_at.is_none_or(|s| s <= t) && self.ends_at.is_none_or(|e| t < e)
    }

    /// Whether the window has ended at `t`.
    pub fn ended(&self, t: Time) -> bool {
        self.ends_at.is_some_and(|e| t >= e)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChallenge {
    id: String,
    title: String,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    goal: RawGoal,
    #[serde(default)]
    reward: Option<RawReward>,
    #[serde(default)]
    opt_in: bool,
    #[serde(default)]
    repeat: Repeat,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReward {
    #[serde(default)]
    points: Option<i64>,
    #[serde(default)]
    coupon: Option<RawCoupon>,
    #[serde(default)]
    badge: Option<String>,
}

fn instant(field: &str, text: &Option<String>) -> Result<Option<Time>> {
    text.as_ref()
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.to_utc())
                .map_err(|e| LoyaltyError::rules(field, format!("\"{s}\" is not RFC 3339: {e}")))
        })
        .transpose()
}

impl RawChallenge {
    pub(crate) fn validate(
        &self,
        field: &str,
        tier_ids: &[String],
        badge_ids: &[String],
    ) -> Result<Challenge> {
        let f = |name: &str| format!("{field}.{name}");
        crate::program::check_rule_id(&f("id"), &self.id)?;
        let starts_at = instant(&f("starts_at"), &self.starts_at)?;
        let ends_at = instant(&f("ends_at"), &self.ends_at)?;
        if let (Some(s), Some(e)) = (starts_at, ends_at)
            && e <= s
        {
            return Err(LoyaltyError::rules(f("ends_at"), "must be after starts_at"));
        }
        let goal = self.goal.validate(&f("goal"), tier_ids)?;
        if goal.target.is_none() {
            return Err(LoyaltyError::rules(
                f("goal.target"),
                "a challenge needs a target",
            ));
        }
        let reward = match &self.reward {
            None => None,
            Some(r) => Some(match (r.points, &r.coupon, &r.badge) {
                (Some(p), None, None) if p > 0 => ChallengeReward::Points(p),
                (Some(p), None, None) => {
                    return Err(LoyaltyError::rules(
                        f("reward.points"),
                        format!("{p} must be above 0"),
                    ));
                }
                (None, Some(c), None) => ChallengeReward::Coupon(c.validate(&f("reward.coupon"))?),
                (None, None, Some(b)) if badge_ids.contains(b) => ChallengeReward::Badge(b.clone()),
                (None, None, Some(b)) => {
                    return Err(LoyaltyError::rules(
                        f("reward.badge"),
                        format!("unknown badge \"{b}\""),
                    ));
                }
                _ => {
                    return Err(LoyaltyError::rules(
                        f("reward"),
                        "give exactly one of points, coupon or badge",
                    ));
                }
            }),
        };
        Ok(Challenge {
            id: self.id.clone(),
            title: self.title.clone(),
            starts_at,
            ends_at,
            goal,
            reward,
            opt_in: self.opt_in,
            repeat: self.repeat,
        })
    }
}

/// A reward given for a (non-repeating) completion, kept for clawback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenReward {
    /// Points credited.
    pub points: i64,
    /// Coupon issued.
    pub coupon_id: Option<String>,
}

/// Stored state of one challenge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeState {
    /// Joined (opt-in challenges).
    #[serde(default)]
    pub joined: bool,
    /// Counter (or distinct days) in the current period.
    #[serde(default)]
    pub progress: i64,
    /// Current period key (weekly/monthly).
    #[serde(default)]
    pub period: Option<i64>,
    /// Period of the last completion (weekly/monthly).
    #[serde(default)]
    pub completed_period: Option<i64>,
    /// Completions (repeats included, minus clawbacks).
    #[serde(default)]
    pub completions: i64,
    /// Coupons this challenge ever issued (ids are never reused).
    #[serde(default)]
    pub coupons_issued: i64,
    /// Reward of the standing completion (non-repeating), for clawback.
    #[serde(default)]
    pub reward: Option<GivenReward>,
}

/// Stored state of one badge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeState {
    /// Counter (or distinct days) of the badge's goal.
    #[serde(default)]
    pub progress: i64,
    /// Earned level (0 = not earned).
    #[serde(default)]
    pub level: u32,
    /// When the current level was earned (epoch ms).
    #[serde(default)]
    pub earned_at_ms: Option<i64>,
}

/// All challenge and badge state of a wallet: one small record, read and
/// written once per event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalState {
    /// Per challenge id.
    #[serde(default)]
    pub challenges: BTreeMap<String, ChallengeState>,
    /// Per badge id.
    #[serde(default)]
    pub badges: BTreeMap<String, BadgeState>,
    /// Completions of all challenges, minus clawbacks.
    #[serde(default)]
    pub completions_total: i64,
    /// Referral bonuses received.
    #[serde(default)]
    pub referrals: i64,
}

/// Where a purchase counted, kept on the receipt so a return removes only that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedIn {
    /// Challenge id.
    pub challenge: String,
    /// Period key at purchase time (weekly/monthly challenges).
    #[serde(default)]
    pub period: Option<i64>,
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
    /// Reward description.
    pub reward: Option<String>,
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
