//! A purchase, priced and committed: shape and id checks, the purchase
//! discount (tier, member or first purchase) and the coupon's (on the lines
//! it applies to), paying with points, earning, and the receipt the returns
//! and goals read later. The same code quotes (preview) and commits.

use super::model::{
    Coupon, LedgerKind, LineInput, LotSource, PurchaseInput, PurchaseQuote, Receipt, ReceiptLine,
    ReturnTotals,
};
use super::view::Effect;
use crate::kernel::coupon::CouponBenefit;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::money::{Checked, mul_div_floor};
use crate::kernel::money::{PERCENT_SCALE, format_minor, parse_hundredths};
use crate::wallet::rules::EarnRule;

use super::engine::{Tx, check_id, check_lines};

impl Tx<'_> {
    pub(super) fn purchase(
        &mut self,
        input: &PurchaseInput,
        commit: bool,
    ) -> Result<PurchaseQuote> {
        // 1. The event's own shape: amounts, then quantities, then lines.
        check_id("receipt_id", &input.receipt_id)?;
        let mut amounts = Vec::with_capacity(input.lines.len());
        for (i, line) in input.lines.iter().enumerate() {
            amounts.push(parse_line_amount(i, line)?);
        }
        check_lines(input.lines.iter().map(|l| (l.qty, l.sku.as_str())))?;
        // Bounded like a sku: every string a receipt carries travels in sync pages.
        for (i, line) in input.lines.iter().enumerate() {
            if let Some(category) = &line.category {
                check_id(&format!("lines[{i}].category"), category)?;
            }
        }
        let pay = input.pay_points.unwrap_or(0);
        if pay < 0 {
            return Err(LoyaltyError::InvalidPoints {
                field: "pay_points".into(),
                points: pay,
            });
        }

        let rules = &self.program.earn;
        let mut lines = Vec::with_capacity(input.lines.len());
        let (mut e, mut x) = (0i64, 0i64);
        for (line, amount) in input.lines.iter().zip(amounts) {
            let eligible = !line
                .category
                .as_ref()
                .is_some_and(|c| rules.excluded_categories.contains(c));
            if eligible {
                e = e.add_or(amount, "eligible total")?;
            } else {
                x = x.add_or(amount, "excluded total")?;
            }
            lines.push(ReceiptLine {
                sku: line.sku.clone(),
                category: line.category.clone(),
                qty: line.qty,
                amount,
                eligible,
                returned_qty: 0,
            });
        }
        e.add_or(x, "receipt total")?;

        // 2. Ids.
        if commit && self.view.has_receipt(&input.receipt_id)? {
            return Err(LoyaltyError::DuplicateReceipt {
                receipt_id: input.receipt_id.clone(),
            });
        }
        let coupon = match &input.coupon {
            None => None,
            Some(id) => {
                Some(
                    self.view
                        .coupon(id)?
                        .ok_or_else(|| LoyaltyError::CouponNotFound {
                            coupon_id: id.clone(),
                        })?,
                )
            }
        };

        // 3. State.
        if let Some(c) = &coupon {
            if c.used_at.is_some() {
                return Err(LoyaltyError::CouponUsed {
                    coupon_id: c.id.clone(),
                });
            }
            if c.expires_at <= self.at {
                return Err(LoyaltyError::CouponExpired {
                    coupon_id: c.id.clone(),
                });
            }
        }
        let spend = self.qualifying_spend_now()?;
        let tier = self.program.tier_for(spend).map(|(_, l)| l);
        // Whether this is the member's first purchase matters only to a
        // first-purchase discount (with none, `discount` gives the same
        // answer either way): other programs skip the receipt read.
        let first_purchase = self.program.member_discount.first_purchase_percent > 0
            && self.view.last_purchase()?.is_none();
        let (d, source) = self
            .program
            .member_discount
            .discount(tier.map_or(0, |t| t.discount_percent), first_purchase);
        let d1 = mul_div_floor(e, d, PERCENT_SCALE, "tier discount")?;
        let after_d1 = e - d1;
        let d2 = match &coupon {
            None => 0,
            Some(c) => {
                let base = coupon_base(c, &lines, e, d)?;
                match c.benefit {
                    CouponBenefit::Percent(p) => {
                        mul_div_floor(base, p, PERCENT_SCALE, "coupon discount")?
                    }
                    CouponBenefit::AmountOff(a) => a.min(base),
                }
            }
        };
        let after_d2 = after_d1 - d2;
        let redemption = self.program.redemption;
        let cap_money = mul_div_floor(after_d2, redemption.max_percent, 100, "redemption cap")?;
        let balance = self.balance()?;
        let max_points = (cap_money / redemption.point_value).min(balance.max(0));
        if pay > 0 && pay > balance {
            return Err(LoyaltyError::InsufficientPoints {
                needed: pay,
                available: balance,
            });
        }
        let pay_money = pay.mul_or(redemption.point_value, "points paid value")?;
        if pay_money > cap_money {
            return Err(LoyaltyError::RedemptionCapExceeded {
                requested: pay,
                max_points,
            });
        }

        let contribution = e + x - d1 - d2;
        let payable = contribution - pay_money;
        let base = if rules.earn_on_points_paid {
            after_d2
        } else {
            after_d2 - pay_money
        };
        let rule = match tier.and_then(|t| t.earn_percent) {
            Some(p) => EarnRule::Percent(p),
            None => rules.rule,
        };
        let mut earned = match rule {
            EarnRule::PerStep { step, points } => (base / step).mul_or(points, "earned points")?,
            // points = B/100 × p/10^4 ÷ (point_value/100) = B × p / (10^4 × point_value)
            EarnRule::Percent(p) => mul_div_floor(
                base,
                p,
                PERCENT_SCALE.mul_or(redemption.point_value, "point value")?,
                "earned points",
            )?,
        };
        for line in lines.iter().filter(|l| l.eligible) {
            if let Some(b) = rules.sku_bonus.iter().find(|b| b.sku == line.sku) {
                earned = earned.add_or(b.points.mul_or(line.qty, "sku bonus")?, "earned points")?;
            }
        }
        let quote = PurchaseQuote {
            eligible: e,
            excluded: x,
            tier: tier.map(|t| t.id.clone()),
            discount_percent: d,
            discount_source: source,
            tier_discount: d1,
            coupon_discount: d2,
            points_paid: pay,
            max_points_payable: max_points,
            payable,
            points_earned: earned,
        };
        if !commit {
            return Ok(quote);
        }

        let rid = input.receipt_id.as_str();
        if pay > 0 {
            let short = self.take_from_lots(pay, None)?;
            if short > 0 {
                return Err(LoyaltyError::Corrupt {
                    reason: format!("lots hold {short} points fewer than the balance"),
                });
            }
            self.ledger(LedgerKind::Pay, -pay, Some(rid));
        }
        if let Some(c) = &coupon {
            self.effects.push(Effect::UseCoupon {
                coupon_id: c.id.clone(),
                at: self.at,
            });
        }
        let mut receipt = Receipt {
            id: rid.to_string(),
            at: self.at,
            lines,
            eligible: e,
            excluded: x,
            tier_discount: d1,
            coupon_discount: d2,
            coupon_id: coupon.map(|c| c.id),
            points_paid: pay,
            points_earned: earned,
            payable,
            contribution,
            returned: ReturnTotals::default(),
            counted: Vec::new(),
        };
        self.spend_delta = contribution;
        self.goals.set_spend_delta(contribution);
        self.goals.on_purchase(&mut receipt)?;
        self.apply_goal_intents()?;
        self.effects.push(Effect::AddReceipt(receipt));
        if earned > 0 {
            self.credit(LotSource::Purchase, earned, Some(rid))?;
            self.summary.lifetime_earned = self
                .summary
                .lifetime_earned
                .add_or(earned, "lifetime earned")?;
            self.ledger(LedgerKind::Earn, earned, Some(rid));
        }
        Ok(quote)
    }
}

/// S′, what a coupon's discount is taken from: the total S of its in-scope
/// lines (with `one_item`, the highest unit price among them, floored)
/// less the purchase's discount d on it. An unscoped coupon's S′ is the
/// eligible total after D1, as always. Refused (`coupon_not_applicable`)
/// when the eligible total is below the coupon's minimum spend, or when a
/// coupon limited to some lines finds none of them.
fn coupon_base(c: &Coupon, lines: &[ReceiptLine], e: i64, d: i64) -> Result<i64> {
    let scope = &c.scope;
    if let Some(min) = scope.min_spend
        && e < min
    {
        return Err(LoyaltyError::CouponNotApplicable {
            coupon_id: c.id.clone(),
            reason: format!(
                "it needs an eligible total of at least {}, and this receipt has {}",
                format_minor(min),
                format_minor(e)
            ),
        });
    }
    let in_scope = lines
        .iter()
        .filter(|l| l.eligible && scope.matches(&l.sku, l.category.as_deref()));
    let mut any = false;
    let mut s = 0i64;
    for line in in_scope {
        any = true;
        s = if scope.one_item {
            s.max(line.amount / line.qty)
        } else {
            s.add_or(line.amount, "coupon base")?
        };
    }
    if !any && scope.limits_lines() {
        let what = match (&scope.category, scope.skus.as_slice()) {
            (Some(cat), _) => format!("an item of category {cat}"),
            (None, []) => "an item that earns (not of an excluded category)".to_string(),
            (None, skus) => format!("one of the items {}", skus.join(", ")),
        };
        return Err(LoyaltyError::CouponNotApplicable {
            coupon_id: c.id.clone(),
            reason: format!("it applies to {what}, and the receipt has none"),
        });
    }
    Ok(s - mul_div_floor(s, d, PERCENT_SCALE, "coupon base discount")?)
}

fn parse_line_amount(i: usize, line: &LineInput) -> Result<i64> {
    parse_hundredths(&line.amount)
        .map_err(|r| LoyaltyError::amount(format!("lines[{i}].amount"), r))
}
