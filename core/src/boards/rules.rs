//! The `"leaderboards"` section of the program rules.

use serde::Deserialize;

use super::model::{BoardMetric, BoardPeriod, Leaderboard, MAX_TOP};
use crate::kernel::error::{LoyaltyError, Result};

/// A board as the rules JSON writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLeaderboard {
    id: String,
    title: String,
    metric: RawMetric,
    period: RawPeriod,
    top: i64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawMetric {
    PointsEarned,
    Spend,
    Purchases,
    ChallengeCompletions,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawPeriod {
    Week,
    Month,
    AllTime,
}

/// Validates the boards: ids 1–64 characters of `a-z0-9_-`, unique; a
/// title; `top` 1..=100.
pub fn validate_leaderboards(raw: &[RawLeaderboard]) -> Result<Vec<Leaderboard>> {
    let mut out: Vec<Leaderboard> = Vec::with_capacity(raw.len());
    for (i, b) in raw.iter().enumerate() {
        let at = |f: &str| format!("leaderboards[{i}].{f}");
        let id_ok = !b.id.is_empty()
            && b.id.len() <= 64
            && b.id
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-');
        if !id_ok {
            return Err(LoyaltyError::rules(
                at("id"),
                "an id is 1 to 64 characters of a-z, 0-9, _ and -",
            ));
        }
        if out.iter().any(|o| o.id == b.id) {
            return Err(LoyaltyError::rules(
                at("id"),
                format!("duplicate leaderboard id \"{}\"", b.id),
            ));
        }
        if b.title.trim().is_empty() || b.title.chars().count() > 100 {
            return Err(LoyaltyError::rules(
                at("title"),
                "a title is 1 to 100 characters",
            ));
        }
        let top = u32::try_from(b.top)
            .ok()
            .filter(|t| (1..=MAX_TOP).contains(t))
            .ok_or_else(|| {
                LoyaltyError::rules(at("top"), format!("{} is not from 1 to {MAX_TOP}", b.top))
            })?;
        out.push(Leaderboard {
            id: b.id.clone(),
            title: b.title.clone(),
            metric: match b.metric {
                RawMetric::PointsEarned => BoardMetric::PointsEarned,
                RawMetric::Spend => BoardMetric::Spend,
                RawMetric::Purchases => BoardMetric::Purchases,
                RawMetric::ChallengeCompletions => BoardMetric::ChallengeCompletions,
            },
            period: match b.period {
                RawPeriod::Week => BoardPeriod::Week,
                RawPeriod::Month => BoardPeriod::Month,
                RawPeriod::AllTime => BoardPeriod::AllTime,
            },
            top,
        });
    }
    Ok(out)
}
