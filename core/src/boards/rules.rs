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

#[cfg(test)]
mod tests {
    use crate::boards::model::{BoardMetric, BoardPeriod};
    use crate::program::Program;

    fn with(boards: &str) -> crate::Result<Program> {
        Program::from_json(&format!(
            r#"{{"currency":"RUB","earn":{{"rule":{{"percent":"5"}}}},"leaderboards":{boards}}}"#
        ))
    }

    #[test]
    fn boards_parse_and_bad_ones_name_the_field() {
        let p = with(
            r#"[{"id":"week","title":"Week","metric":"challenge_completions","period":"all_time","top":100}]"#,
        )
        .unwrap();
        assert_eq!(p.leaderboards[0].metric, BoardMetric::ChallengeCompletions);
        assert_eq!(p.leaderboards[0].period, BoardPeriod::AllTime);
        assert_eq!(p.leaderboards[0].top, 100);
        assert!(with("[]").unwrap().leaderboards.is_empty());
        for (boards, needle) in [
            (
                r#"[{"id":"w","title":"W","metric":"spend","period":"week","top":0}]"#,
                "leaderboards[0].top",
            ),
            (
                r#"[{"id":"w","title":"W","metric":"spend","period":"week","top":101}]"#,
                "leaderboards[0].top",
            ),
            (
                r#"[{"id":"W!","title":"W","metric":"spend","period":"week","top":1}]"#,
                "leaderboards[0].id",
            ),
            (
                r#"[{"id":"w","title":" ","metric":"spend","period":"week","top":1}]"#,
                "leaderboards[0].title",
            ),
            (
                r#"[{"id":"w","title":"W","metric":"steps","period":"week","top":1}]"#,
                "unknown variant",
            ),
            (
                r#"[{"id":"w","title":"W","metric":"spend","period":"day","top":1}]"#,
                "unknown variant",
            ),
            (
                r#"[{"id":"w","title":"W","metric":"spend","period":"week","top":1,"x":1}]"#,
                "unknown field",
            ),
            (
                r#"[{"id":"w","title":"W","metric":"spend","period":"week","top":1},{"id":"w","title":"V","metric":"purchases","period":"month","top":1}]"#,
                "duplicate leaderboard id",
            ),
        ] {
            let e = with(boards).unwrap_err();
            assert_eq!(e.code(), "invalid_rules");
            assert!(e.to_string().contains(needle), "{needle}: {e}");
        }
    }
}
