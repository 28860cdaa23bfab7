//! The goals sections of the program rules as written in JSON, and their
//! validation into [`super::model`] definitions.

use chrono::DateTime;
use serde::Deserialize;

use super::model::{Badge, Challenge, ChallengeReward, Goal, Metric, Repeat};
use crate::kernel::coupon::RawCoupon;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::check_rule_id;
use crate::kernel::money::parse_hundredths;
use crate::kernel::time::Time;

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
        check_rule_id(&f("id"), &self.id)?;
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
            store_key: super::model::challenge_key(&self.id),
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBadge {
    pub(crate) id: String,
    title: String,
    goal: RawGoal,
    #[serde(default)]
    levels: Option<Vec<serde_json::Value>>,
}

impl RawBadge {
    pub(crate) fn validate(&self, field: &str, tier_ids: &[String]) -> Result<Badge> {
        let f = |name: &str| format!("{field}.{name}");
        check_rule_id(&f("id"), &self.id)?;
        let goal = self.goal.validate(&f("goal"), tier_ids)?;
        let levels = match (&self.levels, goal.target) {
            (Some(_), Some(_)) if goal.metric != Metric::Tier => {
                return Err(LoyaltyError::rules(
                    field,
                    "give either goal.target or levels, not both",
                ));
            }
            (Some(ls), _) => {
                if ls.is_empty() {
                    return Err(LoyaltyError::rules(f("levels"), "needs at least one level"));
                }
                let mut out: Vec<i64> = Vec::with_capacity(ls.len());
                for (i, v) in ls.iter().enumerate() {
                    let t = parse_figure(&f(&format!("levels[{i}]")), goal.metric, v)?;
                    if out.last().is_some_and(|p| *p >= t) {
                        return Err(LoyaltyError::rules(f("levels"), "levels must increase"));
                    }
                    out.push(t);
                }
                out
            }
            (None, Some(t)) => vec![t],
            (None, None) => {
                return Err(LoyaltyError::rules(
                    f("goal.target"),
                    "a badge needs goal.target or levels",
                ));
            }
        };
        Ok(Badge {
            id: self.id.clone(),
            store_key: super::model::badge_key(&self.id),
            title: self.title.clone(),
            goal,
            levels,
        })
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
        let msk = crate::kernel::time::Zone::Fixed(FixedOffset::east_opt(3 * 3600).unwrap());
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
