//! The inbox's rules, pure: which offers can be activated and how long
//! their coupon lives, which messages retention evicts first, when expired
//! messages are purged, and which "points expiring soon" notices are due.
//! The store only runs the statements.

use std::collections::BTreeMap;

use chrono::Duration;

use super::model::{MAX_MESSAGES, Message, MessageState, OfferCoupon, PURGE_AFTER_DAYS};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::NoticeId;
use crate::kernel::time::Time;
use crate::program::Program;
use crate::wallet::model::{Notice, NoticeDetail};
use crate::wallet::view::WalletView;

/// Days an activated offer's coupon lives when neither the offer nor its
/// message says.
pub const DEFAULT_OFFER_COUPON_DAYS: i64 = 30;

/// Whether the offer in `m` can be activated at `at`, and until when its
/// coupon is valid: `coupon_valid_days` from now, else until the message
/// expires, else [`DEFAULT_OFFER_COUPON_DAYS`]. Errors in order:
/// not_an_offer, already_activated, offer_expired.
pub fn activation(m: &Message, at: Time) -> Result<(OfferCoupon, Time)> {
    let id = &m.content.id;
    let coupon = m
        .content
        .coupon
        .clone()
        .ok_or_else(|| LoyaltyError::NotAnOffer {
            message_id: id.clone(),
        })?;
    if m.activated_at.is_some() {
        return Err(LoyaltyError::AlreadyActivated {
            message_id: id.clone(),
        });
    }
    if m.content.expires_at.is_some_and(|e| e <= at) {
        return Err(LoyaltyError::OfferExpired {
            message_id: id.clone(),
        });
    }
    let days = |d: i64| {
        at.checked_add_signed(Duration::days(d))
            .ok_or(LoyaltyError::Overflow {
                what: "offer coupon expiry",
            })
    };
    let until = match (coupon.valid_days, m.content.expires_at) {
        (Some(d), _) => days(d)?,
        (None, Some(e)) => e,
        (None, None) => days(DEFAULT_OFFER_COUPON_DAYS)?,
    };
    Ok((coupon, until))
}

/// A stored message as retention ranks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Message id.
    pub id: String,
    /// Its state.
    pub state: MessageState,
    /// Pinned by the sender.
    pub pinned: bool,
    /// When it arrived.
    pub received_at: Time,
}

/// How many of `count` stored messages retention must evict.
pub fn excess(count: i64) -> i64 {
    (count - MAX_MESSAGES as i64).max(0)
}

/// The `n` messages retention evicts: unpinned before pinned, read before
/// unread, oldest first (by arrival, then id).
pub fn evict(mut kept: Vec<Kept>, n: i64) -> Vec<Kept> {
    kept.sort_by(|a, b| {
        (
            a.pinned,
            a.state == MessageState::Unread,
            a.received_at,
            &a.id,
        )
            .cmp(&(
                b.pinned,
                b.state == MessageState::Unread,
                b.received_at,
                &b.id,
            ))
    });
    kept.truncate(usize::try_from(n).unwrap_or(0));
    kept
}

/// Messages that expired at or before this instant are purged at `now`.
pub fn purge_cutoff(now: Time) -> Time {
    now.checked_sub_signed(Duration::days(PURGE_AFTER_DAYS))
        .unwrap_or(now)
}

/// "Points expiring soon" messages due at `at`: one per lot with points left
/// that expires within the program's `inbox.expiry_warning_days` and was not
/// announced yet. They are about "now", so the inbox refresh writes them
/// (replaying old events never announces long-gone expiries).
/// `debited` holds points taken but not yet written.
pub fn expiring_notices(
    program: &Program,
    view: &dyn WalletView,
    at: Time,
    debited: &BTreeMap<i64, i64>,
) -> Result<Vec<Notice>> {
    let days = program.inbox.expiry_warning_days;
    if days == 0 || program.expiry.is_none() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let Some(until) = at.checked_add_signed(Duration::days(days)) else {
        return Ok(Vec::new());
    };
    for lot in view.lots_expiring(at, until)? {
        let left = lot.remaining - debited.get(&lot.id).copied().unwrap_or(0);
        let id = NoticeId::PointsExpiring { lot: lot.id };
        if let Some(expires_at) = lot.expires_at
            && left > 0
            && !view.message_known(&id.to_string())?
        {
            out.push(Notice {
                id,
                at,
                detail: NoticeDetail::Expiring {
                    points: left,
                    expires_at,
                },
            });
        }
    }
    Ok(out)
}
