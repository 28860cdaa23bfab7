//! The wallet as a shopper sees it at an instant: balance, tier and progress,
//! expiring points, coupons, recent history. Read-only: expiry that is due
//! but not yet applied by an event is accounted for, not written.

use chrono::Duration;

use super::model::{Coupon, DiscountSource, LedgerEntry, Receipt};
use super::view::WalletView;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::money::Checked;
use crate::kernel::time::Time;
use crate::program::Program;

/// The wallet at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletSnapshot {
    /// The instant.
    pub at: Time,
    /// Program currency.
    pub currency: String,
    /// Spendable points (negative while a debt is owed).
    pub balance: i64,
    /// Points owed after returns.
    pub debt: i64,
    /// Points earned by purchases and bonuses, minus reversals.
    pub lifetime_earned: i64,
    /// Points lost to expiry.
    pub expired_total: i64,
    /// Qualifying spend in minor units.
    pub qualifying_spend: i64,
    /// Tier and progress; `None` when the program has no tiers.
    pub tier: Option<TierStatus>,
    /// The discount the next purchase gets (D1); `None` when it gets none.
    pub next_discount: Option<NextDiscount>,
    /// Points expiring soon.
    pub expiring: ExpiringPoints,
    /// Unused coupons still valid, soonest expiry first.
    pub coupons: Vec<Coupon>,
    /// Newest history entries first.
    pub history: Vec<LedgerEntry>,
    /// The most recent purchase.
    pub last_purchase: Option<Receipt>,
}

/// Current tier and the way to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierStatus {
    /// Tier id.
    pub id: String,
    /// Position in the ladder, 0 = first.
    pub index: usize,
    /// The tier's perks, in the program's order.
    pub perks: Vec<String>,
    /// The next tier, if any.
    pub next: Option<NextTier>,
}

/// The next tier and what is missing to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextTier {
    /// Tier id.
    pub id: String,
    /// Its threshold in minor units.
    pub threshold: i64,
    /// Spend still needed, in minor units.
    pub remaining: i64,
    /// Its perks, in the program's order ("reach Gold to get …").
    pub perks: Vec<String>,
}

/// The purchase discount the member's next purchase gets, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDiscount {
    /// Percent in hundredths (1500 = 15 %).
    pub percent: i64,
    /// The rule that gives it.
    pub source: DiscountSource,
}

/// Points expiring within a horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringPoints {
    /// Horizon in days.
    pub days: i64,
    /// Points in lots with `at < expires_at <= at + days`.
    pub points: i64,
    /// The next expiry instant, if any points will expire.
    pub next_expiry: Option<Time>,
}

/// Computes the snapshot at `at`.
pub fn snapshot(
    program: &Program,
    view: &dyn WalletView,
    at: Time,
    expiring_days: i64,
    history_limit: usize,
) -> Result<WalletSnapshot> {
    let summary = view.summary()?;
    let due = view.expiring_points(None, at)?;
    let balance = summary
        .live_points
        .sub_or(due, "balance")?
        .sub_or(summary.debt, "balance")?;
    let horizon = at
        .checked_add_signed(
            Duration::try_days(expiring_days).ok_or(LoyaltyError::Overflow {
                what: "expiring horizon",
            })?,
        )
        .ok_or(LoyaltyError::Overflow {
            what: "expiring horizon",
        })?;
    let expiring = ExpiringPoints {
        days: expiring_days,
        points: view.expiring_points(Some(at), horizon)?,
        next_expiry: view.next_expiry(at)?,
    };
    let (qualifying_spend, tier) = match &program.tiers {
        // Without tiers there is no window: report lifetime spend.
        None => (view.qualifying_spend(None, at)?, None),
        Some(tiers) => {
            let from = tiers.window_start(at);
            let spend = view.qualifying_spend(from, at)?;
            let status = program.tier_for(spend).map(|(index, level)| TierStatus {
                id: level.id.clone(),
                index,
                perks: level.perks.clone(),
                next: tiers.levels.get(index + 1).map(|n| NextTier {
                    id: n.id.clone(),
                    threshold: n.threshold,
                    remaining: n.threshold.saturating_sub(spend).max(0),
                    perks: n.perks.clone(),
                }),
            });
            (spend, status)
        }
    };
    // Without tiers `tier_for` finds none, whatever the spend.
    let tier_percent = program
        .tier_for(qualifying_spend)
        .map_or(0, |(_, l)| l.discount_percent);
    let last_purchase = view.last_purchase()?;
    let next_discount = match program
        .member_discount
        .discount(tier_percent, last_purchase.is_none())
    {
        (percent, Some(source)) => Some(NextDiscount { percent, source }),
        (_, None) => None,
    };
    Ok(WalletSnapshot {
        at,
        currency: program.currency.clone(),
        balance,
        debt: summary.debt,
        lifetime_earned: summary.lifetime_earned,
        expired_total: summary.expired_total.add_or(due, "expired total")?,
        qualifying_spend,
        tier,
        next_discount,
        expiring,
        coupons: view.active_coupons(at)?,
        history: view.history(history_limit)?,
        last_purchase,
    })
}
