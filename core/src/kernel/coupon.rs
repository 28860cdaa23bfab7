//! Coupons as every domain knows them: what one gives (its benefit), which
//! lines it applies to (its scope), how long it lives (its spec), and the
//! rules-JSON shape that defines one.

use serde::{Deserialize, Serialize};

use super::error::{LoyaltyError, Result};
use super::ids::{check_rule_id, id_problem};
use super::money::{MAX_MAJOR, PERCENT_SCALE, rules_money, rules_percent};

/// Most skus a coupon's scope may list.
pub const MAX_SCOPE_SKUS: usize = 50;

/// What a coupon gives, what it applies to and how long it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponSpec {
    /// The benefit.
    pub benefit: CouponBenefit,
    /// The lines it applies to and the spend it needs.
    pub scope: CouponScope,
    /// Days (24 h each) from issue until it expires.
    pub valid_days: i64,
}

/// Which lines of a receipt a coupon applies to, and the eligible total it
/// needs. The default (no field set) is today's coupon: every eligible
/// line, no minimum.
///
/// In-scope lines are the eligible lines of the `category`, or with one of
/// the `skus`, or every eligible line when neither is given; `one_item`
/// narrows the base to the single highest unit price among them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouponScope {
    /// Only lines of this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Only lines with one of these skus (empty: any sku).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<String>,
    /// Only the one in-scope unit with the highest unit price.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub one_item: bool,
    /// The receipt's eligible total must be at least this (minor units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<i64>,
}

impl CouponScope {
    /// Whether the coupon applies to every eligible line with no minimum.
    pub fn is_unscoped(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the coupon names the lines it applies to (a category, skus or one item).
    pub fn limits_lines(&self) -> bool {
        self.category.is_some() || !self.skus.is_empty() || self.one_item
    }

    /// Whether a line of `category` with `sku` is in scope (eligibility aside).
    pub fn matches(&self, sku: &str, category: Option<&str>) -> bool {
        self.category.as_deref().is_none_or(|c| category == Some(c))
            && (self.skus.is_empty() || self.skus.iter().any(|s| s == sku))
    }

    /// Why this scope is unusable, or `None`: scopes that come from outside
    /// (a server's events, an offer) are checked with it like the rules' own.
    pub fn problem(&self) -> Option<String> {
        if self.category.is_some() && !self.skus.is_empty() {
            return Some("give a category or skus, not both".into());
        }
        if let Some(reason) = self.category.as_deref().and_then(id_problem) {
            return Some(format!("category {reason}"));
        }
        if self.skus.len() > MAX_SCOPE_SKUS {
            return Some(format!("lists more than {MAX_SCOPE_SKUS} skus"));
        }
        for (i, sku) in self.skus.iter().enumerate() {
            if let Some(reason) = id_problem(sku) {
                return Some(format!("skus[{i}] {reason}"));
            }
            if self.skus[..i].contains(sku) {
                return Some(format!("skus[{i}] repeats \"{sku}\""));
            }
        }
        if let Some(m) = self.min_spend
            && (m <= 0 || m > MAX_MAJOR.saturating_mul(100))
        {
            return Some("min_spend must be above 0 and within the accepted amounts".into());
        }
        None
    }
}

/// A coupon's benefit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponBenefit {
    /// Percent off eligible lines after the tier discount (hundredths of a percent).
    Percent(i64),
    /// Fixed amount off in minor units, capped at the eligible amount.
    AmountOff(i64),
}

impl CouponBenefit {
    /// Why this benefit is out of range, or `None`: a percent above 0 and at
    /// most 100, an amount above 0 and at most the largest accepted decimal.
    /// Benefits that come from outside (a server's events) are checked with
    /// it like those the rules define.
    pub fn problem(self) -> Option<&'static str> {
        match self {
            Self::Percent(p) if p <= 0 || p > PERCENT_SCALE => {
                Some("a percent coupon must be above 0 and at most 100 %")
            }
            Self::AmountOff(a) if a <= 0 || a > MAX_MAJOR.saturating_mul(100) => {
                Some("an amount-off coupon must be above 0 and within the accepted amounts")
            }
            _ => None,
        }
    }
}

/// A coupon definition as written in rules JSON (`percent` or `amount_off`,
/// `valid_days`, optionally `applies_to` and `min_spend`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoupon {
    #[serde(default)]
    percent: Option<String>,
    #[serde(default)]
    amount_off: Option<String>,
    valid_days: i64,
    #[serde(default)]
    applies_to: Option<RawAppliesTo>,
    #[serde(default)]
    min_spend: Option<String>,
}

/// `applies_to` as written in rules JSON.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppliesTo {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    skus: Option<Vec<String>>,
    #[serde(default)]
    one_item: Option<bool>,
}

impl RawAppliesTo {
    fn validate(&self, field: &str) -> Result<CouponScope> {
        if self.category.is_some() && self.skus.is_some() {
            return Err(LoyaltyError::rules(
                field,
                "give \"category\" or \"skus\", not both",
            ));
        }
        if let Some(c) = &self.category {
            check_rule_id(&format!("{field}.category"), c)?;
        }
        let skus = self.skus.clone().unwrap_or_default();
        if self.skus.is_some() && skus.is_empty() {
            return Err(LoyaltyError::rules(
                format!("{field}.skus"),
                "needs at least one sku",
            ));
        }
        if skus.len() > MAX_SCOPE_SKUS {
            return Err(LoyaltyError::rules(
                format!("{field}.skus"),
                format!("at most {MAX_SCOPE_SKUS} skus"),
            ));
        }
        for (i, sku) in skus.iter().enumerate() {
            check_rule_id(&format!("{field}.skus[{i}]"), sku)?;
            if skus[..i].contains(sku) {
                return Err(LoyaltyError::rules(
                    format!("{field}.skus[{i}]"),
                    format!("duplicate sku \"{sku}\""),
                ));
            }
        }
        if self.one_item == Some(false) {
            return Err(LoyaltyError::rules(
                format!("{field}.one_item"),
                "write true or leave it out",
            ));
        }
        let scope = CouponScope {
            category: self.category.clone(),
            skus,
            one_item: self.one_item == Some(true),
            min_spend: None,
        };
        if !scope.limits_lines() {
            return Err(LoyaltyError::rules(
                field,
                "give \"category\", \"skus\" or \"one_item\": true (or leave applies_to out)",
            ));
        }
        Ok(scope)
    }
}

impl RawCoupon {
    /// Checks the definition; errors name `field`.
    pub fn validate(&self, field: &str) -> Result<CouponSpec> {
        let benefit = match (&self.percent, &self.amount_off) {
            (Some(p), None) => {
                let v = rules_percent(&format!("{field}.percent"), p)?;
                if v == 0 {
                    return Err(LoyaltyError::rules(
                        format!("{field}.percent"),
                        "must be above 0",
                    ));
                }
                CouponBenefit::Percent(v)
            }
            (None, Some(a)) => {
                let v = rules_money(&format!("{field}.amount_off"), a)?;
                if v == 0 {
                    return Err(LoyaltyError::rules(
                        format!("{field}.amount_off"),
                        "must be above 0",
                    ));
                }
                CouponBenefit::AmountOff(v)
            }
            _ => {
                return Err(LoyaltyError::rules(
                    field,
                    "give exactly one of \"percent\" or \"amount_off\"",
                ));
            }
        };
        if !(1..=3650).contains(&self.valid_days) {
            return Err(LoyaltyError::rules(
                format!("{field}.valid_days"),
                format!("{} is not between 1 and 3650", self.valid_days),
            ));
        }
        let mut scope = match &self.applies_to {
            None => CouponScope::default(),
            Some(a) => a.validate(&format!("{field}.applies_to"))?,
        };
        if let Some(m) = &self.min_spend {
            let v = rules_money(&format!("{field}.min_spend"), m)?;
            if v == 0 {
                return Err(LoyaltyError::rules(
                    format!("{field}.min_spend"),
                    "must be above 0 (or leave it out)",
                ));
            }
            scope.min_spend = Some(v);
        }
        Ok(CouponSpec {
            benefit,
            scope,
            valid_days: self.valid_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> Result<CouponSpec> {
        serde_json::from_str::<RawCoupon>(json)
            .map_err(|e| LoyaltyError::rules("coupon", e.to_string()))?
            .validate("coupon")
    }

    #[test]
    fn scopes_parse_and_bad_ones_name_the_field() {
        let s = spec(
            r#"{"percent":"20","valid_days":30,"applies_to":{"one_item":true,"category":"shoes"},"min_spend":"1000.00"}"#,
        )
        .unwrap();
        assert_eq!(
            s.scope,
            CouponScope {
                category: Some("shoes".into()),
                skus: vec![],
                one_item: true,
                min_spend: Some(100_000),
            }
        );
        assert!(
            spec(r#"{"percent":"5","valid_days":1}"#)
                .unwrap()
                .scope
                .is_unscoped()
        );
        for (json, needle) in [
            (r#""applies_to":{}"#, "coupon.applies_to"),
            (r#""applies_to":{"category":"a","skus":["b"]}"#, "not both"),
            (r#""applies_to":{"skus":[]}"#, "coupon.applies_to.skus"),
            (
                r#""applies_to":{"skus":["a","a"]}"#,
                "coupon.applies_to.skus[1]",
            ),
            (
                r#""applies_to":{"one_item":false}"#,
                "coupon.applies_to.one_item",
            ),
            (
                r#""applies_to":{"category":"\u200bx"}"#,
                "coupon.applies_to.category",
            ),
            (r#""min_spend":"0""#, "coupon.min_spend"),
            (r#""min_spend":"1.005""#, "coupon.min_spend"),
            (r#""applies_to":{"brand":"x"}"#, "unknown field"),
        ] {
            let e = spec(&format!(r#"{{"percent":"5","valid_days":1,{json}}}"#)).unwrap_err();
            assert_eq!(e.code(), "invalid_rules");
            assert!(e.to_string().contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn scope_matching_and_outside_checks() {
        let clothing = CouponScope {
            category: Some("clothing".into()),
            ..CouponScope::default()
        };
        assert!(clothing.matches("A", Some("clothing")));
        assert!(!clothing.matches("A", Some("food")));
        assert!(!clothing.matches("A", None));
        let skus = CouponScope {
            skus: vec!["A".into()],
            ..CouponScope::default()
        };
        assert!(skus.matches("A", None) && !skus.matches("B", None));
        assert!(CouponScope::default().matches("B", None));
        assert_eq!(clothing.problem(), None);
        let both = CouponScope {
            category: Some("x".into()),
            skus: vec!["A".into()],
            ..CouponScope::default()
        };
        assert!(both.problem().unwrap().contains("not both"));
        let neg = CouponScope {
            min_spend: Some(-1),
            ..CouponScope::default()
        };
        assert!(neg.problem().unwrap().contains("min_spend"));
        let many = CouponScope {
            skus: (0..51).map(|i| i.to_string()).collect(),
            ..CouponScope::default()
        };
        assert!(many.problem().is_some());
        // Stored as JSON: the unscoped coupon writes nothing.
        assert_eq!(
            serde_json::to_string(&CouponScope::default()).unwrap(),
            "{}"
        );
    }
}
