//! Returns: cumulative, floored give-backs of points, paid points and
//! qualifying spend, so a receipt returned in full gives back exactly what it
//! gave; then the challenges the purchase counted in lose what it added.

use super::engine::{Tx, check_id, check_lines};
use super::model::{LedgerKind, LotSource, ReturnInput, ReturnTotals};
use super::view::Effect;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::money::{Checked, mul_div_floor};

impl Tx<'_> {
    pub(super) fn ret(&mut self, input: &ReturnInput) -> Result<()> {
        check_id("receipt_id", &input.receipt_id)?;
        check_lines(input.lines.iter().map(|l| (l.qty, l.sku.as_str())))?;
        let receipt =
            self.view
                .receipt(&input.receipt_id)?
                .ok_or_else(|| LoyaltyError::UnknownReceipt {
                    receipt_id: input.receipt_id.clone(),
                })?;

        // Allocate returned quantities to the receipt's lines with that sku, in order.
        let mut returned_qty: Vec<i64> = receipt.lines.iter().map(|l| l.returned_qty).collect();
        for line in &input.lines {
            let mut left = line.qty;
            let available: i64 = receipt
                .lines
                .iter()
                .zip(&returned_qty)
                .filter(|(l, _)| l.sku == line.sku)
                .map(|(l, r)| l.qty - r)
                .sum();
            if available < left {
                return Err(LoyaltyError::ReturnExceedsPurchase {
                    receipt_id: receipt.id.clone(),
                    sku: line.sku.clone(),
                    requested: line.qty,
                    remaining: available,
                });
            }
            for (l, r) in receipt.lines.iter().zip(returned_qty.iter_mut()) {
                if l.sku == line.sku && left > 0 {
                    let take = (l.qty - *r).min(left);
                    *r += take;
                    left -= take;
                }
            }
        }

        // Cumulative, floored figures; each return takes the difference.
        let (mut ret_eligible, mut ret_total) = (0i64, 0i64);
        for (l, r) in receipt.lines.iter().zip(&returned_qty) {
            let amount = mul_div_floor(l.amount, *r, l.qty, "returned amount")?;
            ret_total = ret_total.add_or(amount, "returned amount")?;
            if l.eligible {
                ret_eligible = ret_eligible.add_or(amount, "returned amount")?;
            }
        }
        let share = |value: i64, part: i64, whole: i64, what| {
            if whole == 0 {
                Ok(0)
            } else {
                mul_div_floor(value, part, whole, what)
            }
        };
        let totals = ReturnTotals {
            eligible: ret_eligible,
            total: ret_total,
            reversed_points: share(
                receipt.points_earned,
                ret_eligible,
                receipt.eligible,
                "reversed points",
            )?,
            refunded_points: share(
                receipt.points_paid,
                ret_eligible,
                receipt.eligible,
                "refunded points",
            )?,
            contribution: share(
                receipt.contribution,
                ret_total,
                receipt.eligible + receipt.excluded,
                "returned contribution",
            )?,
        };
        let reverse = totals.reversed_points - receipt.returned.reversed_points;
        let refund = totals.refunded_points - receipt.returned.refunded_points;
        let rid = receipt.id.as_str();
        if reverse > 0 {
            let mut need = reverse;
            let own = self.view.purchase_lot(rid)?;
            let own_id = own.as_ref().map(|l| l.id);
            if let Some(lot) =
                own.filter(|l| l.remaining > 0 && l.expires_at.is_none_or(|t| t > self.at))
            {
                let take = lot.remaining.min(need);
                self.debit(lot.id, take)?;
                need -= take;
            }
            let short = self.take_from_lots(need, own_id)?;
            self.summary.debt = self.summary.debt.add_or(short, "debt")?;
            self.summary.lifetime_earned = self
                .summary
                .lifetime_earned
                .sub_or(reverse, "lifetime earned")?;
            self.ledger(LedgerKind::Reverse, -reverse, Some(rid));
        }
        let mut after = receipt.clone();
        for (line, q) in after.lines.iter_mut().zip(&returned_qty) {
            line.returned_qty = *q;
        }
        after.returned = totals;
        if let Some(tiers) = &self.program.tiers
            && tiers
                .window_start(self.at)
                .is_none_or(|from| receipt.at > from)
        {
            self.spend_delta = receipt.returned.contribution - totals.contribution;
        }
        // Challenge clawbacks reverse like the return's own reversal, before the refund.
        self.goals.set_spend_delta(self.spend_delta);
        self.goals.on_return(&receipt, &after)?;
        self.apply_goal_intents()?;
        if refund > 0 {
            self.credit(LotSource::Refund, refund, Some(rid))?;
            self.ledger(LedgerKind::Refund, refund, Some(rid));
        }
        self.effects.push(Effect::UpdateReturns {
            receipt_id: receipt.id.clone(),
            returned_qty,
            totals,
        });
        Ok(())
    }
}
