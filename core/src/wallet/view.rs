//! The read interface the engine needs, and the effects it produces.

use std::sync::Arc;

use super::model::{
    BonusKind, Coupon, LedgerEntry, Lot, NewLedgerEntry, NewLot, Notice, Receipt, ReturnTotals,
    Summary,
};
use crate::goals::model::GoalState;
use crate::kernel::error::Result;
use crate::kernel::time::Time;

/// Read access to a wallet's current state, as the engine needs it.
///
/// Implementations answer from indexed storage; none of these should need a
/// scan of the whole history.
pub trait WalletView {
    /// Running totals.
    fn summary(&self) -> Result<Summary>;
    /// Lots with points left whose expiry is at or before `at`.
    fn lots_due(&self, at: Time) -> Result<Vec<Lot>>;
    /// Lots with points left that are alive after `at`, earliest expiry first
    /// (never-expiring last, then creation order), skipping `skip`, stopping
    /// as soon as their remaining points reach `need`.
    fn lots_to_spend(&self, at: Time, need: i64, skip: Option<i64>) -> Result<Vec<Lot>>;
    /// Lots with points left and `from < expires_at <= to`, earliest first.
    fn lots_expiring(&self, from: Time, to: Time) -> Result<Vec<Lot>>;
    /// The lot a purchase earned, if any.
    fn purchase_lot(&self, receipt_id: &str) -> Result<Option<Lot>>;
    /// A recorded receipt with its lines.
    fn receipt(&self, receipt_id: &str) -> Result<Option<Receipt>>;
    /// Whether a receipt id is already recorded.
    fn has_receipt(&self, receipt_id: &str) -> Result<bool>;
    /// The most recent purchase.
    fn last_purchase(&self) -> Result<Option<Receipt>>;
    /// A coupon by id.
    fn coupon(&self, coupon_id: &str) -> Result<Option<Coupon>>;
    /// Unused coupons that are still valid at `at`, soonest expiry first.
    fn active_coupons(&self, at: Time) -> Result<Vec<Coupon>>;
    /// Whether a bonus was granted for this period key.
    fn bonus_granted(&self, kind: &BonusKind, period: &str) -> Result<bool>;
    /// Net qualifying contributions of purchases with `from < at <= to`
    /// (`from = None`: since the beginning).
    fn qualifying_spend(&self, from: Option<Time>, to: Time) -> Result<i64>;
    /// Points left in lots with `from < expires_at <= to` (`from = None`: any earlier expiry).
    fn expiring_points(&self, from: Option<Time>, to: Time) -> Result<i64>;
    /// The earliest expiry after `after` among lots with points left.
    fn next_expiry(&self, after: Time) -> Result<Option<Time>>;
    /// Newest history entries first.
    fn history(&self, limit: usize) -> Result<Vec<LedgerEntry>>;
    /// Challenge and badge state, shared: a view may hold it for a batch of
    /// events, and an event copies it only to change it.
    fn goal_state(&self) -> Result<Arc<GoalState>>;
    /// Whether the inbox holds (or held) a message with this id.
    fn message_known(&self, id: &str) -> Result<bool>;
    /// Purchases counted for `goal` in period `key` (a day or a week).
    fn goal_period_count(&self, goal: &str, key: i64) -> Result<i64>;
    /// [`goal_period_count`](Self::goal_period_count) of each of `goals` in
    /// period `key`, in their order (a store reads them at once).
    fn goal_period_counts(&self, goals: &[&str], key: i64) -> Result<Vec<i64>> {
        goals
            .iter()
            .map(|g| self.goal_period_count(g, key))
            .collect()
    }
    /// Period keys of `goal` with purchases, at most `max_key`, newest first, at most `limit`.
    fn goal_period_keys(&self, goal: &str, max_key: i64, limit: usize) -> Result<Vec<i64>>;
}

/// One state change the engine asks the store to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A lot expired with `points` left.
    ExpireLot {
        /// Lot id.
        lot_id: i64,
        /// Points it had left.
        points: i64,
    },
    /// Points taken from a lot.
    DebitLot {
        /// Lot id.
        lot_id: i64,
        /// Points taken.
        points: i64,
    },
    /// A new lot.
    CreateLot(NewLot),
    /// A new purchase record.
    AddReceipt(Receipt),
    /// New cumulative return figures of a receipt.
    UpdateReturns {
        /// Receipt id.
        receipt_id: String,
        /// New returned quantity per line index.
        returned_qty: Vec<i64>,
        /// New cumulative totals.
        totals: ReturnTotals,
    },
    /// A new coupon.
    IssueCoupon(Coupon),
    /// A coupon used up.
    UseCoupon {
        /// Coupon id.
        coupon_id: String,
        /// When.
        at: Time,
    },
    /// A bonus granted for a period key.
    GrantBonus {
        /// Kind.
        kind: BonusKind,
        /// Period key ("once", the local year, a `per_key` bonus's key, or
        /// empty for repeatable bonuses).
        period: String,
        /// When.
        at: Time,
    },
    /// A history entry.
    Ledger(NewLedgerEntry),
    /// The new running totals.
    SetSummary(Summary),
    /// The new challenge and badge state.
    SetGoalState(GoalState),
    /// Purchases counted for a goal in a period (a day or a week) change by `delta`.
    AdjustGoalPeriod {
        /// Goal key ("c:<challenge>" or "b:<badge>").
        goal: String,
        /// Period key.
        key: i64,
        /// Change.
        delta: i64,
    },
    /// A message for the inbox (ignored if its id is already known).
    Notify(Notice),
    /// An unused coupon taken back (challenge clawback).
    RevokeCoupon {
        /// Coupon id.
        coupon_id: String,
    },
}
