//! The pure wallet rules: one event plus the current state in, effects out.
//!
//! Checks run in a fixed order — the event's own shape, then ids, then state —
//! and every check happens before any effect is produced, so a failed event
//! yields an error and no effects at all.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::model::{
    BonusKind, Coupon, Event, LedgerKind, LotSource, NewLedgerEntry, NewLot, PurchaseInput,
    PurchaseQuote, Summary,
};
use super::model::{Notice, NoticeDetail};
use super::view::{Effect, WalletView};
use crate::goals::eval::{GoalEval, GoalIntent};
use crate::kernel::coupon::{CouponBenefit, CouponScope};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::NoticeId;
use crate::kernel::ids::id_problem;
use crate::kernel::money::Checked;
use crate::kernel::time::Time;
use crate::program::Program;
use crate::wallet::bonus_rules::BonusLimit;
use crate::wallet::rules::ExpiryRound;

/// What applying one event produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// State changes, in order.
    pub effects: Vec<Effect>,
    /// For purchases: what the purchase gave.
    pub purchase: Option<PurchaseQuote>,
}

/// Applies one event at `at` to the state seen through `view`.
pub fn apply(program: &Program, view: &dyn WalletView, event: &Event, at: Time) -> Result<Outcome> {
    let mut tx = Tx::begin(program, view, at)?;
    let purchase = match event {
        Event::Purchase(p) => Some(tx.purchase(p, true)?),
        Event::Return(r) => {
            tx.ret(r)?;
            None
        }
        Event::RedeemReward {
            reward_id,
            coupon_id,
        } => {
            tx.redeem(reward_id, coupon_id)?;
            None
        }
        Event::Bonus { kind, key } => {
            tx.bonus(kind, key.as_deref())?;
            None
        }
        Event::Tick {} => None,
        Event::JoinChallenge { challenge_id } => {
            check_id("challenge_id", challenge_id)?;
            tx.goals.join(challenge_id)?;
            None
        }
        Event::ActivateOffer {
            message_id,
            benefit,
            scope,
            valid_until_ms,
        } => {
            tx.activate_offer(message_id, *benefit, scope, *valid_until_ms)?;
            None
        }
    };
    tx.notice_tier_up()?;
    if let Event::Bonus {
        kind: BonusKind::Referral,
        ..
    } = event
    {
        tx.goals.on_referral()?;
    }
    tx.goals.set_spend_delta(tx.spend_delta);
    tx.goals.settle()?;
    tx.goals.finish();
    tx.apply_goal_intents()?;
    Ok(tx.finish(purchase))
}

/// What a purchase would give, by the same code path as [`apply`], changing nothing.
pub fn preview_purchase(
    program: &Program,
    view: &dyn WalletView,
    input: &PurchaseInput,
    at: Time,
) -> Result<PurchaseQuote> {
    let mut tx = Tx::begin(program, view, at)?;
    tx.purchase(input, false)
}

/// The instant a lot credited at `at` expires, per the program's expiry rule.
pub fn lot_expiry(program: &Program, at: Time) -> Result<Option<Time>> {
    let Some(expiry) = program.expiry else {
        return Ok(None);
    };
    let overflow = LoyaltyError::Overflow {
        what: "lot expiry date",
    };
    let offset = program.zone;
    let local = offset.local(at);
    let later = local
        .checked_add_months(Months::new(expiry.months))
        .ok_or(overflow.clone())?;
    let local_expiry = match expiry.round {
        ExpiryRound::None => later,
        ExpiryRound::EndOfMonth => {
            let (y, m) = if later.month() == 12 {
                (later.year().checked_add(1).ok_or(overflow.clone())?, 1)
            } else {
                (later.year(), later.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .ok_or(overflow.clone())?
        }
    };
    let utc = offset.instant(local_expiry).ok_or(overflow)?;
    Ok(Some(utc))
}

/// The shape checks every receipt's lines share, in order: quantities, then
/// that there are lines at all, then the skus.
pub(super) fn check_lines<'a>(lines: impl Iterator<Item = (i64, &'a str)> + Clone) -> Result<()> {
    for (i, (qty, _)) in lines.clone().enumerate() {
        if qty < 1 {
            return Err(LoyaltyError::InvalidQuantity {
                field: format!("lines[{i}].qty"),
                qty,
            });
        }
    }
    if lines.clone().next().is_none() {
        return Err(LoyaltyError::EmptyReceipt);
    }
    for (i, (_, sku)) in lines.enumerate() {
        check_id(&format!("lines[{i}].sku"), sku)?;
    }
    Ok(())
}

/// Checks an id in an event with the one id check ([`id_problem`]).
pub(crate) fn check_id(field: &str, id: &str) -> Result<()> {
    match id_problem(id) {
        Some(reason) => Err(LoyaltyError::InvalidId {
            field: field.to_string(),
            reason: reason.to_string(),
        }),
        None => Ok(()),
    }
}

/// One event being applied: a working copy of the totals and the effects so far.
pub(super) struct Tx<'a> {
    pub(super) program: &'a Program,
    pub(super) view: &'a dyn WalletView,
    pub(super) at: Time,
    pub(super) summary: Summary,
    pub(super) effects: Vec<Effect>,
    /// The goals' part of the event.
    pub(super) goals: GoalEval<'a>,
    /// Change of the qualifying spend (at `at`) made by this event.
    pub(super) spend_delta: i64,
    /// Points taken from each existing lot by this event so far.
    debited: BTreeMap<i64, i64>,
}

impl<'a> Tx<'a> {
    /// Starts an event: lots due at `at` expire first.
    fn begin(program: &'a Program, view: &'a dyn WalletView, at: Time) -> Result<Self> {
        let mut tx = Tx {
            program,
            view,
            at,
            summary: view.summary()?,
            effects: Vec::new(),
            goals: GoalEval::new(program, view, at),
            spend_delta: 0,
            debited: BTreeMap::new(),
        };
        let mut expired = 0i64;
        for lot in view.lots_due(at)? {
            expired = expired.add_or(lot.remaining, "expired points")?;
            tx.effects.push(Effect::ExpireLot {
                lot_id: lot.id,
                points: lot.remaining,
            });
        }
        if expired > 0 {
            tx.summary.live_points = tx.summary.live_points.sub_or(expired, "live points")?;
            tx.summary.expired_total = tx.summary.expired_total.add_or(expired, "expired total")?;
            tx.ledger(LedgerKind::Expire, -expired, None);
        }
        Ok(tx)
    }

    fn finish(mut self, purchase: Option<PurchaseQuote>) -> Outcome {
        self.summary.last_event_at = Some(self.at);
        self.effects.push(Effect::SetSummary(self.summary));
        Outcome {
            effects: self.effects,
            purchase,
        }
    }

    pub(super) fn balance(&self) -> Result<i64> {
        self.summary
            .live_points
            .sub_or(self.summary.debt, "balance")
    }

    pub(super) fn ledger(&mut self, kind: LedgerKind, points: i64, reference: Option<&str>) {
        self.effects.push(Effect::Ledger(NewLedgerEntry {
            at: self.at,
            kind,
            points,
            reference: reference.map(str::to_string),
        }));
    }

    /// Takes `points` from live lots, earliest expiry first (never-expiring
    /// last), skipping `skip`. Returns how many points could not be taken.
    pub(super) fn take_from_lots(&mut self, points: i64, skip: Option<i64>) -> Result<i64> {
        let mut need = points;
        if need <= 0 {
            return Ok(0);
        }
        // Lots already debited by this event show their stored remaining; ask for enough.
        let pending: i64 = self.debited.values().sum();
        for lot in self
            .view
            .lots_to_spend(self.at, need.saturating_add(pending), skip)?
        {
            if need == 0 {
                break;
            }
            let left = lot.remaining - self.debited.get(&lot.id).copied().unwrap_or(0);
            let take = left.min(need);
            if take <= 0 {
                continue;
            }
            self.debit(lot.id, take)?;
            need -= take;
        }
        Ok(need)
    }

    /// Takes `points` from one lot (already checked to hold them).
    pub(super) fn debit(&mut self, lot_id: i64, points: i64) -> Result<()> {
        self.effects.push(Effect::DebitLot { lot_id, points });
        *self.debited.entry(lot_id).or_insert(0) += points;
        self.summary.live_points = self.summary.live_points.sub_or(points, "live points")?;
        Ok(())
    }

    /// Credits a new lot; debt is paid first.
    pub(super) fn credit(
        &mut self,
        source: LotSource,
        points: i64,
        receipt_id: Option<&str>,
    ) -> Result<()> {
        if points <= 0 {
            return Ok(());
        }
        let pay_debt = self.summary.debt.min(points);
        self.summary.debt -= pay_debt;
        let remaining = points - pay_debt;
        self.summary.live_points = self.summary.live_points.add_or(remaining, "live points")?;
        self.effects.push(Effect::CreateLot(NewLot {
            source,
            receipt_id: receipt_id.map(str::to_string),
            points,
            remaining,
            earned_at: self.at,
            expires_at: lot_expiry(self.program, self.at)?,
        }));
        Ok(())
    }

    /// Qualifying spend just before the current event.
    pub(super) fn qualifying_spend_now(&self) -> Result<i64> {
        let Some(tiers) = &self.program.tiers else {
            return Ok(0);
        };
        // Read once per event: the tier discount, the tier-up notice and
        // every tier goal ask for the same figure.
        self.goals.stored_spend(|| {
            self.view
                .qualifying_spend(tiers.window_start(self.at), self.at)
        })
    }

    fn activate_offer(
        &mut self,
        message_id: &str,
        benefit: CouponBenefit,
        scope: &CouponScope,
        valid_until_ms: i64,
    ) -> Result<()> {
        check_id("message_id", message_id)?;
        if let Some(reason) = benefit.problem() {
            return Err(LoyaltyError::amount("benefit", reason));
        }
        if let Some(reason) = scope.problem() {
            return Err(if reason.starts_with("min_spend") {
                LoyaltyError::amount("scope.min_spend", reason)
            } else {
                LoyaltyError::InvalidId {
                    field: "scope".into(),
                    reason,
                }
            });
        }
        let coupon_id = format!("offer:{message_id}");
        if self.view.coupon(&coupon_id)?.is_some() {
            return Err(LoyaltyError::AlreadyActivated {
                message_id: message_id.to_string(),
            });
        }
        let expires_at = chrono::DateTime::from_timestamp_millis(valid_until_ms).ok_or(
            LoyaltyError::Overflow {
                what: "offer coupon expiry",
            },
        )?;
        self.effects.push(Effect::IssueCoupon(Coupon {
            id: coupon_id,
            source: "offer".into(),
            benefit,
            scope: scope.clone(),
            issued_at: self.at,
            expires_at,
            used_at: None,
        }));
        Ok(())
    }

    /// Applies what the goals asked for so far, in their order.
    pub(super) fn apply_goal_intents(&mut self) -> Result<()> {
        for intent in self.goals.take_intents() {
            match intent {
                GoalIntent::Effect(e) => self.effects.push(e),
                GoalIntent::Credit { challenge, points } => {
                    self.credit(LotSource::Challenge, points, None)?;
                    self.summary.lifetime_earned = self
                        .summary
                        .lifetime_earned
                        .add_or(points, "lifetime earned")?;
                    self.ledger(LedgerKind::Challenge, points, Some(&challenge));
                }
                GoalIntent::ClawBack { challenge, points } => {
                    let short = self.take_from_lots(points, None)?;
                    self.summary.debt = self.summary.debt.add_or(short, "debt")?;
                    self.summary.lifetime_earned = self
                        .summary
                        .lifetime_earned
                        .sub_or(points, "lifetime earned")?;
                    self.ledger(LedgerKind::Clawback, -points, Some(&challenge));
                }
            }
        }
        Ok(())
    }

    /// "You reached Gold": once per tier, when this event lifts the member into it.
    fn notice_tier_up(&mut self) -> Result<()> {
        if self.spend_delta <= 0 || self.program.tiers.is_none() {
            return Ok(());
        }
        let before = self.qualifying_spend_now()?;
        let after = before.add_or(self.spend_delta, "qualifying spend")?;
        let (Some((b, _)), Some((a, level))) =
            (self.program.tier_for(before), self.program.tier_for(after))
        else {
            return Ok(());
        };
        if a > b {
            let id = NoticeId::TierReached {
                tier: level.id.clone(),
            };
            if !self.view.message_known(&id.to_string())? {
                self.effects.push(Effect::Notify(Notice {
                    id,
                    at: self.at,
                    detail: NoticeDetail::None,
                }));
            }
        }
        Ok(())
    }

    /// Buys a reward with points: the reward's cost is taken from the lots
    /// (earliest expiry first) and its coupon is issued under `coupon_id`.
    /// Errors in order: ids, unknown_reward, duplicate_coupon, insufficient_points.
    fn redeem(&mut self, reward_id: &str, coupon_id: &str) -> Result<()> {
        check_id("reward_id", reward_id)?;
        check_id("coupon_id", coupon_id)?;
        let reward = self
            .program
            .reward(reward_id)
            .ok_or_else(|| LoyaltyError::UnknownReward {
                reward_id: reward_id.to_string(),
            })?;
        if self.view.coupon(coupon_id)?.is_some() {
            return Err(LoyaltyError::DuplicateCoupon {
                coupon_id: coupon_id.to_string(),
            });
        }
        let balance = self.balance()?;
        if reward.cost > balance {
            return Err(LoyaltyError::InsufficientPoints {
                needed: reward.cost,
                available: balance,
            });
        }
        let short = self.take_from_lots(reward.cost, None)?;
        if short > 0 {
            return Err(LoyaltyError::Corrupt {
                reason: format!("lots hold {short} points fewer than the balance"),
            });
        }
        let expires_at = self
            .at
            .checked_add_signed(Duration::days(reward.coupon.valid_days))
            .ok_or(LoyaltyError::Overflow {
                what: "coupon expiry",
            })?;
        self.effects.push(Effect::IssueCoupon(Coupon {
            id: coupon_id.to_string(),
            source: reward.id.clone(),
            benefit: reward.coupon.benefit,
            scope: reward.coupon.scope.clone(),
            issued_at: self.at,
            expires_at,
            used_at: None,
        }));
        self.ledger(LedgerKind::Redeem, -reward.cost, Some(coupon_id));
        Ok(())
    }

    /// Grants a bonus. Errors in order: the key's shape (invalid_id),
    /// bonus_not_configured, a key where none is taken or none where one is
    /// needed (invalid_id), bonus_already_granted.
    fn bonus(&mut self, kind: &BonusKind, key: Option<&str>) -> Result<()> {
        if let Some(k) = key {
            check_id("key", k)?;
        }
        if let BonusKind::Custom(id) = kind {
            check_id("kind", id)?;
        }
        let b = &self.program.bonuses;
        let not_configured = || LoyaltyError::BonusNotConfigured {
            kind: kind.as_str().into(),
        };
        let (points, limit) = match kind {
            BonusKind::Welcome => (b.welcome.ok_or_else(not_configured)?, BonusLimit::Once),
            BonusKind::Birthday => (b.birthday.ok_or_else(not_configured)?, BonusLimit::Once),
            BonusKind::Referral => (b.referral.ok_or_else(not_configured)?, BonusLimit::None),
            BonusKind::Custom(id) => {
                let c = b.custom(id).ok_or_else(not_configured)?;
                (c.points, c.limit)
            }
        };
        let period = match (limit, key) {
            (BonusLimit::PerKey, Some(k)) => k.to_string(),
            (BonusLimit::PerKey, None) => {
                return Err(LoyaltyError::InvalidId {
                    field: "key".into(),
                    reason: format!(
                        "the {} bonus is granted once per key: give the key (a survey's quarter, an event's id)",
                        kind.as_str()
                    ),
                });
            }
            (_, Some(_)) => {
                return Err(LoyaltyError::InvalidId {
                    field: "key".into(),
                    reason: format!("the {} bonus takes no key: leave it out", kind.as_str()),
                });
            }
            (_, None) if *kind == BonusKind::Birthday => {
                self.program.zone.local(self.at).year().to_string()
            }
            (BonusLimit::Once, None) => "once".to_string(),
            (BonusLimit::None, None) => String::new(),
        };
        if !period.is_empty() && self.view.bonus_granted(kind, &period)? {
            return Err(LoyaltyError::BonusAlreadyGranted {
                kind: kind.as_str().into(),
            });
        }
        self.effects.push(Effect::GrantBonus {
            kind: kind.clone(),
            period,
            at: self.at,
        });
        self.credit(LotSource::Bonus, points, None)?;
        self.summary.lifetime_earned = self
            .summary
            .lifetime_earned
            .add_or(points, "lifetime earned")?;
        self.ledger(LedgerKind::Bonus, points, Some(kind.as_str()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn program(expiry: &str, offset: &str) -> Program {
        Program::from_json(&format!(
            r#"{{"currency":"RUB","utc_offset":"{offset}","earn":{{"rule":{{"percent":"10"}}}},"expiry":{expiry}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn month_end_expiry_clamps() {
        let p = program(r#"{"months":1}"#, "+00:00");
        assert_eq!(
            lot_expiry(&p, t("2026-01-31T10:00:00Z")).unwrap(),
            Some(t("2026-02-28T10:00:00Z"))
        );
        assert_eq!(
            lot_expiry(&p, t("2028-01-31T10:00:00Z")).unwrap(),
            Some(t("2028-02-29T10:00:00Z"))
        );
    }

    #[test]
    fn end_of_month_rounding_uses_local_time() {
        let p = program(r#"{"months":12,"round":"end_of_month"}"#, "+03:00");
        // 2026-01-31T22:00Z is already Feb 1st in +03:00 → Feb 2027 → expires 2027-03-01T00:00+03:00.
        assert_eq!(
            lot_expiry(&p, t("2026-01-31T22:00:00Z")).unwrap(),
            Some(t("2027-02-28T21:00:00Z"))
        );
        let p = program(r#"{"months":1,"round":"end_of_month"}"#, "+00:00");
        assert_eq!(
            lot_expiry(&p, t("2026-12-15T00:00:00Z")).unwrap(),
            Some(t("2027-02-01T00:00:00Z"))
        );
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("f", "").is_err());
        assert!(check_id("f", &"x".repeat(129)).is_err());
        assert!(check_id("f", "a\u{0}b").is_err());
        assert!(check_id("f", "r-1").is_ok());
    }
}
