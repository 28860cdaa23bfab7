//! Board definitions and the rules of a display name.

use crate::kernel::error::{LoyaltyError, Result};

/// Fewest characters of a display name (after trimming).
pub const NAME_MIN_CHARS: usize = 2;
/// Most characters of a display name (after trimming).
pub const NAME_MAX_CHARS: usize = 24;
/// Most entries a board lists.
pub const MAX_TOP: u32 = 100;

/// What a board ranks members by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoardMetric {
    /// Points earned (purchases, bonuses, challenge rewards; returns take back).
    PointsEarned,
    /// Net qualifying spend in minor units (returns take back).
    Spend,
    /// Purchases made.
    Purchases,
    /// Challenges completed.
    ChallengeCompletions,
}

impl BoardMetric {
    /// The rules-JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PointsEarned => "points_earned",
            Self::Spend => "spend",
            Self::Purchases => "purchases",
            Self::ChallengeCompletions => "challenge_completions",
        }
    }
}

/// The period a board counts in, in the program's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoardPeriod {
    /// Monday 00:00 to the next Monday.
    Week,
    /// The 1st 00:00 to the next 1st.
    Month,
    /// Never resets.
    AllTime,
}

impl BoardPeriod {
    /// The rules-JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
            Self::AllTime => "all_time",
        }
    }
}

/// One leaderboard of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaderboard {
    /// Stable id.
    pub id: String,
    /// Title shown to members.
    pub title: String,
    /// What it ranks by.
    pub metric: BoardMetric,
    /// The period it counts in.
    pub period: BoardPeriod,
    /// How many entries it lists (1..=100).
    pub top: u32,
}

/// A display name as it is shown: trimmed, 2–24 characters, only letters,
/// digits, spaces and `._-`; `invalid_display_name` otherwise.
pub fn clean_display_name(text: &str) -> Result<String> {
    let name = text.trim();
    let bad = |reason: String| LoyaltyError::InvalidDisplayName { reason };
    let count = name.chars().count();
    if count < NAME_MIN_CHARS {
        return Err(bad(format!(
            "it has {count} characters; a name has at least {NAME_MIN_CHARS}"
        )));
    }
    if count > NAME_MAX_CHARS {
        return Err(bad(format!(
            "it has {count} characters; a name has at most {NAME_MAX_CHARS}"
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-')))
    {
        // Only the offending character's code point: never echo control text.
        return Err(bad(format!(
            "U+{:04X} is not allowed; use letters, digits, spaces and . _ -",
            u32::from(c)
        )));
    }
    Ok(name.to_string())
}

/// The key two names collide on: case-folded (`Anna` and `ANNA` are one name).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(clean_display_name("  Anna K.  ").unwrap(), "Anna K.");
        assert_eq!(clean_display_name("Ёжик_01-x").unwrap(), "Ёжик_01-x");
        assert_eq!(clean_display_name("ab").unwrap(), "ab");
        assert_eq!(
            clean_display_name(&"я".repeat(24)).unwrap().chars().count(),
            24
        );
        for bad in [
            "",
            " a ",
            "a",
            &"x".repeat(25),
            "bob!",
            "tab\there",
            "a\u{0}b",
            "emoji😀",
            "<script>",
        ] {
            let e = clean_display_name(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_display_name", "{bad:?}");
            assert!(!e.to_string().contains('\u{0}'));
        }
    }

    #[test]
    fn names_collide_ignoring_case() {
        assert_eq!(name_key(" Anna "), name_key("ANNA"));
        assert_eq!(name_key("Ёжик"), name_key("ёЖИК"));
        assert_ne!(name_key("anna"), name_key("anna."));
    }
}
