//! Program rules: the JSON document that configures a loyalty program. Each
//! domain owns its sections (`wallet::rules`, `goals::rules`,
//! `inbox::rules`, the card's config); this module reads the document, hands
//! each section to its owner and checks what spans sections (challenges and
//! badges that name tiers and badges).
//!
//! Parsing is strict: unknown fields are rejected, decimals must be exact, and
//! rules that make no sense (tier thresholds out of order, duplicate ids) are
//! refused with the offending field named.

use chrono::FixedOffset;

use crate::kernel::time::Zone;
use serde::Deserialize;

pub use crate::inbox::rules::{InboxRules, check_deep_link_scheme};
use crate::inbox::rules::{RawInbox, validate_inbox};
use crate::kernel::error::{LoyaltyError, Result};
pub use crate::wallet::bonus_rules::{BonusLimit, Bonuses, CustomBonus};
use crate::wallet::bonus_rules::{RawBonuses, validate_bonuses};
pub use crate::wallet::rules::{
    EarnRule, EarnRules, Expiry, ExpiryRound, MemberDiscount, Redemption, Reward, SkuBonus,
    TierLevel, Tiers,
};
use crate::wallet::rules::{
    RawEarn, RawExpiry, RawMemberDiscount, RawRedemption, RawReward, RawTiers, validate_earn,
    validate_expiry, validate_member_discount, validate_redemption, validate_rewards,
    validate_tiers,
};

/// Validated program rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// ISO 4217 currency code of every money amount.
    pub currency: String,
    /// Local time of the program, for every calendar computation.
    pub zone: Zone,
    /// How purchases earn points.
    pub earn: EarnRules,
    /// When earned points expire; `None`: never.
    pub expiry: Option<Expiry>,
    /// What points are worth when paying.
    pub redemption: Redemption,
    /// Tier ladder; `None`: no tiers.
    pub tiers: Option<Tiers>,
    /// Discounts beside the tier's (all zero when not configured).
    pub member_discount: MemberDiscount,
    /// Rewards that can be bought with points.
    pub rewards: Vec<Reward>,
    /// One-off and repeatable bonuses.
    pub bonuses: Bonuses,
    /// The digital card's payload and barcode.
    pub card: crate::card::CardConfig,
    /// Challenges, in definition order.
    pub challenges: Vec<crate::goals::model::Challenge>,
    /// Badges, in definition order.
    pub badges: Vec<crate::goals::model::Badge>,
    /// Inbox settings.
    pub inbox: InboxRules,
    /// Opt-in leaderboards, in definition order.
    pub leaderboards: Vec<crate::boards::model::Leaderboard>,
}

/// The raw rules shape, for the JSON-path tests.
#[cfg(test)]
pub(crate) type RawProgramForTests = RawProgram;

/// A stable fingerprint of a rules text: the program's version where no
/// server gave one, and the dev server's `program.version` (FNV-1a, 64 bits;
/// tells versions apart, not a security measure).
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Program {
    /// Parses and validates program rules JSON.
    pub fn from_json(text: &str) -> Result<Self> {
        // The field is located from serde_json's line/column rather than by a
        // path-tracking deserializer: the same names (tested against
        // serde_path_to_error on every way of breaking the scenario
        // programs) without doubling the parser's code in the mobile library.
        let raw: RawProgram = crate::kernel::json::check_unique_keys(text)
            .and_then(|()| serde_json::from_str(text))
            .map_err(|e| {
                let message = e.to_string();
                let unknown_field = message.starts_with("unknown field");
                let path =
                    crate::kernel::json_path::path_at(text, e.line(), e.column(), unknown_field);
                let field = if path == "." {
                    "program".to_string()
                } else {
                    path
                };
                LoyaltyError::rules(field, message)
            })?;
        raw.validate()
    }

    /// Parses a program from an already-parsed JSON value.
    pub fn from_value(value: &serde_json::Value) -> Result<Self> {
        Self::from_json(&value.to_string())
    }

    /// The tier level for a qualifying spend (index into `tiers.levels`).
    pub fn tier_for(&self, spend: i64) -> Option<(usize, &TierLevel)> {
        self.tiers
            .as_ref()?
            .levels
            .iter()
            .enumerate()
            .rev()
            .find(|(_, l)| l.threshold <= spend)
    }

    /// The reward with this id.
    pub fn reward(&self, id: &str) -> Option<&Reward> {
        self.rewards.iter().find(|r| r.id == id)
    }
}

// ---- raw, serde-facing shapes ------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProgram {
    currency: String,
    #[serde(default)]
    utc_offset: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    earn: RawEarn,
    #[serde(default)]
    expiry: Option<RawExpiry>,
    #[serde(default)]
    redemption: Option<RawRedemption>,
    #[serde(default)]
    tiers: Option<RawTiers>,
    #[serde(default)]
    member_discount: Option<RawMemberDiscount>,
    #[serde(default)]
    rewards: Vec<RawReward>,
    #[serde(default)]
    bonuses: Option<RawBonuses>,
    #[serde(default)]
    card: Option<crate::card::RawCardConfig>,
    #[serde(default)]
    challenges: Vec<crate::goals::rules::RawChallenge>,
    #[serde(default)]
    badges: Vec<crate::goals::rules::RawBadge>,
    #[serde(default)]
    inbox: Option<RawInbox>,
    #[serde(default)]
    leaderboards: Vec<crate::boards::rules::RawLeaderboard>,
}

/// Parses "+03:00" / "-05:30" / "Z".
pub(crate) fn parse_offset(field: &str, text: &str) -> Result<FixedOffset> {
    let bad = || {
        LoyaltyError::rules(
            field,
            format!("\"{text}\" is not a UTC offset like \"+03:00\" (from -18:00 to +18:00)"),
        )
    };
    if text == "Z" {
        return FixedOffset::east_opt(0).ok_or_else(bad);
    }
    let bytes = text.as_bytes();
    if bytes.len() != 6 || bytes[3] != b':' {
        return Err(bad());
    }
    let sign = match bytes[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(bad()),
    };
    let hh: i32 = text[1..3].parse().map_err(|_| bad())?;
    let mm: i32 = text[4..6].parse().map_err(|_| bad())?;
    if !text[1..3].bytes().all(|b| b.is_ascii_digit())
        || !text[4..6].bytes().all(|b| b.is_ascii_digit())
        || mm >= 60
        || hh * 60 + mm > 18 * 60
    {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (hh * 3600 + mm * 60)).ok_or_else(bad)
}

impl RawProgram {
    fn validate(self) -> Result<Program> {
        let currency = self.currency;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(LoyaltyError::rules(
                "currency",
                format!("\"{currency}\" is not a 3-letter ISO 4217 code such as \"RUB\""),
            ));
        }
        let zone = match (&self.utc_offset, &self.time_zone) {
            (Some(_), Some(_)) => {
                return Err(LoyaltyError::rules(
                    "time_zone",
                    "give either \"time_zone\" (an IANA zone such as \"Europe/Moscow\") or \"utc_offset\", not both",
                ));
            }
            (Some(t), None) => Zone::Fixed(parse_offset("utc_offset", t)?),
            (None, Some(name)) => Zone::named(name).ok_or_else(|| {
                LoyaltyError::rules(
                    "time_zone",
                    format!(
                        "\"{}\" is not an IANA time zone such as \"Europe/Moscow\" or \"Asia/Yekaterinburg\"",
                        name.chars().take(64).collect::<String>()
                    ),
                )
            })?,
            (None, None) => Zone::default(),
        };

        let earn = validate_earn(self.earn)?;
        let expiry = validate_expiry(self.expiry)?;
        let redemption = validate_redemption(self.redemption)?;
        let tiers = self.tiers.map(validate_tiers).transpose()?;
        let member_discount = validate_member_discount(self.member_discount)?;
        let rewards = validate_rewards(self.rewards)?;
        let bonuses = validate_bonuses(self.bonuses)?;

        let card = match &self.card {
            None => crate::card::CardConfig::default(),
            Some(raw) => raw.validate().map_err(|e| match e {
                LoyaltyError::InvalidCardConfig { field, reason } => {
                    LoyaltyError::rules(format!("card.{field}"), reason)
                }
                other => LoyaltyError::rules("card", other.to_string()),
            })?,
        };

        let tier_ids: Vec<String> = tiers
            .as_ref()
            .map(|t| t.levels.iter().map(|l| l.id.clone()).collect())
            .unwrap_or_default();
        let mut badges = Vec::new();
        for (i, b) in self.badges.iter().enumerate() {
            let badge = b.validate(&format!("badges[{i}]"), &tier_ids)?;
            if badges
                .iter()
                .any(|x: &crate::goals::model::Badge| x.id == badge.id)
            {
                return Err(LoyaltyError::rules(
                    format!("badges[{i}].id"),
                    format!("duplicate badge id \"{}\"", badge.id),
                ));
            }
            badges.push(badge);
        }
        let badge_ids: Vec<String> = badges.iter().map(|b| b.id.clone()).collect();
        let mut challenges = Vec::new();
        for (i, c) in self.challenges.iter().enumerate() {
            let challenge = c.validate(&format!("challenges[{i}]"), &tier_ids, &badge_ids)?;
            if challenges
                .iter()
                .any(|x: &crate::goals::model::Challenge| x.id == challenge.id)
            {
                return Err(LoyaltyError::rules(
                    format!("challenges[{i}].id"),
                    format!("duplicate challenge id \"{}\"", challenge.id),
                ));
            }
            challenges.push(challenge);
        }

        let inbox = validate_inbox(self.inbox.as_ref())?;
        let leaderboards = crate::boards::rules::validate_leaderboards(&self.leaderboards)?;

        Ok(Program {
            leaderboards,
            inbox,
            challenges,
            badges,
            card,
            currency,
            zone,
            earn,
            expiry,
            redemption,
            tiers,
            member_discount,
            rewards,
            bonuses,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{
      "currency": "RUB", "utc_offset": "+03:00",
      "earn": {"rule": {"per_step": {"step": "1000", "points": 100}},
               "excluded_categories": ["tobacco"], "earn_on_points_paid": false,
               "sku_bonus": [{"sku": "SKU-42", "points": 50}]},
      "expiry": {"months": 12, "round": "none"},
      "redemption": {"point_value": "1.00", "max_percent": 50},
      "tiers": {"window_days": 365, "levels": [
        {"id": "bronze", "threshold": "0", "earn_percent": "5"},
        {"id": "silver", "threshold": "10000", "earn_percent": "10", "discount_percent": "0"},
        {"id": "gold", "threshold": "20000", "earn_percent": "15", "discount_percent": "5"}]},
      "rewards": [{"id": "c20", "cost": 500, "coupon": {"percent": "20", "valid_days": 30}}],
      "bonuses": {"welcome": 100, "birthday": 200, "referral": 300}
    }"#;

    fn err_of(json: &str) -> LoyaltyError {
        Program::from_json(json).expect_err("should be rejected")
    }

    #[test]
    fn parses_the_documented_program() {
        let p = Program::from_json(FULL).unwrap();
        assert_eq!(
            p.zone,
            Zone::Fixed(FixedOffset::east_opt(3 * 3600).unwrap())
        );
        assert_eq!(
            p.earn.rule,
            EarnRule::PerStep {
                step: 100_000,
                points: 100
            }
        );
        assert!(p.earn.excluded_categories.contains("tobacco"));
        assert_eq!(
            p.redemption,
            Redemption {
                point_value: 100,
                max_percent: 50
            }
        );
        let tiers = p.tiers.as_ref().unwrap();
        assert_eq!(tiers.levels[2].threshold, 2_000_000);
        assert_eq!(tiers.levels[2].discount_percent, 500);
        assert_eq!(tiers.levels[0].earn_percent, Some(500));
        assert_eq!(
            p.rewards[0].coupon.benefit,
            crate::kernel::coupon::CouponBenefit::Percent(2000)
        );
        assert_eq!(p.bonuses.referral, Some(300));
        assert_eq!(p.tier_for(1_999_999).unwrap().1.id, "silver");
        assert_eq!(p.tier_for(2_000_000).unwrap().1.id, "gold");
    }

    #[test]
    fn defaults_apply_to_a_minimal_program() {
        let p =
            Program::from_json(r#"{"currency":"USD","earn":{"rule":{"percent":"2.5"}}}"#).unwrap();
        assert_eq!(p.zone, Zone::default());
        assert_eq!(
            p.redemption,
            Redemption {
                point_value: 100,
                max_percent: 100
            }
        );
        assert_eq!(p.expiry, None);
        assert_eq!(p.tiers, None);
        assert_eq!(p.earn.rule, EarnRule::Percent(250));
    }

    #[test]
    fn unknown_fields_are_rejected_with_their_path() {
        let e = err_of(r#"{"currency":"RUB","earn":{"rule":{"percent":"5"},"excluded":[]}}"#);
        assert_eq!(e.code(), "invalid_rules");
        assert!(e.to_string().contains("earn"), "{e}");
        assert!(e.to_string().contains("excluded"), "{e}");
        let e = err_of(r#"{"currency":"RUB","earn":{"rule":{"percent":"5"}},"tier":{}}"#);
        assert!(e.to_string().contains("tier"), "{e}");
    }

    #[test]
    fn bad_decimals_name_the_field() {
        for (bad, field) in [
            (r#""step": "-1""#, "earn.rule.per_step.step"),
            (r#""step": "1.005""#, "earn.rule.per_step.step"),
            (r#""step": "1e3""#, "earn.rule.per_step.step"),
            (r#""step": """#, "earn.rule.per_step.step"),
            (r#""step": "100000000000000""#, "earn.rule.per_step.step"),
            (r#""step": "0""#, "earn.rule.per_step.step"),
        ] {
            let json = format!(
                r#"{{"currency":"RUB","earn":{{"rule":{{"per_step":{{{bad},"points":1}}}}}}}}"#
            );
            let e = err_of(&json);
            assert!(
                matches!(&e, LoyaltyError::InvalidRules { field: f, .. } if f == field),
                "{bad}: {e}"
            );
        }
        let e = err_of(r#"{"currency":"RUB","earn":{"rule":{"percent":"5.001"}}}"#);
        assert!(e.to_string().contains("earn.rule.percent"), "{e}");
        let e = err_of(r#"{"currency":"RUB","earn":{"rule":{"percent":"101"}}}"#);
        assert!(e.to_string().contains("over 100"), "{e}");
    }

    #[test]
    fn nonsense_rules_are_rejected() {
        let base = |tiers: &str| {
            format!(r#"{{"currency":"RUB","earn":{{"rule":{{"percent":"5"}}}},"tiers":{tiers}}}"#)
        };
        let e = err_of(&base(r#"{"levels":[{"id":"a","threshold":"10"}]}"#));
        assert!(e.to_string().contains("first tier"), "{e}");
        let e = err_of(&base(
            r#"{"levels":[{"id":"a","threshold":"0"},{"id":"b","threshold":"0"}]}"#,
        ));
        assert!(e.to_string().contains("increase"), "{e}");
        let e = err_of(&base(
            r#"{"levels":[{"id":"a","threshold":"0"},{"id":"a","threshold":"5"}]}"#,
        ));
        assert!(e.to_string().contains("duplicate tier id"), "{e}");
        let e = err_of(&base(r#"{"levels":[]}"#));
        assert!(e.to_string().contains("at least one"), "{e}");
        let e = err_of(
            r#"{"currency":"RUB","earn":{"rule":{"percent":"5"}},"redemption":{"max_percent":101}}"#,
        );
        assert!(e.to_string().contains("redemption.max_percent"), "{e}");
        let e = err_of(
            r#"{"currency":"RUB","earn":{"rule":{"percent":"5"}},"rewards":[
                {"id":"x","cost":5,"coupon":{"percent":"5","valid_days":1}},
                {"id":"x","cost":5,"coupon":{"percent":"5","valid_days":1}}]}"#,
        );
        assert!(e.to_string().contains("duplicate reward id"), "{e}");
        let e = err_of(
            r#"{"currency":"RUB","earn":{"rule":{"percent":"5"}},"rewards":[
                {"id":"x","cost":5,"coupon":{"percent":"5","amount_off":"1","valid_days":1}}]}"#,
        );
        assert!(e.to_string().contains("exactly one"), "{e}");
        let e = err_of(r#"{"currency":"rub","earn":{"rule":{"percent":"5"}}}"#);
        assert!(e.to_string().contains("currency"), "{e}");
        let e = err_of(r#"{"currency":"RUB","utc_offset":"+3","earn":{"rule":{"percent":"5"}}}"#);
        assert!(e.to_string().contains("utc_offset"), "{e}");
        // A key given twice (whichever copy a parser keeps) is refused, with its place.
        let twice = err_of(
            r#"{"currency":"RUB","earn":{"rule":{"percent":"5"}},"rewards":[{"id":"a","cost":1,"cost":0,"coupon":{"percent":"5","valid_days":1}}]}"#,
        );
        assert!(
            twice.to_string().contains("\"cost\" appears twice"),
            "{twice}"
        );
        assert!(
            matches!(&twice, LoyaltyError::InvalidRules { field, .. } if field.starts_with("rewards")),
            "{twice}"
        );
        // An IANA zone instead of a fixed offset; never both, never an unknown name.
        let berlin = Program::from_json(
            r#"{"currency":"EUR","time_zone":"Europe/Berlin","earn":{"rule":{"percent":"5"}}}"#,
        )
        .unwrap();
        assert_eq!(berlin.zone, Zone::named("Europe/Berlin").unwrap());
        let both = err_of(
            r#"{"currency":"RUB","time_zone":"Europe/Moscow","utc_offset":"+03:00","earn":{"rule":{"percent":"5"}}}"#,
        );
        assert!(
            matches!(&both, LoyaltyError::InvalidRules { field, .. } if field == "time_zone"),
            "{both}"
        );
        let unknown = err_of(
            r#"{"currency":"RUB","time_zone":"Mars/Olympus","earn":{"rule":{"percent":"5"}}}"#,
        );
        assert!(unknown.to_string().contains("IANA"), "{unknown}");
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        for bad in [
            "",
            "{",
            "[]",
            "null",
            "{\"currency\":1}",
            "{\"currency\":\"RUB\"}",
        ] {
            assert_eq!(err_of(bad).code(), "invalid_rules", "{bad}");
        }
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(
            parse_offset("f", "-05:30").unwrap().local_minus_utc(),
            -(5 * 3600 + 1800)
        );
        assert_eq!(parse_offset("f", "Z").unwrap().local_minus_utc(), 0);
        for bad in ["+19:00", "+03:60", "03:00", "+0300", "+0a:00", "+-3:00"] {
            assert!(parse_offset("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_challenges_and_badges_are_rejected_with_the_reason() {
        let with = |extra: &str| {
            format!(
                r#"{{"currency":"RUB","earn":{{"rule":{{"percent":"5"}}}},
                   "tiers":{{"levels":[{{"id":"base","threshold":"0"}},{{"id":"gold","threshold":"100"}}]}},{extra}}}"#
            )
        };
        let ok = Program::from_json(&with(
            r#""challenges":[{"id":"c","title":"C","goal":{"metric":"items","target":3},"reward":{"badge":"b"}}],
               "badges":[{"id":"b","title":"B","goal":{"metric":"tier","tier":"gold"}}]"#,
        ))
        .unwrap();
        assert_eq!(ok.challenges.len(), 1);
        for (extra, needle) in [
            (
                r#""challenges":[{"id":"c","title":"C","goal":{"metric":"steps","target":3}}]"#,
                "unknown variant",
            ),
            (
                r#""challenges":[{"id":"c","title":"C","goal":{"metric":"items","target":0}}]"#,
                "challenges[0].goal.target",
            ),
            (
                r#""challenges":[{"id":"c","title":"C","goal":{"metric":"items","target":-1}}]"#,
                "must be above 0",
            ),
            (
                r#""challenges":[{"id":"c","title":"C","goal":{"metric":"items"}}]"#,
                "needs a target",
            ),
            (
                r#""challenges":[{"id":"c","title":"C","starts_at":"2026-02-01T00:00:00Z","ends_at":"2026-01-01T00:00:00Z","goal":{"metric":"items","target":1}}]"#,
                "must be after starts_at",
            ),
            (
                r#""badges":[{"id":"b","title":"B","goal":{"metric":"tier","tier":"platinum"}}]"#,
                "unknown tier",
            ),
            (
                r#""challenges":[{"id":"c","title":"C","goal":{"metric":"items","target":1},"reward":{"badge":"nope"}}]"#,
                "unknown badge",
            ),
            (
                r#""badges":[{"id":"b","title":"B","goal":{"metric":"purchases"},"levels":[5,5]}]"#,
                "levels must increase",
            ),
            (
                r#""badges":[{"id":"b","title":"B","goal":{"metric":"purchases"}}]"#,
                "goal.target or levels",
            ),
            (
                r#""badges":[{"id":"b","title":"B","goal":{"metric":"purchases","target":1}},{"id":"b","title":"B","goal":{"metric":"items","target":1}}]"#,
                "duplicate badge id",
            ),
            (
                r#""challenges":[{"id":"c","title":"C","goal":{"metric":"items","target":1},"repeat":"daily"}]"#,
                "unknown variant",
            ),
        ] {
            let e = err_of(&with(extra));
            assert_eq!(e.code(), "invalid_rules");
            assert!(e.to_string().contains(needle), "{needle}: {e}");
        }
    }
}
