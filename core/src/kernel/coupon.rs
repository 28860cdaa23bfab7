//! Coupons as every domain knows them: what one gives (its benefit) and how
//! long it lives (its spec), and the rules-JSON shape that defines one.

use serde::Deserialize;

use super::error::{LoyaltyError, Result};
use super::money::{MAX_MAJOR, PERCENT_SCALE, rules_money, rules_percent};

/// What a coupon gives and how long it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponSpec {
    /// The benefit.
    pub benefit: CouponBenefit,
    /// Days (24 h each) from issue until it expires.
    pub valid_days: i64,
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

/// A coupon definition as written in rules JSON (`percent` or `amount_off`, plus `valid_days`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoupon {
    #[serde(default)]
    percent: Option<String>,
    #[serde(default)]
    amount_off: Option<String>,
    valid_days: i64,
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
        Ok(CouponSpec {
            benefit,
            valid_days: self.valid_days,
        })
    }
}
