//! A coupon in the wallet as the apps render it: what it gives, until when,
//! and what it applies to ("20 % off one item", "15 % off clothing from
//! 1000 ₽"). Money in minor units, times in epoch milliseconds.

use loyalty_core::kernel::coupon::CouponBenefit;
use loyalty_core::wallet as core_wallet;

/// A coupon in the wallet.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CouponInfo {
    /// Coupon id (show it at the till).
    pub id: String,
    /// Percent off in hundredths of a percent (1500 = 15 %), if a percent coupon.
    pub percent_hundredths: Option<i64>,
    /// Amount off in minor units, if an amount coupon.
    pub amount_off_minor: Option<i64>,
    /// Expiry, epoch milliseconds.
    pub expires_at_ms: i64,
    /// Only items of this category (null: any category).
    #[uniffi(default)]
    pub category: Option<String>,
    /// Only these skus (empty: any sku).
    #[uniffi(default)]
    pub skus: Vec<String>,
    /// Only one item: the priciest unit among those it applies to.
    #[uniffi(default)]
    pub one_item: bool,
    /// The receipt's eligible total must be at least this, minor units (null: no minimum).
    #[uniffi(default)]
    pub min_spend_minor: Option<i64>,
}

impl From<&core_wallet::Coupon> for CouponInfo {
    fn from(c: &core_wallet::Coupon) -> Self {
        Self {
            id: c.id.clone(),
            percent_hundredths: match c.benefit {
                CouponBenefit::Percent(p) => Some(p),
                CouponBenefit::AmountOff(_) => None,
            },
            amount_off_minor: match c.benefit {
                CouponBenefit::AmountOff(a) => Some(a),
                CouponBenefit::Percent(_) => None,
            },
            expires_at_ms: c.expires_at.timestamp_millis(),
            category: c.scope.category.clone(),
            skus: c.scope.skus.clone(),
            one_item: c.scope.one_item,
            min_spend_minor: c.scope.min_spend,
        }
    }
}
