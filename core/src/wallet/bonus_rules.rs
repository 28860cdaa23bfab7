//! The bonuses section of the program rules: the built-in welcome, birthday
//! and referral bonuses and the program's own (`bonuses.custom`: a survey
//! answered, an event attended), as written in JSON and as validated.

use serde::Deserialize;

use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::check_rule_id;
use crate::wallet::model::BonusKind;
use crate::wallet::rules::non_negative;

/// Configured bonus points; `None`: not configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bonuses {
    /// Once ever.
    pub welcome: Option<i64>,
    /// Once per local calendar year.
    pub birthday: Option<i64>,
    /// Any number of times.
    pub referral: Option<i64>,
    /// Bonuses the program defines (a survey, an event), in definition order.
    pub custom: Vec<CustomBonus>,
}

impl Bonuses {
    /// The custom bonus with this id.
    pub fn custom(&self, id: &str) -> Option<&CustomBonus> {
        self.custom.iter().find(|b| b.id == id)
    }
}

/// A bonus the program defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomBonus {
    /// Its id, the event's `kind` (never `welcome`, `birthday` or `referral`).
    pub id: String,
    /// Points it grants.
    pub points: i64,
    /// How often a member may get it.
    pub limit: BonusLimit,
}

/// How often a custom bonus may be granted to one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BonusLimit {
    /// Once ever.
    Once,
    /// Once per distinct key the event gives (`key` required).
    PerKey,
    /// Any number of times.
    None,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBonuses {
    #[serde(default)]
    welcome: Option<i64>,
    #[serde(default)]
    birthday: Option<i64>,
    #[serde(default)]
    referral: Option<i64>,
    #[serde(default)]
    custom: Vec<RawCustomBonus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCustomBonus {
    id: String,
    points: i64,
    limit: BonusLimit,
}

/// Validates the `bonuses` section (`None`: none configured).
pub(crate) fn validate_bonuses(raw: Option<RawBonuses>) -> Result<Bonuses> {
    Ok(match raw {
        None => Bonuses::default(),
        Some(b) => Bonuses {
            welcome: b
                .welcome
                .map(|v| non_negative("bonuses.welcome", v))
                .transpose()?,
            birthday: b
                .birthday
                .map(|v| non_negative("bonuses.birthday", v))
                .transpose()?,
            referral: b
                .referral
                .map(|v| non_negative("bonuses.referral", v))
                .transpose()?,
            custom: validate_custom_bonuses(b.custom)?,
        },
    })
}

fn validate_custom_bonuses(raw: Vec<RawCustomBonus>) -> Result<Vec<CustomBonus>> {
    let mut out: Vec<CustomBonus> = Vec::with_capacity(raw.len());
    for (i, b) in raw.into_iter().enumerate() {
        let f = format!("bonuses.custom[{i}]");
        check_rule_id(&format!("{f}.id"), &b.id)?;
        if BonusKind::BUILT_IN.contains(&b.id.as_str()) {
            return Err(LoyaltyError::rules(
                format!("{f}.id"),
                format!(
                    "\"{}\" is a built-in bonus; set bonuses.{} instead or choose another id",
                    b.id, b.id
                ),
            ));
        }
        if out.iter().any(|x| x.id == b.id) {
            return Err(LoyaltyError::rules(
                format!("{f}.id"),
                format!("duplicate bonus id \"{}\"", b.id),
            ));
        }
        let points = non_negative(&format!("{f}.points"), b.points)?;
        out.push(CustomBonus {
            id: b.id,
            points,
            limit: b.limit,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::kernel::error::LoyaltyError;
    use crate::program::{BonusLimit, Program};

    fn with(section: &str) -> Result<Program, LoyaltyError> {
        Program::from_json(&format!(
            r#"{{"currency":"RUB","earn":{{"rule":{{"percent":"5"}}}},{section}}}"#
        ))
    }

    #[test]
    fn custom_bonuses_parse_and_bad_ones_name_the_field() {
        let p = with(
            r#""bonuses":{"welcome":5,"custom":[{"id":"survey","points":50,"limit":"per_key"},{"id":"expo","points":0,"limit":"none"}]}"#,
        )
        .unwrap();
        let survey = p.bonuses.custom("survey").unwrap();
        assert_eq!((survey.points, survey.limit), (50, BonusLimit::PerKey));
        assert_eq!(p.bonuses.custom("expo").unwrap().limit, BonusLimit::None);
        assert!(p.bonuses.custom("welcome").is_none());
        for (custom, field, needle) in [
            (
                r#"{"id":"welcome","points":1,"limit":"once"}"#,
                "bonuses.custom[0].id",
                "built-in",
            ),
            (
                r#"{"id":"referral","points":1,"limit":"none"}"#,
                "bonuses.custom[0].id",
                "built-in",
            ),
            (
                r#"{"id":"s","points":1,"limit":"once"},{"id":"s","points":2,"limit":"once"}"#,
                "bonuses.custom[1].id",
                "duplicate",
            ),
            (
                r#"{"id":"s","points":-1,"limit":"once"}"#,
                "bonuses.custom[0].points",
                "negative",
            ),
            (
                r#"{"id":"s\u200b","points":1,"limit":"once"}"#,
                "bonuses.custom[0].id",
                "invisible",
            ),
        ] {
            let e = with(&format!(r#""bonuses":{{"custom":[{custom}]}}"#)).unwrap_err();
            assert!(
                matches!(&e, LoyaltyError::InvalidRules { field: f, reason } if f == field && reason.contains(needle)),
                "{custom}: {e}"
            );
        }
        for bad in [
            r#"{"id":"s","points":1,"limit":"weekly"}"#,
            r#"{"id":"s","points":1}"#,
            r#"{"id":"s","points":1,"limit":"once","key":"x"}"#,
        ] {
            let e = with(&format!(r#""bonuses":{{"custom":[{bad}]}}"#)).unwrap_err();
            assert_eq!(e.code(), "invalid_rules", "{bad}");
            assert!(e.to_string().contains("bonuses"), "{bad}: {e}");
        }
    }

    #[test]
    fn perks_and_member_discounts_are_checked() {
        let tiers = |perks: &str| {
            format!(
                r#""tiers":{{"levels":[{{"id":"base","threshold":"0"}},{{"id":"gold","threshold":"100","perks":{perks}}}]}}"#
            )
        };
        let p = with(&tiers(r#"["  Free delivery ", "Консультант 👨‍💼"]"#)).unwrap();
        let gold = &p.tiers.as_ref().unwrap().levels[1];
        assert_eq!(gold.perks, ["Free delivery", "Консультант 👨‍💼"]);
        assert!(p.tiers.as_ref().unwrap().levels[0].perks.is_empty());
        let eleven = format!("[{}]", ["\"x\""; 11].join(","));
        for (perks, field, needle) in [
            (eleven.as_str(), "tiers.levels[1].perks", "at most 10"),
            (r#"["ok", "  "]"#, "tiers.levels[1].perks[1]", "empty"),
            (
                r#"["Free \u202edelivery"]"#,
                "tiers.levels[1].perks[0]",
                "text-direction",
            ),
            (r#"["a\u0007"]"#, "tiers.levels[1].perks[0]", "control"),
        ] {
            let e = with(&tiers(perks)).unwrap_err();
            assert!(
                matches!(&e, LoyaltyError::InvalidRules { field: f, reason } if f == field && reason.contains(needle)),
                "{perks}: {e}"
            );
        }
        let long = format!(r#"["{}"]"#, "é".repeat(81));
        let e = with(&tiers(&long)).unwrap_err();
        assert!(e.to_string().contains("at most 80"), "{e}");
        assert!(with(&tiers(&format!(r#"["{}"]"#, "é".repeat(80)))).is_ok());

        let p =
            with(r#""member_discount":{"first_purchase_percent":"15","percent":"10"}"#).unwrap();
        assert_eq!(p.member_discount.first_purchase_percent, 1500);
        assert_eq!(p.member_discount.percent, 1000);
        use crate::wallet::model::DiscountSource as S;
        let md = p.member_discount;
        assert_eq!(md.discount(0, true), (1500, Some(S::FirstPurchase)));
        assert_eq!(md.discount(0, false), (1000, Some(S::Member)));
        assert_eq!(md.discount(1200, false), (1200, Some(S::Tier)));
        assert_eq!(md.discount(1500, true), (1500, Some(S::FirstPurchase)));
        assert_eq!(md.discount(2000, true), (2000, Some(S::Tier)));
        assert_eq!(
            crate::wallet::rules::MemberDiscount::default(),
            with("\"inbox\":{}").unwrap().member_discount
        );
        let none = crate::wallet::rules::MemberDiscount::default();
        assert_eq!(none.discount(0, true), (0, None));
        for (md, field) in [
            (r#"{"percent":"101"}"#, "member_discount.percent"),
            (
                r#"{"first_purchase_percent":"1.005"}"#,
                "member_discount.first_purchase_percent",
            ),
        ] {
            let e = with(&format!(r#""member_discount":{md}"#)).unwrap_err();
            assert!(
                matches!(&e, LoyaltyError::InvalidRules { field: f, .. } if f == field),
                "{md}: {e}"
            );
        }
        assert!(
            with(r#""member_discount":{"welcome":"5"}"#)
                .unwrap_err()
                .to_string()
                .contains("member_discount")
        );
    }
}
