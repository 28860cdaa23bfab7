//! The goal language shared by challenges and badges: a metric, an optional
//! category/sku filter, and a target; and what one receipt contributes to it.
//!
//! A receipt's contribution is a pure function of the receipt as it stands
//! (returns included), so a return changes a goal by exactly the difference
//! between the receipt's contribution before and after it.

use serde::Deserialize;

use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::money::parse_hundredths;
use crate::wallet::Receipt;

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

/// A goal as written in rules JSON.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGoal {
    metric: Metric,
    #[serde(default)]
    target: Option<serde_json::Value>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    min_amount: Option<String>,
    #[serde(default)]
    tier: Option<String>,
}

/// Parses a count or money figure for `metric` from a JSON number or decimal string.
pub(crate) fn parse_figure(field: &str, metric: Metric, value: &serde_json::Value) -> Result<i64> {
    let bad = |reason: String| LoyaltyError::rules(field, reason);
    let v = match (metric, value) {
        (Metric::Spend, serde_json::Value::String(s)) => parse_hundredths(s).map_err(bad)?,
        (Metric::Spend, serde_json::Value::Number(n)) => {
            n.as_i64().and_then(|v| v.checked_mul(100)).ok_or_else(|| {
                bad(format!(
                    "{n} is not a whole amount; write a decimal string like \"1500.00\""
                ))
            })?
        }
        (_, serde_json::Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| bad(format!("{n} is not a whole number")))?,
        (_, other) => return Err(bad(format!("{other} is not a whole number"))),
    };
    if v <= 0 {
        return Err(bad(format!("{value} must be above 0")));
    }
    Ok(v)
}

impl RawGoal {
    /// Validates against the program's tier ids.
    pub(crate) fn validate(&self, field: &str, tier_ids: &[String]) -> Result<Goal> {
        let f = |name: &str| format!("{field}.{name}");
        let filterable = matches!(
            self.metric,
            Metric::Purchases
                | Metric::Spend
                | Metric::Items
                | Metric::DistinctDays
                | Metric::WeekStreak
        );
        if !filterable && (self.category.is_some() || self.sku.is_some()) {
            return Err(LoyaltyError::rules(
                field,
                format!(
                    "metric {} takes no category or sku filter",
                    self.metric.as_str()
                ),
            ));
        }
        if self.category.is_some() && self.sku.is_some() {
            return Err(LoyaltyError::rules(field, "give category or sku, not both"));
        }
        let min_amount = match (&self.min_amount, self.metric) {
            (None, _) => None,
            (Some(m), Metric::Purchases) => {
                Some(parse_hundredths(m).map_err(|r| LoyaltyError::rules(f("min_amount"), r))?)
            }
            (Some(_), _) => {
                return Err(LoyaltyError::rules(
                    f("min_amount"),
                    "only the purchases metric takes min_amount",
                ));
            }
        };
        let tier = match (self.metric, &self.tier) {
            (Metric::Tier, Some(t)) => {
                Some(tier_ids.iter().position(|id| id == t).ok_or_else(|| {
                    LoyaltyError::rules(f("tier"), format!("unknown tier \"{t}\""))
                })?)
            }
            (Metric::Tier, None) => {
                return Err(LoyaltyError::rules(
                    f("tier"),
                    "the tier metric needs a tier id",
                ));
            }
            (_, Some(_)) => {
                return Err(LoyaltyError::rules(
                    f("tier"),
                    "only the tier metric takes a tier",
                ));
            }
            (_, None) => None,
        };
        let target = match (self.metric, &self.target) {
            (Metric::Tier, None) => Some(1),
            (Metric::Tier, Some(_)) => {
                return Err(LoyaltyError::rules(
                    f("target"),
                    "the tier metric has no target",
                ));
            }
            (m, Some(v)) => Some(parse_figure(&f("target"), m, v)?),
            (_, None) => None,
        };
        Ok(Goal {
            metric: self.metric,
            target,
            category: self.category.clone(),
            sku: self.sku.clone(),
            min_amount,
            tier,
        })
    }
}

impl Goal {
    fn has_filter(&self) -> bool {
        self.category.is_some() || self.sku.is_some()
    }

    fn line_matches(&self, sku: &str, category: Option<&str>) -> bool {
        match (&self.sku, &self.category) {
            (Some(s), _) => s == sku,
            (_, Some(c)) => category == Some(c.as_str()),
            _ => true,
        }
    }

    /// Whether the receipt counts: it reaches `min_amount` and still has a
    /// matching line that is not returned in full.
    fn receipt_matches(&self, r: &Receipt) -> bool {
        let kept_line = r
            .lines
            .iter()
            .any(|l| l.returned_qty < l.qty && self.line_matches(&l.sku, l.category.as_deref()));
        kept_line && self.min_amount.is_none_or(|m| r.contribution >= m)
    }

    /// What the receipt, as it stands, contributes to a counter goal (or 0/1 to a period goal).
    pub fn receipt_value(&self, r: &Receipt) -> i64 {
        match self.metric {
            Metric::Purchases | Metric::DistinctDays | Metric::WeekStreak => {
                i64::from(self.receipt_matches(r))
            }
            Metric::Spend if !self.has_filter() => {
                r.contribution.saturating_sub(r.returned.contribution)
            }
            Metric::Spend => r
                .lines
                .iter()
                .filter(|l| self.line_matches(&l.sku, l.category.as_deref()))
                .map(|l| {
                    let returned = (i128::from(l.amount) * i128::from(l.returned_qty)
                        / i128::from(l.qty.max(1))) as i64;
                    l.amount.saturating_sub(returned)
                })
                .fold(0i64, i64::saturating_add),
            Metric::Items => r
                .lines
                .iter()
                .filter(|l| self.line_matches(&l.sku, l.category.as_deref()))
                .map(|l| l.qty.saturating_sub(l.returned_qty))
                .fold(0i64, i64::saturating_add),
            Metric::ChallengesCompleted | Metric::Referrals | Metric::Tier => 0,
        }
    }

    /// Progress as shown: spend in whole currency units (floored), the rest as counted.
    pub fn display(&self, value: i64) -> i64 {
        if self.metric == Metric::Spend {
            value.div_euclid(100)
        } else {
            value
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::time::{Time, day_key, month_key, week_key};
    use chrono::DateTime;
    use chrono::FixedOffset;

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn weeks_start_on_local_monday() {
        let msk = FixedOffset::east_opt(3 * 3600).unwrap();
        // Sunday 2026-03-01 23:00 local vs Monday 2026-03-02 00:00 local (21:00Z).
        let sunday = t("2026-03-01T20:00:00Z");
        let monday = t("2026-03-01T21:00:00Z");
        assert_eq!(week_key(monday, msk), week_key(sunday, msk) + 1);
        assert_eq!(day_key(monday, msk), day_key(sunday, msk) + 1);
        assert_eq!(
            week_key(t("2026-03-08T20:59:59Z"), msk),
            week_key(monday, msk)
        );
        assert_eq!(
            month_key(t("2026-03-31T21:00:00Z"), msk),
            month_key(t("2026-03-15T00:00:00Z"), msk) + 1
        );
    }

    #[test]
    fn goals_are_validated() {
        let tiers = vec!["bronze".to_string(), "gold".to_string()];
        let parse = |json: &str| {
            serde_json::from_str::<RawGoal>(json)
                .unwrap()
                .validate("g", &tiers)
        };
        assert_eq!(
            parse(r#"{"metric":"spend","target":"1500.50"}"#)
                .unwrap()
                .target,
            Some(150_050)
        );
        assert_eq!(
            parse(r#"{"metric":"tier","tier":"gold"}"#).unwrap().tier,
            Some(1)
        );
        for bad in [
            r#"{"metric":"items","target":0}"#,
            r#"{"metric":"items","target":-3}"#,
            r#"{"metric":"items","target":"3"}"#,
            r#"{"metric":"tier","tier":"platinum"}"#,
            r#"{"metric":"tier"}"#,
            r#"{"metric":"referrals","category":"x","target":1}"#,
            r#"{"metric":"items","min_amount":"5","target":1}"#,
            r#"{"metric":"spend","target":"1.001"}"#,
        ] {
            assert_eq!(parse(bad).unwrap_err().code(), "invalid_rules", "{bad}");
        }
        assert!(serde_json::from_str::<RawGoal>(r#"{"metric":"steps","target":1}"#).is_err());
    }
}
