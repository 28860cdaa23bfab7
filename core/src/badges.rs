//! Badges: goals over the member's whole history, earned once (per level)
//! and kept forever. Definitions come from program rules; state lives in
//! [`crate::challenges::GoalState`]; evaluation in the wallet engine.

use serde::Deserialize;

use crate::goals::{Goal, RawGoal, parse_figure};
use crate::kernel::error::{LoyaltyError, Result};

/// A validated badge definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// Id.
    pub id: String,
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
        crate::program::check_rule_id(&f("id"), &self.id)?;
        let goal = self.goal.validate(&f("goal"), tier_ids)?;
        let levels = match (&self.levels, goal.target) {
            (Some(_), Some(_)) if goal.metric != crate::goals::Metric::Tier => {
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
            title: self.title.clone(),
            goal,
            levels,
        })
    }
}
