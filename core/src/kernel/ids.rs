//! Ids: the one check every id passes (rule ids, receipt and message ids,
//! idempotency keys), and the ids the core writes for its own inbox messages,
//! whose prefixes are reserved so that no push can take one first.

use std::fmt;

use super::error::{LoyaltyError, Result};

/// Longest id in bytes.
pub const MAX_ID_LEN: usize = 128;

/// Whether `c` is invisible or changes the direction of the text around it
/// (soft hyphen, Arabic letter mark, zero-width characters, direction marks,
/// embeddings, overrides and isolates, word joiners, the byte-order mark,
/// interlinear annotation): two ids that look the same must be the same id.
pub fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Text for the screen from outside (a push title or body) without control
/// characters and without what can disguise it: direction embeddings,
/// overrides and isolates (a title that reads one way and is stored another)
/// and zero-width spaces. Zero-width joiners and non-joiners (emoji
/// sequences, Persian and Indic spelling) and the left-to-right and
/// right-to-left marks that Arabic and Hebrew text needs are kept.
pub fn clean_display_text(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c,
                    '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{206F}' | '\u{200B}'
                    | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}' | '\u{FFF9}'..='\u{FFFB}')
        })
        .collect()
}

/// Why `id` is not a valid id, or `None` when it is: it must not be empty
/// or blank, must be at most [`MAX_ID_LEN`] bytes and must hold no control,
/// invisible or text-direction characters ([`is_hidden_format`]).
/// Surrounding spaces are kept as written (ids are compared exactly).
pub fn id_problem(id: &str) -> Option<&'static str> {
    if id.trim().is_empty() {
        Some("must not be empty")
    } else if id.len() > MAX_ID_LEN {
        Some("is longer than 128 bytes")
    } else if id.chars().any(char::is_control) {
        Some("contains control characters")
    } else if id.chars().any(is_hidden_format) {
        Some("contains invisible or text-direction characters (zero-width, bidi controls)")
    } else {
        None
    }
}

/// Checks an id in the program rules with the one id check; the error names `field`.
pub fn check_rule_id(field: &str, text: &str) -> Result<()> {
    match id_problem(text) {
        Some(reason) => Err(LoyaltyError::rules(field, reason)),
        None => Ok(()),
    }
}

/// An inbox message id the core generates for a notice of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeId {
    /// The `n`-th completion of a challenge.
    ChallengeCompleted {
        /// Challenge id.
        challenge: String,
        /// Completion number, from 1.
        n: i64,
    },
    /// A badge level reached.
    BadgeEarned {
        /// Badge id.
        badge: String,
        /// Level, from 1.
        level: u32,
    },
    /// A tier reached.
    TierReached {
        /// Tier id.
        tier: String,
    },
    /// Points of a lot expiring soon.
    PointsExpiring {
        /// Lot id.
        lot: i64,
    },
    /// An offline action the server refused.
    ActionRejected {
        /// The action's idempotency key.
        key: String,
    },
}

impl NoticeId {
    /// The prefix of every kind of generated id; a push may use none of them.
    pub const RESERVED_PREFIXES: [&'static str; 5] =
        ["challenge:", "badge:", "tier:", "expiring:", "rejected:"];

    /// This id's prefix (one of [`Self::RESERVED_PREFIXES`]).
    pub fn prefix(&self) -> &'static str {
        let i = match self {
            Self::ChallengeCompleted { .. } => 0,
            Self::BadgeEarned { .. } => 1,
            Self::TierReached { .. } => 2,
            Self::PointsExpiring { .. } => 3,
            Self::ActionRejected { .. } => 4,
        };
        Self::RESERVED_PREFIXES[i]
    }

    /// Whether `id` starts with a reserved prefix.
    pub fn is_reserved(id: &str) -> bool {
        Self::RESERVED_PREFIXES.iter().any(|p| id.starts_with(p))
    }

    /// The numbered series a generated id belongs to, and its number: a
    /// challenge's completions (`challenge:c3:` and 5 for `challenge:c3:5`)
    /// and a badge's levels (`badge:b1:` and 2 for `badge:b1:2`). The core
    /// writes the numbers of a series in order from 1, so the store keeps
    /// the highest written per series rather than a tombstone for every such
    /// message it evicts. `None` for every other id, for a number this
    /// type's `Display` would not write (empty, a leading zero), and past 18
    /// digits (the bound the schema's migration reads these ids with).
    pub fn series(id: &str) -> Option<(&str, i64)> {
        let prefix = ["challenge:", "badge:"]
            .into_iter()
            .find(|p| id.starts_with(p))?;
        let head = id.trim_end_matches(|c: char| c.is_ascii_digit());
        let digits = id.get(head.len()..)?;
        // `head` is the prefix, a non-empty goal id, and the colon before the number.
        if head.len() <= prefix.len() + 1
            || !head.ends_with(':')
            || digits.starts_with('0')
            || digits.len() > 18
        {
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        Some((head, n))
    }
}

impl fmt::Display for NoticeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())?;
        match self {
            Self::ChallengeCompleted { challenge, n } => write!(f, "{challenge}:{n}"),
            Self::BadgeEarned { badge, level } => write!(f, "{badge}:{level}"),
            Self::TierReached { tier } => f.write_str(tier),
            Self::PointsExpiring { lot } => write!(f, "{lot}"),
            Self::ActionRejected { key } => f.write_str(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_check_for_every_id() {
        assert_eq!(id_problem(""), Some("must not be empty"));
        assert_eq!(id_problem("  \t"), Some("must not be empty"));
        assert_eq!(
            id_problem(&"x".repeat(129)),
            Some("is longer than 128 bytes")
        );
        assert!(id_problem(&"x".repeat(128)).is_none());
        assert_eq!(id_problem("a\u{0}b"), Some("contains control characters"));
        assert_eq!(id_problem("a\u{85}b"), Some("contains control characters"));
        assert!(id_problem("r-1").is_none());
        assert!(id_problem("чек 1").is_none());
    }

    #[test]
    fn every_generated_id_is_reserved_and_prefixes_are_distinct() {
        let all = [
            NoticeId::ChallengeCompleted {
                challenge: "c".into(),
                n: 2,
            },
            NoticeId::BadgeEarned {
                badge: "b".into(),
                level: 1,
            },
            NoticeId::TierReached {
                tier: "gold".into(),
            },
            NoticeId::PointsExpiring { lot: 7 },
            NoticeId::ActionRejected { key: "k".into() },
        ];
        let mut seen = std::collections::BTreeSet::new();
        for id in &all {
            let text = id.to_string();
            assert!(NoticeId::is_reserved(&text), "{text}");
            assert!(text.starts_with(id.prefix()));
            assert!(
                seen.insert(id.prefix()),
                "prefix used twice: {}",
                id.prefix()
            );
        }
        assert_eq!(seen.len(), NoticeId::RESERVED_PREFIXES.len());
        assert_eq!(all[0].to_string(), "challenge:c:2");
        assert_eq!(all[4].to_string(), "rejected:k");
        assert!(!NoticeId::is_reserved("offer-1"));
    }

    #[test]
    fn numbered_series_are_read_back_from_the_ids_display_writes() {
        for (id, series) in [
            (
                NoticeId::ChallengeCompleted {
                    challenge: "c3".into(),
                    n: 15,
                },
                ("challenge:c3:", 15),
            ),
            (
                NoticeId::BadgeEarned {
                    badge: "b:12".into(),
                    level: 2,
                },
                ("badge:b:12:", 2),
            ),
            (
                NoticeId::ChallengeCompleted {
                    challenge: "спорт".into(),
                    n: 999_999_999_999_999_999,
                },
                ("challenge:спорт:", 999_999_999_999_999_999),
            ),
        ] {
            let text = id.to_string();
            assert_eq!(NoticeId::series(&text), Some(series), "{text}");
        }
        for id in [
            "tier:gold",
            "expiring:7",
            "rejected:k:1",
            "offer:c:1",
            "challenge:c",
            "challenge:c:",
            "challenge::1",
            "challenge:c:01",
            "challenge:c:1x",
            "badge:b:1000000000000000000",
            "challenge:",
        ] {
            assert_eq!(NoticeId::series(id), None, "{id}");
        }
    }
}
