//! The demo wallet: a sample program and a few months of sample activity,
//! the same for the CLI's `loyalty demo`, the apps' demo mode and previews,
//! and the desktop screenshots of the app screens.

use chrono::Duration;

use super::{ChangeArea, Done, Session};
use crate::card::secret_from_hex;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;
use crate::store::Store;
use crate::wallet::model::{
    BonusKind, Event, LineInput, PurchaseInput, ReturnInput, ReturnLineInput,
};

/// The demo member's card number (a valid EAN-13, so old tills can scan it too).
pub const DEMO_CARD: &str = "4006381333931";

/// The demo program: 5/10/15 % back by tier, Gold also gets 5 % off, points
/// live 6 months, a 500-point coupon for 20 % off.
pub const DEMO_PROGRAM: &str = r#"{
  "currency": "RUB",
  "utc_offset": "+03:00",
  "earn": {
    "rule": {"per_step": {"step": "1000", "points": 100}},
    "excluded_categories": ["tobacco"],
    "earn_on_points_paid": false,
    "sku_bonus": [{"sku": "COFFEE-BEANS", "points": 50}]
  },
  "expiry": {"months": 6},
  "redemption": {"point_value": "1.00", "max_percent": 50},
  "tiers": {"window_days": 365, "levels": [
    {"id": "bronze", "threshold": "0", "earn_percent": "5"},
    {"id": "silver", "threshold": "10000", "earn_percent": "10"},
    {"id": "gold", "threshold": "20000", "earn_percent": "15", "discount_percent": "5"}
  ]},
  "rewards": [{"id": "c20", "cost": 500, "coupon": {"percent": "20", "valid_days": 30}}],
  "bonuses": {"welcome": 100, "birthday": 200, "referral": 300},
  "challenges": [
    {"id": "sport3", "title": "Buy 3 sport items", "goal": {"metric": "items", "category": "sport", "target": 3},
     "reward": {"points": 300}},
    {"id": "every3rd", "title": "Every 3rd purchase: 10% off the next", "goal": {"metric": "purchases", "target": 3},
     "reward": {"coupon": {"percent": "10", "valid_days": 14}}, "repeat": "on_complete"},
    {"id": "month5k", "title": "Spend 5 000 this month", "goal": {"metric": "spend", "target": "5000"},
     "reward": {"points": 250}, "repeat": "monthly"},
    {"id": "coffee", "title": "Coffee lover: 5 bags of beans", "opt_in": true,
     "goal": {"metric": "items", "sku": "COFFEE-BEANS", "target": 5}, "reward": {"points": 150}}
  ],
  "badges": [
    {"id": "first", "title": "First purchase", "goal": {"metric": "purchases", "target": 1}},
    {"id": "buyer", "title": "Regular", "goal": {"metric": "purchases"}, "levels": [5, 25, 100]},
    {"id": "gold", "title": "Gold member", "goal": {"metric": "tier", "tier": "gold"}},
    {"id": "streak4", "title": "4 weeks in a row", "goal": {"metric": "week_streak", "target": 4}}
  ]
}"#;

fn line(sku: &str, category: &str, qty: i64, amount: &str) -> LineInput {
    LineInput {
        sku: sku.into(),
        category: Some(category.into()),
        qty,
        amount: amount.into(),
    }
}

fn purchase(id: &str, lines: Vec<LineInput>, coupon: Option<&str>, pay: Option<i64>) -> Event {
    Event::Purchase(PurchaseInput {
        receipt_id: id.into(),
        lines,
        coupon: coupon.map(str::to_string),
        pay_points: pay,
    })
}

/// Sample activity over the 190 days before `now`.
pub fn sample_events(now: Time) -> Vec<(Time, Event)> {
    let day = |d: i64| now - Duration::days(190 - d);
    vec![
        (
            day(0),
            Event::Bonus {
                kind: BonusKind::Welcome,
                key: None,
            },
        ),
        (
            day(5),
            purchase(
                "R-1001",
                vec![
                    line("MILK-1L", "dairy", 2, "178.00"),
                    line("BREAD", "bakery", 1, "64.90"),
                ],
                None,
                None,
            ),
        ),
        (
            day(20),
            purchase(
                "R-1002",
                vec![
                    line("RUN-SHOES", "sport", 1, "6490.00"),
                    line("SOCKS", "sport", 3, "897.00"),
                ],
                None,
                None,
            ),
        ),
        (
            day(30),
            Event::Bonus {
                kind: BonusKind::Referral,
                key: None,
            },
        ),
        (
            day(32),
            purchase(
                "R-1003",
                vec![
                    line("COFFEE-BEANS", "grocery", 2, "1380.00"),
                    line("CIGS", "tobacco", 1, "250.00"),
                ],
                None,
                None,
            ),
        ),
        (
            day(90),
            Event::Return(ReturnInput {
                receipt_id: "R-1002".into(),
                lines: vec![ReturnLineInput {
                    sku: "SOCKS".into(),
                    qty: 1,
                }],
            }),
        ),
        (
            day(110),
            Event::RedeemReward {
                reward_id: "c20".into(),
                coupon_id: "C20-DEMO-1".into(),
            },
        ),
        (
            day(125),
            purchase(
                "R-1004",
                vec![line("BACKPACK", "outdoor", 1, "4590.00")],
                Some("C20-DEMO-1"),
                Some(200),
            ),
        ),
        (
            day(150),
            purchase(
                "R-1005",
                vec![
                    line("COFFEE-BEANS", "grocery", 1, "690.00"),
                    line("MUG", "home", 2, "798.00"),
                ],
                None,
                None,
            ),
        ),
        (
            day(175),
            purchase(
                "R-1006",
                vec![line("YOGA-MAT", "sport", 1, "2990.00")],
                None,
                None,
            ),
        ),
        (
            day(186),
            purchase(
                "R-1007",
                vec![
                    line("APPLES", "grocery", 3, "387.00"),
                    line("CHEESE", "dairy", 1, "459.50"),
                ],
                None,
                None,
            ),
        ),
    ]
}

/// Two pushed offers, as the app's FCM service would hand them over.
pub fn sample_pushes(now: Time) -> Vec<(i64, String)> {
    let until = (now + Duration::days(10)).to_rfc3339();
    vec![
        (
            30,
            format!(
                r#"{{"kind":"offer","message_id":"autumn-15","title":"15% off outdoor gear","body":"Activate and show your card at the till.","expires_at":"{until}","deep_link":"loyalty://offers/autumn-15","coupon_percent":"15","coupon_valid_days":"7","priority":"5"}}"#
            ),
        ),
        (
            2,
            format!(
                r#"{{"aps":{{"alert":{{"title":"Fresh coffee beans are in","body":"A new roast is on the shelves this week."}}}},"loyalty":{{"kind":"message","message_id":"coffee-week","expires_at":"{until}","pinned":true}}}}"#
            ),
        ),
    ]
}

/// Fills an empty wallet with the demo program, the demo card (its secret
/// from `secret_hex`, put into `secrets`) and the sample activity up to
/// `now`. Refused (`already_enrolled`) unless the wallet holds nobody.
/// The card comes first; a sample that fails stops the seeding with its
/// error (the samples are fixed, so only storage can fail).
pub fn seed(
    store: &mut Store,
    secrets: &dyn crate::card::SecretStore,
    secret: &[u8],
    now: Time,
) -> Result<()> {
    store.ensure_can_enroll()?;
    store.set_program(DEMO_PROGRAM)?;
    store.enroll_card(DEMO_CARD, secret, secrets, now)?;
    for (at, event) in sample_events(now) {
        store.apply(&event, at)?;
    }
    for (hours_ago, payload) in sample_pushes(now) {
        store.ingest_push(&payload, now - Duration::hours(hours_ago))?;
    }
    Ok(())
}

impl Session {
    /// Turns an empty wallet into the demo wallet (demo mode, previews,
    /// screenshots): the demo program and card with a fresh random secret,
    /// and a few months of sample purchases, returns, rewards and offers
    /// ending now. Refused (`already_enrolled`) when the wallet holds a
    /// member; everything changes.
    pub fn start_demo(&self) -> Done<()> {
        let result = (|| {
            let mut secret = [0u8; 20];
            getrandom::fill(&mut secret).map_err(|e| LoyaltyError::SecretStore {
                reason: format!("no randomness for the card secret: {e}"),
            })?;
            // A round trip through hex keeps one way of making secrets.
            let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
            let secret = secret_from_hex(&hex)?;
            seed(
                &mut self.store(),
                self.secrets.as_ref(),
                &secret,
                self.now(),
            )
        })();
        if result.is_ok() {
            self.forget_card();
        }
        Done::on_success(
            result,
            &[
                ChangeArea::Wallet,
                ChangeArea::Goals,
                ChangeArea::Inbox,
                ChangeArea::Card,
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::card::MemorySecretStore;
    use crate::session::{Session, SessionConfig};
    use crate::store::Store;

    #[test]
    fn the_demo_fills_an_empty_wallet_once() {
        let s = Session::new(
            Store::open_in_memory().unwrap(),
            Arc::new(MemorySecretStore::default()),
            SessionConfig::default(),
        )
        .unwrap();
        let done = s.start_demo();
        assert!(done.result.is_ok(), "{:?}", done.result);
        assert_eq!(done.changed.areas().len(), 4);
        let screen = s.store().snapshot(s.now(), 30, 20).unwrap();
        assert!(screen.balance > 0 && screen.history.len() > 5, "{screen:?}");
        assert!(
            s.card_view()
                .unwrap()
                .frame
                .payload
                .starts_with("LOY1:4006381333931:")
        );
        assert!(s.store().unread_count(s.now()).unwrap() >= 1);
        let again = s.start_demo();
        assert_eq!(again.result.unwrap_err().code(), "already_enrolled");
        assert!(again.changed.is_empty());
    }
}
