//! What challenges and badges are: the goal language (a metric, an optional
//! category/sku filter, a target), the definitions from the program rules,
//! and the small state record a wallet keeps for them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::kernel::coupon::CouponSpec;
use crate::kernel::time::Time;

/// What a goal measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Receipts (optionally of at least `min_amount`); a receipt returned in full no longer counts.
    Purchases,
    /// Money: the qualifying contribution, or matching lines' amounts with a filter; minus returns.
    Spend,
    /// Quantity of matching lines, minus returned quantity.
    Items,
    /// Local calendar days with a purchase not returned in full.
    DistinctDays,
    /// Consecutive local ISO weeks with a purchase, ending this week or last week.
    WeekStreak,
    /// Challenge completions (repeats included) minus clawbacks. A challenge on this
    /// metric counts completions of challenges on other metrics only (no goal feeds
    /// itself); a badge counts all completions.
    ChallengesCompleted,
    /// Referral bonuses received.
    Referrals,
    /// Reaching a named tier (0/1).
    Tier,
}

impl Metric {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Purchases => "purchases",
            Metric::Spend => "spend",
            Metric::Items => "items",
            Metric::DistinctDays => "distinct_days",
            Metric::WeekStreak => "week_streak",
            Metric::ChallengesCompleted => "challenges_completed",
            Metric::Referrals => "referrals",
            Metric::Tier => "tier",
        }
    }

    /// Whether the goal's value is a stored counter that completions can consume
    /// (everything but the derived week streak and tier).
    pub fn is_counter(self) -> bool {
        !matches!(self, Metric::WeekStreak | Metric::Tier)
    }

    /// Whether the goal counts per-period keys (days or weeks) rather than a plain counter.
    pub fn uses_periods(self) -> bool {
        matches!(self, Metric::DistinctDays | Metric::WeekStreak)
    }
}

/// A validated goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    /// The metric.
    pub metric: Metric,
    /// Target (minor units for spend, 1 for tier); `None` when levels give it.
    pub target: Option<i64>,
    /// Only lines of this category.
    pub category: Option<String>,
    /// Only lines of this sku.
    pub sku: Option<String>,
    /// Purchases only: receipts whose E + X − D1 − D2 reaches this (minor units).
    pub min_amount: Option<i64>,
    /// Tier only: the tier to reach, as an index into the program's levels.
    pub tier: Option<usize>,
}

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

/// A validated challenge definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Id.
    pub id: String,
    /// The key of its period rows (`"c:" + id`), built once with the program
    /// (every event asks for it, for every goal).
    pub store_key: String,
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

/// A validated badge definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// Id.
    pub id: String,
    /// The key of its period rows (`"b:" + id`), built once with the program.
    pub store_key: String,
    /// Title.
    pub title: String,
    /// The goal.
    pub goal: Goal,
    /// Increasing thresholds; level n is earned at `levels[n - 1]`.
    pub levels: Vec<i64>,
}

impl Badge {
    /// The level a goal value earns.
    pub fn level_for(&self, value: i64) -> u32 {
        self.levels.iter().take_while(|t| **t <= value).count() as u32
    }
}

/// The key under which a challenge's period rows are stored.
pub fn challenge_key(id: &str) -> String {
    ["c:", id].concat()
}

/// The key under which a badge's period rows are stored.
pub fn badge_key(id: &str) -> String {
    ["b:", id].concat()
}

/// Whether a stored field is at its default, so the record leaves it out:
/// the goal record is written whole on every event, and a field left at its
/// default reads back as it (`#[serde(default)]`), so records written with
/// every field still read the same.
fn is_default<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// A reward given for a (non-repeating) completion, kept for clawback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenReward {
    /// Points credited.
    #[serde(default, skip_serializing_if = "is_default")]
    pub points: i64,
    /// Coupon issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_id: Option<String>,
}

/// Stored state of one challenge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeState {
    /// Joined (opt-in challenges).
    #[serde(default, skip_serializing_if = "is_default")]
    pub joined: bool,
    /// Counter (or distinct days) in the current period.
    #[serde(default, skip_serializing_if = "is_default")]
    pub progress: i64,
    /// Current period key (weekly/monthly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// Period of the last completion (weekly/monthly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_period: Option<i64>,
    /// Completions (repeats included, minus clawbacks).
    #[serde(default, skip_serializing_if = "is_default")]
    pub completions: i64,
    /// Coupons this challenge ever issued (ids are never reused).
    #[serde(default, skip_serializing_if = "is_default")]
    pub coupons_issued: i64,
    /// Reward of the standing completion (non-repeating), for clawback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<GivenReward>,
}

/// Stored state of one badge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeState {
    /// Counter (or distinct days) of the badge's goal.
    #[serde(default, skip_serializing_if = "is_default")]
    pub progress: i64,
    /// Earned level (0 = not earned).
    #[serde(default, skip_serializing_if = "is_default")]
    pub level: u32,
    /// When the current level was earned (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earned_at_ms: Option<i64>,
}

/// All challenge and badge state of a wallet: one small record, read and
/// written once per event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalState {
    /// Per challenge id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub challenges: BTreeMap<String, ChallengeState>,
    /// Per badge id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub badges: BTreeMap<String, BadgeState>,
    /// Referral bonuses received.
    #[serde(default, skip_serializing_if = "is_default")]
    pub referrals: i64,
}

/// Where a purchase counted, kept on the receipt so a return removes only that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedIn {
    /// Challenge id.
    pub challenge: String,
    /// Period key at purchase time (weekly/monthly challenges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
}

impl GoalState {
    /// Completions of all challenges (repeats included), minus clawbacks.
    pub fn completions_total(&self) -> i64 {
        self.challenges
            .values()
            .map(|s| s.completions)
            .fold(0, i64::saturating_add)
    }
}
