//! The wallet's sections of the program rules — earning, expiry, paying with
//! points, tiers and their perks, member discounts, rewards, bonuses — as
//! written in JSON and as validated.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::kernel::coupon::{CouponSpec, RawCoupon};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::{check_rule_id, clean_display_text};
use crate::kernel::money::{rules_money, rules_percent};
use crate::kernel::time::Time;
use crate::wallet::model::DiscountSource;

/// How a purchase earns points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarnRules {
    /// The base rule (replaced by a tier's `earn_percent` when it has one).
    pub rule: EarnRule,
    /// Categories that earn nothing, get no discount and cannot be paid with points.
    pub excluded_categories: BTreeSet<String>,
    /// Whether the part paid with points earns too.
    pub earn_on_points_paid: bool,
    /// Extra points per unit of a sku.
    pub sku_bonus: Vec<SkuBonus>,
}

/// The base earning rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarnRule {
    /// `points` per full `step` (minor units) of money.
    PerStep {
        /// Step in minor units, > 0.
        step: i64,
        /// Points per full step.
        points: i64,
    },
    /// A percentage of the money, converted at `point_value`; hundredths of a percent.
    Percent(i64),
}

/// Extra points for buying a sku.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuBonus {
    /// The sku.
    pub sku: String,
    /// Points per unit bought.
    pub points: i64,
}

/// Expiry of earned lots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Calendar months a lot lives.
    pub months: u32,
    /// Rounding of the expiry instant.
    pub round: ExpiryRound,
}

/// Rounding of a lot's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryRound {
    /// Expire exactly `months` later.
    None,
    /// Expire at the first instant of the local month after the one `months` later falls in.
    EndOfMonth,
}

/// Paying with points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redemption {
    /// Value of one point in minor units (> 0).
    pub point_value: i64,
    /// Most of a purchase's eligible amount (after discounts) payable with points, in percent.
    pub max_percent: i64,
}

/// Tier ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiers {
    /// Rolling window of qualifying spend in days; `None`: lifetime.
    pub window_days: Option<i64>,
    /// Levels by increasing threshold; the first has threshold 0.
    pub levels: Vec<TierLevel>,
}

/// One tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierLevel {
    /// Tier id ("gold").
    pub id: String,
    /// Qualifying spend in minor units from which the tier applies.
    pub threshold: i64,
    /// Earn percent replacing the base rule (hundredths of a percent).
    pub earn_percent: Option<i64>,
    /// Discount on eligible lines (hundredths of a percent).
    pub discount_percent: i64,
    /// What the tier gives beyond numbers ("Free delivery"), in order, for the screen.
    pub perks: Vec<String>,
}

/// Most perks a tier may list.
pub const MAX_PERKS: usize = 10;
/// Longest perk text, in Unicode scalar values.
pub const MAX_PERK_CHARS: usize = 80;

/// Discounts every member gets, beside the tier's (`member_discount`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberDiscount {
    /// Discount on the member's first purchase (hundredths of a percent).
    pub first_purchase_percent: i64,
    /// Discount on every purchase (hundredths of a percent).
    pub percent: i64,
}

/// A reward bought with points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    /// Reward id.
    pub id: String,
    /// Price in points.
    pub cost: i64,
    /// The coupon it issues.
    pub coupon: CouponSpec,
}

impl MemberDiscount {
    /// The discount percent d of a purchase (hundredths of a percent) and
    /// where it comes from: the highest of the tier's, `percent` and — when
    /// the member has no earlier purchase — `first_purchase_percent`. On a
    /// tie the more specific rule is named (first purchase, then member,
    /// then tier); `None` when d is 0.
    pub fn discount(
        &self,
        tier_percent: i64,
        first_purchase: bool,
    ) -> (i64, Option<DiscountSource>) {
        let mut best = (tier_percent, Some(DiscountSource::Tier));
        if self.percent >= best.0 {
            best = (self.percent, Some(DiscountSource::Member));
        }
        if first_purchase && self.first_purchase_percent >= best.0 {
            best = (
                self.first_purchase_percent,
                Some(DiscountSource::FirstPurchase),
            );
        }
        if best.0 == 0 { (0, None) } else { best }
    }
}

impl Tiers {
    /// The first instant of the qualifying window ending at `at`; `None`: all history counts.
    pub fn window_start(&self, at: Time) -> Option<Time> {
        self.window_days
            .and_then(|d| at.checked_sub_signed(chrono::Duration::days(d)))
    }
}

// ---- raw, serde-facing shapes ------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEarn {
    rule: RawEarnRule,
    #[serde(default)]
    excluded_categories: Vec<String>,
    #[serde(default)]
    earn_on_points_paid: bool,
    #[serde(default)]
    sku_bonus: Vec<RawSkuBonus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub(crate) enum RawEarnRule {
    PerStep(RawPerStep),
    Percent(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPerStep {
    step: String,
    points: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSkuBonus {
    sku: String,
    points: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpiry {
    months: i64,
    #[serde(default)]
    round: Option<ExpiryRound>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRedemption {
    #[serde(default)]
    point_value: Option<String>,
    #[serde(default)]
    max_percent: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTiers {
    #[serde(default)]
    window_days: Option<i64>,
    levels: Vec<RawLevel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLevel {
    id: String,
    threshold: String,
    #[serde(default)]
    earn_percent: Option<String>,
    #[serde(default)]
    discount_percent: Option<String>,
    #[serde(default)]
    perks: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMemberDiscount {
    #[serde(default)]
    first_purchase_percent: Option<String>,
    #[serde(default)]
    percent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReward {
    id: String,
    cost: i64,
    coupon: RawCoupon,
}

pub(crate) fn non_negative(field: &str, v: i64) -> Result<i64> {
    if v < 0 {
        return Err(LoyaltyError::rules(field, format!("{v} is negative")));
    }
    Ok(v)
}

/// Validates the `earn` section.
pub(crate) fn validate_earn(raw: RawEarn) -> Result<EarnRules> {
    let rule = match raw.rule {
        RawEarnRule::PerStep(ps) => {
            let step = rules_money("earn.rule.per_step.step", &ps.step)?;
            if step == 0 {
                return Err(LoyaltyError::rules(
                    "earn.rule.per_step.step",
                    "must be above 0",
                ));
            }
            let points = non_negative("earn.rule.per_step.points", ps.points)?;
            EarnRule::PerStep { step, points }
        }
        RawEarnRule::Percent(p) => EarnRule::Percent(rules_percent("earn.rule.percent", &p)?),
    };
    let mut skus = BTreeSet::new();
    let mut sku_bonus = Vec::new();
    for (i, b) in raw.sku_bonus.into_iter().enumerate() {
        let f = format!("earn.sku_bonus[{i}]");
        check_rule_id(&format!("{f}.sku"), &b.sku)?;
        if !skus.insert(b.sku.clone()) {
            return Err(LoyaltyError::rules(
                format!("{f}.sku"),
                format!("duplicate sku \"{}\"", b.sku),
            ));
        }
        let points = non_negative(&format!("{f}.points"), b.points)?;
        sku_bonus.push(SkuBonus { sku: b.sku, points });
    }
    Ok(EarnRules {
        rule,
        excluded_categories: raw.excluded_categories.into_iter().collect(),
        earn_on_points_paid: raw.earn_on_points_paid,
        sku_bonus,
    })
}

/// Validates the `expiry` section (`None`: points never expire).
pub(crate) fn validate_expiry(raw: Option<RawExpiry>) -> Result<Option<Expiry>> {
    Ok(match raw {
        None => None,
        Some(e) => {
            if !(1..=1200).contains(&e.months) {
                return Err(LoyaltyError::rules(
                    "expiry.months",
                    format!("{} is not between 1 and 1200", e.months),
                ));
            }
            Some(Expiry {
                months: e.months as u32,
                round: e.round.unwrap_or(ExpiryRound::None),
            })
        }
    })
}

/// Validates the `redemption` section (defaults: a point is worth 1.00, up to 100 %).
pub(crate) fn validate_redemption(raw: Option<RawRedemption>) -> Result<Redemption> {
    {
        let raw = raw.unwrap_or(RawRedemption {
            point_value: None,
            max_percent: None,
        });
        let point_value = match raw.point_value {
            Some(t) => rules_money("redemption.point_value", &t)?,
            None => 100,
        };
        if point_value == 0 {
            return Err(LoyaltyError::rules(
                "redemption.point_value",
                "must be above 0",
            ));
        }
        let max_percent = raw.max_percent.unwrap_or(100);
        if !(0..=100).contains(&max_percent) {
            return Err(LoyaltyError::rules(
                "redemption.max_percent",
                format!("{max_percent} is not between 0 and 100"),
            ));
        }
        Ok(Redemption {
            point_value,
            max_percent,
        })
    }
}

/// Validates the `tiers` section.
pub(crate) fn validate_tiers(t: RawTiers) -> Result<Tiers> {
    if let Some(w) = t.window_days
        && !(1..=36_500).contains(&w)
    {
        return Err(LoyaltyError::rules(
            "tiers.window_days",
            format!("{w} is not between 1 and 36500 (use null for lifetime spend)"),
        ));
    }
    if t.levels.is_empty() {
        return Err(LoyaltyError::rules(
            "tiers.levels",
            "needs at least one level",
        ));
    }
    let mut ids = BTreeSet::new();
    let mut levels: Vec<TierLevel> = Vec::new();
    for (i, l) in t.levels.into_iter().enumerate() {
        let f = format!("tiers.levels[{i}]");
        check_rule_id(&format!("{f}.id"), &l.id)?;
        if !ids.insert(l.id.clone()) {
            return Err(LoyaltyError::rules(
                format!("{f}.id"),
                format!("duplicate tier id \"{}\"", l.id),
            ));
        }
        let threshold = rules_money(&format!("{f}.threshold"), &l.threshold)?;
        match levels.last() {
            None if threshold != 0 => {
                return Err(LoyaltyError::rules(
                    format!("{f}.threshold"),
                    "the first tier's threshold must be 0",
                ));
            }
            Some(prev) if threshold <= prev.threshold => {
                return Err(LoyaltyError::rules(
                    format!("{f}.threshold"),
                    "thresholds must increase from one tier to the next",
                ));
            }
            _ => {}
        }
        let earn_percent = l
            .earn_percent
            .as_deref()
            .map(|p| rules_percent(&format!("{f}.earn_percent"), p))
            .transpose()?;
        let discount_percent = l
            .discount_percent
            .as_deref()
            .map(|p| rules_percent(&format!("{f}.discount_percent"), p))
            .transpose()?
            .unwrap_or(0);
        let perks = validate_perks(&f, &l.perks)?;
        levels.push(TierLevel {
            id: l.id,
            threshold,
            earn_percent,
            discount_percent,
            perks,
        });
    }
    Ok(Tiers {
        window_days: t.window_days,
        levels,
    })
}

/// Validates a tier's `perks`: at most [`MAX_PERKS`] texts, each 1 to
/// [`MAX_PERK_CHARS`] characters, surrounding spaces trimmed. A text that
/// the display-text cleaning would change (control characters, direction
/// overrides and isolates, zero-width spaces) is refused rather than
/// silently altered; emoji joiners and the marks Arabic and Hebrew need are kept.
fn validate_perks(tier_field: &str, raw: &[String]) -> Result<Vec<String>> {
    if raw.len() > MAX_PERKS {
        return Err(LoyaltyError::rules(
            format!("{tier_field}.perks"),
            format!("{} perks; at most {MAX_PERKS} are allowed", raw.len()),
        ));
    }
    let mut perks = Vec::with_capacity(raw.len());
    for (i, text) in raw.iter().enumerate() {
        let field = format!("{tier_field}.perks[{i}]");
        if clean_display_text(text) != *text {
            return Err(LoyaltyError::rules(
                field,
                "contains control, invisible or text-direction characters (zero-width, bidi overrides); write the text plainly",
            ));
        }
        let clean = text.trim().to_string();
        if clean.is_empty() {
            return Err(LoyaltyError::rules(field, "must not be empty"));
        }
        let n = clean.chars().count();
        if n > MAX_PERK_CHARS {
            return Err(LoyaltyError::rules(
                field,
                format!("is {n} characters long; at most {MAX_PERK_CHARS} are allowed"),
            ));
        }
        perks.push(clean);
    }
    Ok(perks)
}

/// Validates the `member_discount` section (`None`: no member discount).
pub(crate) fn validate_member_discount(raw: Option<RawMemberDiscount>) -> Result<MemberDiscount> {
    let Some(raw) = raw else {
        return Ok(MemberDiscount::default());
    };
    let pct = |name: &str, v: &Option<String>| {
        v.as_deref()
            .map(|p| rules_percent(&format!("member_discount.{name}"), p))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    Ok(MemberDiscount {
        first_purchase_percent: pct("first_purchase_percent", &raw.first_purchase_percent)?,
        percent: pct("percent", &raw.percent)?,
    })
}

/// Validates the `rewards` section: unique ids, positive costs, valid coupons.
pub(crate) fn validate_rewards(raw: Vec<RawReward>) -> Result<Vec<Reward>> {
    let mut reward_ids = BTreeSet::new();
    let mut rewards = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let f = format!("rewards[{i}]");
        check_rule_id(&format!("{f}.id"), &r.id)?;
        if !reward_ids.insert(r.id.clone()) {
            return Err(LoyaltyError::rules(
                format!("{f}.id"),
                format!("duplicate reward id \"{}\"", r.id),
            ));
        }
        if r.cost <= 0 {
            return Err(LoyaltyError::rules(
                format!("{f}.cost"),
                format!("{} must be above 0", r.cost),
            ));
        }
        let coupon = r.coupon.validate(&format!("{f}.coupon"))?;
        rewards.push(Reward {
            id: r.id,
            cost: r.cost,
            coupon,
        });
    }
    Ok(rewards)
}
