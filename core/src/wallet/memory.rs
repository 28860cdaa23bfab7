//! An in-memory wallet: the reference model the SQLite store is checked
//! against, and the way to rebuild state from an event log without a database.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::engine::{self, Outcome};
use super::model::{BonusKind, Coupon, Event, LedgerEntry, Lot, Receipt, Summary};
use super::view::{Effect, WalletView};
use crate::goals::model::GoalState;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;
use crate::program::Program;

/// A whole wallet held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryWallet {
    summary: Summary,
    lots: Vec<Lot>,
    receipts: BTreeMap<String, Receipt>,
    last_receipt: Option<String>,
    coupons: BTreeMap<String, Coupon>,
    bonuses: BTreeSet<(BonusKind, String)>,
    ledger: Vec<LedgerEntry>,
    goals: GoalState,
    periods: BTreeMap<(String, i64), i64>,
    notices: BTreeMap<String, super::model::Notice>,
}

impl MemoryWallet {
    /// An empty wallet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one event; on error nothing changes.
    pub fn apply(&mut self, program: &Program, event: &Event, at: Time) -> Result<Outcome> {
        let outcome = engine::apply(program, self, event, at)?;
        self.apply_effects(&outcome.effects)?;
        Ok(outcome)
    }

    /// Applies effects produced by the engine against this wallet's state.
    pub fn apply_effects(&mut self, effects: &[Effect]) -> Result<()> {
        // Apply to a copy so that a malformed effect list leaves us untouched.
        let mut next = self.clone();
        for effect in effects {
            next.apply_one(effect)?;
        }
        *self = next;
        Ok(())
    }

    fn lot_mut(&mut self, id: i64) -> Result<&mut Lot> {
        self.lots
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or_else(|| LoyaltyError::Corrupt {
                reason: format!("lot {id} does not exist"),
            })
    }

    fn apply_one(&mut self, effect: &Effect) -> Result<()> {
        match effect {
            Effect::ExpireLot { lot_id, points } | Effect::DebitLot { lot_id, points } => {
                let lot = self.lot_mut(*lot_id)?;
                if lot.remaining < *points {
                    return Err(LoyaltyError::Corrupt {
                        reason: format!("lot {lot_id} has fewer points than taken"),
                    });
                }
                lot.remaining -= points;
            }
            Effect::CreateLot(new) => {
                let id = self.lots.last().map_or(1, |l| l.id + 1);
                self.lots.push(Lot {
                    id,
                    source: new.source,
                    receipt_id: new.receipt_id.clone(),
                    points: new.points,
                    remaining: new.remaining,
                    earned_at: new.earned_at,
                    expires_at: new.expires_at,
                });
            }
            Effect::AddReceipt(r) => {
                self.last_receipt = Some(r.id.clone());
                self.receipts.insert(r.id.clone(), r.clone());
            }
            Effect::UpdateReturns {
                receipt_id,
                returned_qty,
                totals,
            } => {
                let r = self
                    .receipts
                    .get_mut(receipt_id)
                    .ok_or_else(|| LoyaltyError::Corrupt {
                        reason: format!("receipt {receipt_id} does not exist"),
                    })?;
                for (line, q) in r.lines.iter_mut().zip(returned_qty) {
                    line.returned_qty = *q;
                }
                r.returned = *totals;
            }
            Effect::IssueCoupon(c) => {
                self.coupons.insert(c.id.clone(), c.clone());
            }
            Effect::UseCoupon { coupon_id, at } => {
                if let Some(c) = self.coupons.get_mut(coupon_id) {
                    c.used_at = Some(*at);
                }
            }
            Effect::GrantBonus { kind, period, .. } => {
                self.bonuses.insert((kind.clone(), period.clone()));
            }
            Effect::Ledger(e) => {
                let id = self.ledger.last().map_or(1, |l| l.id + 1);
                self.ledger.push(LedgerEntry {
                    id,
                    at: e.at,
                    kind: e.kind,
                    points: e.points,
                    reference: e.reference.clone(),
                });
            }
            Effect::SetSummary(s) => self.summary = *s,
            Effect::SetGoalState(g) => self.goals = g.clone(),
            Effect::Notify(n) => {
                self.notices
                    .entry(n.id.to_string())
                    .or_insert_with(|| n.clone());
            }
            Effect::AdjustGoalPeriod { goal, key, delta } => {
                let count = self.periods.entry((goal.clone(), *key)).or_insert(0);
                *count += delta;
                if *count <= 0 {
                    self.periods.remove(&(goal.clone(), *key));
                }
            }
            Effect::RevokeCoupon { coupon_id } => {
                if self
                    .coupons
                    .get(coupon_id)
                    .is_some_and(|c| c.used_at.is_none())
                {
                    self.coupons.remove(coupon_id);
                }
            }
        }
        Ok(())
    }

    /// Messages the engine generated, by id.
    pub fn notices(&self) -> &BTreeMap<String, super::model::Notice> {
        &self.notices
    }

    /// All lots, in creation order.
    pub fn lots(&self) -> &[Lot] {
        &self.lots
    }
}

fn alive_after(lot: &Lot, at: Time) -> bool {
    lot.expires_at.is_none_or(|e| e > at)
}

impl WalletView for MemoryWallet {
    fn summary(&self) -> Result<Summary> {
        Ok(self.summary)
    }

    fn lots_due(&self, at: Time) -> Result<Vec<Lot>> {
        Ok(self
            .lots
            .iter()
            .filter(|l| l.remaining > 0 && !alive_after(l, at))
            .cloned()
            .collect())
    }

    fn lots_to_spend(&self, at: Time, need: i64, skip: Option<i64>) -> Result<Vec<Lot>> {
        let mut live: Vec<&Lot> = self
            .lots
            .iter()
            .filter(|l| l.remaining > 0 && alive_after(l, at) && Some(l.id) != skip)
            .collect();
        live.sort_by_key(|l| (l.expires_at.is_none(), l.expires_at, l.id));
        let mut out = Vec::new();
        let mut sum = 0i64;
        for lot in live {
            if sum >= need {
                break;
            }
            sum = sum.saturating_add(lot.remaining);
            out.push(lot.clone());
        }
        Ok(out)
    }

    fn lots_expiring(&self, from: Time, to: Time) -> Result<Vec<Lot>> {
        let mut lots: Vec<Lot> = self
            .lots
            .iter()
            .filter(|l| l.remaining > 0 && l.expires_at.is_some_and(|e| e > from && e <= to))
            .cloned()
            .collect();
        lots.sort_by_key(|l| (l.expires_at, l.id));
        Ok(lots)
    }

    fn purchase_lot(&self, receipt_id: &str) -> Result<Option<Lot>> {
        Ok(self
            .lots
            .iter()
            .find(|l| {
                l.source == super::model::LotSource::Purchase
                    && l.receipt_id.as_deref() == Some(receipt_id)
            })
            .cloned())
    }

    fn receipt(&self, receipt_id: &str) -> Result<Option<Receipt>> {
        Ok(self.receipts.get(receipt_id).cloned())
    }

    fn has_receipt(&self, receipt_id: &str) -> Result<bool> {
        Ok(self.receipts.contains_key(receipt_id))
    }

    fn last_purchase(&self) -> Result<Option<Receipt>> {
        Ok(self
            .last_receipt
            .as_ref()
            .and_then(|id| self.receipts.get(id))
            .cloned())
    }

    fn coupon(&self, coupon_id: &str) -> Result<Option<Coupon>> {
        Ok(self.coupons.get(coupon_id).cloned())
    }

    fn active_coupons(&self, at: Time) -> Result<Vec<Coupon>> {
        let mut active: Vec<Coupon> = self
            .coupons
            .values()
            .filter(|c| c.used_at.is_none() && c.expires_at > at)
            .cloned()
            .collect();
        active.sort_by(|a, b| (a.expires_at, &a.id).cmp(&(b.expires_at, &b.id)));
        Ok(active)
    }

    fn bonus_granted(&self, kind: &BonusKind, period: &str) -> Result<bool> {
        Ok(self.bonuses.contains(&(kind.clone(), period.to_string())))
    }

    fn qualifying_spend(&self, from: Option<Time>, to: Time) -> Result<i64> {
        Ok(self
            .receipts
            .values()
            .filter(|r| from.is_none_or(|f| r.at > f) && r.at <= to)
            .map(|r| r.contribution - r.returned.contribution)
            .sum())
    }

    fn expiring_points(&self, from: Option<Time>, to: Time) -> Result<i64> {
        Ok(self
            .lots
            .iter()
            .filter(|l| l.remaining > 0)
            .filter(|l| {
                l.expires_at
                    .is_some_and(|e| from.is_none_or(|f| e > f) && e <= to)
            })
            .map(|l| l.remaining)
            .sum())
    }

    fn next_expiry(&self, after: Time) -> Result<Option<Time>> {
        Ok(self
            .lots
            .iter()
            .filter(|l| l.remaining > 0)
            .filter_map(|l| l.expires_at)
            .filter(|e| *e > after)
            .min())
    }

    fn history(&self, limit: usize) -> Result<Vec<LedgerEntry>> {
        Ok(self.ledger.iter().rev().take(limit).cloned().collect())
    }

    fn goal_state(&self) -> Result<Arc<GoalState>> {
        Ok(Arc::new(self.goals.clone()))
    }

    fn message_known(&self, id: &str) -> Result<bool> {
        Ok(self.notices.contains_key(id))
    }

    fn goal_period_count(&self, goal: &str, key: i64) -> Result<i64> {
        Ok(self
            .periods
            .get(&(goal.to_string(), key))
            .copied()
            .unwrap_or(0))
    }

    fn goal_period_keys(&self, goal: &str, max_key: i64, limit: usize) -> Result<Vec<i64>> {
        Ok(self
            .periods
            .range((goal.to_string(), i64::MIN)..=(goal.to_string(), max_key))
            .rev()
            .filter(|(_, c)| **c > 0)
            .map(|((_, k), _)| *k)
            .take(limit)
            .collect())
    }
}
