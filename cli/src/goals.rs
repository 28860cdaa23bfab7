//! Challenge and badge lists for people and tools.

use std::fmt::Write;

use serde_json::{Value, json};

/// Challenges as a list for people.
pub fn challenges_text(views: &[loyalty_core::goals::ChallengeView]) -> String {
    let mut out = String::new();
    if views.is_empty() {
        out.push_str("No challenges in this program.\n");
    }
    for v in views {
        let left = match v.seconds_left {
            Some(s) if s >= 86_400 => format!(" — {} days left", s / 86_400),
            Some(s) if s >= 3_600 => format!(" — {} hours left", s / 3_600),
            Some(s) => format!(" — {} minutes left", (s / 60).max(1)),
            None => String::new(),
        };
        let done = if v.completions > 1 || (v.completions == 1 && v.status.as_str() == "active") {
            format!(", completed {}×", v.completions)
        } else {
            String::new()
        };
        let reward = v
            .reward
            .as_deref()
            .map(|r| format!(" → {r}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  [{:<9}] {}: {} of {}{done}{left}{reward}",
            v.status.as_str(),
            v.title,
            v.progress,
            v.target
        );
    }
    out
}

/// Badges as a list for people.
pub fn badges_text(views: &[loyalty_core::goals::BadgeView]) -> String {
    let mut out = String::new();
    if views.is_empty() {
        out.push_str("No badges in this program.\n");
    }
    for b in views {
        let earned = match (b.level, b.earned_at) {
            (0, _) => "not yet".to_string(),
            (l, Some(at)) if b.levels > 1 => {
                format!("level {l} of {} since {}", b.levels, at.format("%Y-%m-%d"))
            }
            (_, Some(at)) => format!("earned {}", at.format("%Y-%m-%d")),
            (l, None) => format!("level {l}"),
        };
        let next = b
            .next_threshold
            .map(|n| format!(" — {} of {n} for the next level", b.progress))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {}: {earned}{next}",
            if b.level > 0 { "★" } else { "☆" },
            b.title
        );
    }
    out
}

/// Challenges as JSON (scenario key names).
pub fn challenges_json(views: &[loyalty_core::goals::ChallengeView]) -> Value {
    Value::Array(
        views
            .iter()
            .map(|v| {
                json!({"id": v.id, "title": v.title, "status": v.status.as_str(), "progress": v.progress,
                       "target": v.target, "completions": v.completions, "seconds_left": v.seconds_left,
                       "reward": v.reward, "metric": v.metric.as_str()})
            })
            .collect(),
    )
}

/// Badges as JSON.
pub fn badges_json(views: &[loyalty_core::goals::BadgeView]) -> Value {
    Value::Array(
        views
            .iter()
            .map(|b| {
                json!({"id": b.id, "title": b.title, "level": b.level, "levels": b.levels,
                       "earned_at": b.earned_at.map(|t| t.to_rfc3339()), "progress": b.progress,
                       "next_threshold": b.next_threshold})
            })
            .collect(),
    )
}
