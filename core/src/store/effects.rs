//! Writing an event's effects: each [`Effect`] the engine returned becomes
//! the statements that record it, inside the event's transaction.

use std::sync::LazyLock;

use rusqlite::params;

use super::sql::{COUPON_COLS, NEVER, SqlView, benefit_to_cols, corrupt, json, ms};
use crate::kernel::error::Result;
use crate::program::Program;
use crate::wallet::view::{Effect, WalletView};

/// Inserts a coupon row (every column).
static INSERT_COUPON: LazyLock<String> = LazyLock::new(|| {
    format!("INSERT INTO coupons ({COUPON_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
});

impl SqlView<'_> {
    /// Finishes the effects written since the last flush: writes the held
    /// records that changed, and keeps the inbox within its retention bound
    /// once for all the notices written. Called before anything else reads
    /// and before the transaction commits.
    pub(crate) fn flush(&self) -> Result<()> {
        self.flush_held()?;
        if self.take_retention_due() {
            super::inbox::enforce_retention(self.conn)?;
        }
        Ok(())
    }

    /// Writes one effect of an event with sequence number `seq` (taken, so
    /// the goal record moves into the view's held copy).
    pub(crate) fn write(&self, program: &Program, seq: i64, effect: Effect) -> Result<()> {
        match effect {
            Effect::ExpireLot { lot_id, points } | Effect::DebitLot { lot_id, points } => {
                self.debit(lot_id, points)?;
            }
            Effect::CreateLot(l) => {
                self.stmt(
                    "INSERT INTO lots (source, receipt_id, points, remaining, earned_at, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    l.source.as_str(),
                    l.receipt_id,
                    l.points,
                    l.remaining,
                    ms(l.earned_at),
                    l.expires_at.map_or(NEVER, ms)
                ])?;
            }
            Effect::AddReceipt(r) => {
                self.stmt(
                    "INSERT INTO receipts (id, event_seq, at, eligible, excluded, tier_discount, \
                     coupon_discount, coupon_id, points_paid, points_earned, payable, contribution, counted) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?
                .execute(params![
                    r.id,
                    seq,
                    ms(r.at),
                    r.eligible,
                    r.excluded,
                    r.tier_discount,
                    r.coupon_discount,
                    r.coupon_id,
                    r.points_paid,
                    r.points_earned,
                    r.payable,
                    r.contribution,
                    json(&r.counted)?
                ])?;
                let mut stmt = self.stmt(
                    "INSERT INTO receipt_lines (receipt_id, line_no, sku, category, qty, amount, eligible) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for (i, l) in r.lines.iter().enumerate() {
                    stmt.execute(params![
                        r.id, i as i64, l.sku, l.category, l.qty, l.amount, l.eligible
                    ])?;
                }
                self.receipt_added(ms(r.at));
                self.adjust_window(ms(r.at), r.contribution)?;
            }
            Effect::UpdateReturns {
                receipt_id,
                returned_qty,
                totals,
            } => {
                let (at, before): (i64, i64) = self
                    .stmt("SELECT at, ret_contribution FROM receipts WHERE id = ?1")?
                    .query_row([&receipt_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                self.stmt(
                    "UPDATE receipts SET ret_eligible = ?2, ret_total = ?3, ret_reversed = ?4, \
                     ret_refunded = ?5, ret_contribution = ?6 WHERE id = ?1",
                )?
                .execute(params![
                    receipt_id,
                    totals.eligible,
                    totals.total,
                    totals.reversed_points,
                    totals.refunded_points,
                    totals.contribution
                ])?;
                let mut stmt = self.stmt(
                    "UPDATE receipt_lines SET returned_qty = ?3 WHERE receipt_id = ?1 AND line_no = ?2",
                )?;
                for (i, q) in returned_qty.iter().enumerate() {
                    stmt.execute(params![receipt_id, i as i64, q])?;
                }
                self.adjust_window(at, before - totals.contribution)?;
            }
            Effect::IssueCoupon(cp) => {
                let (kind, value) = benefit_to_cols(cp.benefit);
                self.stmt(&INSERT_COUPON)?.execute(params![
                    cp.id,
                    cp.source,
                    kind,
                    value,
                    ms(cp.issued_at),
                    ms(cp.expires_at),
                    cp.used_at.map(ms),
                    super::sql::scope_to_col(&cp.scope)?
                ])?;
            }
            Effect::UseCoupon { coupon_id, at } => {
                let changed = self
                    .stmt("UPDATE coupons SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL")?
                    .execute(params![coupon_id, ms(at)])?;
                if changed != 1 {
                    return Err(corrupt(format!("coupon {coupon_id} cannot be used")));
                }
            }
            Effect::GrantBonus { kind, period, at } => {
                if !period.is_empty() {
                    self.stmt("INSERT INTO bonuses (kind, period, at) VALUES (?1, ?2, ?3)")?
                        .execute(params![kind.as_str(), period, ms(at)])?;
                }
            }
            Effect::Ledger(e) => {
                self.stmt(
                    "INSERT INTO ledger (event_seq, at, kind, points, reference) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![seq, ms(e.at), e.kind.as_str(), e.points, e.reference])?;
            }
            Effect::SetGoalState(g) => self.set_goal_state(g),
            Effect::AdjustGoalPeriod { goal, key, delta } => {
                if delta > 0 {
                    self.stmt(
                        "INSERT INTO goal_periods (goal, key, count) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (key, goal) DO UPDATE SET count = count + excluded.count",
                    )?
                    .execute(params![goal, key, delta])?;
                } else if delta < 0 {
                    // A row reaching zero is removed in the same statement pair.
                    self.stmt(
                        "DELETE FROM goal_periods WHERE goal = ?1 AND key = ?2 AND count + ?3 <= 0",
                    )?
                    .execute(params![goal, key, delta])?;
                    self.stmt(
                        "UPDATE goal_periods SET count = count + ?3 WHERE goal = ?1 AND key = ?2",
                    )?
                    .execute(params![goal, key, delta])?;
                }
            }
            Effect::Notify(n) => {
                if super::inbox::write_notice_unbounded(self.conn, program, &n, |id| {
                    self.message_known(id)
                })? {
                    self.note_retention_due();
                }
            }
            Effect::RevokeCoupon { coupon_id } => {
                self.stmt("DELETE FROM coupons WHERE id = ?1 AND used_at IS NULL")?
                    .execute([coupon_id])?;
            }
            Effect::SetSummary(s) => self.set_summary(&s)?,
        }
        Ok(())
    }
}
