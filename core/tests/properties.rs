//! Property tests over random event sequences:
//! - the SQLite store and the in-memory model agree after every step (same
//!   errors, same snapshot), including the cached qualifying-spend window;
//! - balance = live lots − debt, and a debt only exists once the lots are empty;
//! - rebuilding from the event log gives the same state;
//! - a failed event changes nothing.

use chrono::{DateTime, Duration};
use loyalty_core::goals::goal_views;
use loyalty_core::program::Program;
use loyalty_core::store::Store;
use loyalty_core::wallet::memory::MemoryWallet;
use loyalty_core::wallet::{
    BonusKind, CouponBenefit, CouponScope, Event, LineInput, PurchaseInput, ReturnInput,
    ReturnLineInput, Time, WalletView, snapshot,
};
use proptest::prelude::*;

const PROGRAM: &str = r#"{
  "currency": "RUB", "utc_offset": "+03:00",
  "earn": {"rule": {"per_step": {"step": "100", "points": 7}}, "excluded_categories": ["tobacco"],
           "sku_bonus": [{"sku": "B", "points": 3}]},
  "expiry": {"months": 2, "round": "end_of_month"},
  "redemption": {"point_value": "0.50", "max_percent": 60},
  "tiers": {"window_days": 20, "levels": [
    {"id": "bronze", "threshold": "0"},
    {"id": "silver", "threshold": "800", "discount_percent": "5", "earn_percent": "10", "perks": ["Free delivery over 3000"]},
    {"id": "gold", "threshold": "2000", "discount_percent": "12.5", "perks": ["Free delivery", "A personal consultant"]}]},
  "member_discount": {"first_purchase_percent": "15", "percent": "7"},
  "rewards": [{"id": "p", "cost": 40, "coupon": {"percent": "15", "valid_days": 5}},
              {"id": "a", "cost": 25, "coupon": {"amount_off": "30.00", "valid_days": 9}},
              {"id": "o", "cost": 30, "coupon": {"percent": "20", "valid_days": 6, "applies_to": {"one_item": true}}},
              {"id": "m", "cost": 20, "coupon": {"amount_off": "50.00", "valid_days": 7, "applies_to": {"skus": ["A", "T"]}, "min_spend": "300.00"}}],
  "bonuses": {"welcome": 60, "birthday": 35, "referral": 20,
              "custom": [{"id": "survey", "points": 11, "limit": "per_key"},
                         {"id": "event", "points": 13, "limit": "once"},
                         {"id": "poll", "points": 4, "limit": "none"}]},
  "challenges": [
    {"id": "items5", "title": "items5", "goal": {"metric": "items", "category": "food", "target": 5}, "reward": {"points": 40}, "ends_at": "2026-02-10T00:00:00Z"},
    {"id": "rep", "title": "rep", "goal": {"metric": "purchases", "target": 2}, "reward": {"coupon": {"percent": "5", "valid_days": 3, "applies_to": {"category": "clothing"}}}, "repeat": "on_complete"},
    {"id": "wk", "title": "wk", "goal": {"metric": "spend", "target": "300"}, "reward": {"points": 15}, "repeat": "weekly"},
    {"id": "days", "title": "days", "goal": {"metric": "distinct_days", "target": 3}, "reward": {"badge": "hero"}},
    {"id": "opt", "title": "opt", "opt_in": true, "goal": {"metric": "referrals", "target": 1}, "reward": {"points": 5}},
    {"id": "meta", "title": "meta", "goal": {"metric": "challenges_completed", "target": 3}, "reward": {"points": 9}}
  ],
  "badges": [
    {"id": "hero", "title": "hero", "goal": {"metric": "purchases", "target": 1000}},
    {"id": "buyer", "title": "buyer", "goal": {"metric": "purchases"}, "levels": [2, 5, 9]},
    {"id": "streak", "title": "streak", "goal": {"metric": "week_streak", "target": 2}},
    {"id": "silver", "title": "silver", "goal": {"metric": "tier", "tier": "silver"}},
    {"id": "food", "title": "food", "goal": {"metric": "spend", "category": "food"}, "levels": ["500", "2000"]}
  ]
}"#;

#[derive(Debug, Clone)]
enum Op {
    Purchase {
        lines: Vec<(u8, u8, u32)>,
        coupon: Option<u8>,
        pay: u16,
    },
    Return {
        receipt: u8,
        sku: u8,
        qty: u8,
    },
    Redeem {
        reward: u8,
        coupon: u8,
    },
    /// A bonus (one of [`BONUSES`]) with or without a key.
    Bonus(u8, Option<u8>),
    /// An offer's coupon activated (one of three scopes).
    Offer(u8),
    Tick,
    Join(bool),
    /// The program changes its rules (one of [`variants`]).
    Rules(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (
            prop::collection::vec((0u8..3, 1u8..4, 0u32..120_000), 0..4),
            prop::option::of(0u8..9),
            prop_oneof![3 => Just(0u16), 1 => 0u16..300],
        )
            .prop_map(|(lines, coupon, pay)| Op::Purchase { lines, coupon, pay }),
        2 => (0u8..12, 0u8..3, 0u8..4).prop_map(|(receipt, sku, qty)| Op::Return { receipt, sku, qty }),
        1 => (0u8..4, 0u8..6).prop_map(|(reward, coupon)| Op::Redeem { reward, coupon }),
        2 => (0u8..6, prop::option::of(0u8..2)).prop_map(|(k, key)| Op::Bonus(k, key)),
        1 => (0u8..3).prop_map(Op::Offer),
        1 => Just(Op::Tick),
        1 => any::<bool>().prop_map(Op::Join),
        1 => (0u8..3).prop_map(Op::Rules),
    ]
}

const SKUS: [&str; 3] = ["A", "B", "T"];
const CATEGORIES: [&str; 3] = ["food", "clothing", "tobacco"];
const BONUSES: [&str; 6] = ["welcome", "birthday", "referral", "survey", "event", "poll"];
const REWARDS: [&str; 4] = ["p", "a", "o", "m"];

/// Coupon ids a purchase may name: rewards' `c0`…`c5`, then offers'.
fn coupon_id(c: u8) -> String {
    match c {
        0..6 => format!("c{c}"),
        _ => format!("offer:m{}", c - 6),
    }
}

fn to_event(op: &Op, n: usize) -> Event {
    match op {
        Op::Purchase { lines, coupon, pay } => Event::Purchase(PurchaseInput {
            receipt_id: format!("r{n}"),
            lines: lines
                .iter()
                .map(|(sku, qty, amount)| LineInput {
                    sku: SKUS[*sku as usize].into(),
                    category: Some(CATEGORIES[*sku as usize].into()),
                    qty: *qty as i64,
                    amount: format!("{}.{:02}", amount / 100, amount % 100),
                })
                .collect(),
            coupon: coupon.map(coupon_id),
            pay_points: if *pay == 0 { None } else { Some(*pay as i64) },
        }),
        Op::Return { receipt, sku, qty } => Event::Return(ReturnInput {
            receipt_id: format!("r{receipt}"),
            lines: vec![ReturnLineInput {
                sku: SKUS[*sku as usize].into(),
                qty: *qty as i64,
            }],
        }),
        Op::Redeem { reward, coupon } => Event::RedeemReward {
            reward_id: REWARDS[*reward as usize].into(),
            coupon_id: format!("c{coupon}"),
        },
        Op::Bonus(k, key) => Event::Bonus {
            kind: BonusKind::parse(BONUSES[*k as usize]).unwrap(),
            key: key.map(|q| format!("2026-q{q}")),
        },
        Op::Offer(k) => Event::ActivateOffer {
            message_id: format!("m{k}"),
            benefit: if *k == 1 {
                CouponBenefit::AmountOff(4_000)
            } else {
                CouponBenefit::Percent(1_000)
            },
            scope: match k {
                0 => CouponScope {
                    category: Some("food".into()),
                    min_spend: Some(20_000),
                    ..CouponScope::default()
                },
                1 => CouponScope {
                    skus: vec!["B".into()],
                    one_item: true,
                    ..CouponScope::default()
                },
                _ => CouponScope::default(),
            },
            valid_until_ms: (start() + Duration::days(6)).timestamp_millis(),
        },
        Op::Tick => Event::Tick {},
        Op::Join(known) => Event::JoinChallenge {
            challenge_id: if *known { "opt" } else { "wk" }.into(),
        },
        // A rules change is not an event; callers apply it themselves.
        Op::Rules(_) => Event::Tick {},
    }
}

/// The rules a program changes between: the base, a lower earn rate with a
/// longer tier window and a shorter expiry, and one whose reward costs more
/// and whose points pay less of a receipt.
fn variants() -> [String; 3] {
    [
        PROGRAM.to_string(),
        PROGRAM
            .replace(r#""points": 7}"#, r#""points": 2}"#)
            .replace(r#""window_days": 20"#, r#""window_days": 45"#)
            .replace(r#""months": 2"#, r#""months": 1"#),
        PROGRAM
            .replace(r#""cost": 40"#, r#""cost": 90"#)
            .replace(r#""max_percent": 60"#, r#""max_percent": 20"#)
            .replace(r#""percent": "7"}"#, r#""percent": "13"}"#)
            .replace(r#""limit": "per_key""#, r#""limit": "once""#),
    ]
}

fn start() -> Time {
    DateTime::parse_from_rfc3339("2026-01-20T09:00:00Z")
        .unwrap()
        .to_utc()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn store_and_model_agree(steps in prop::collection::vec((op(), 0u32..(9 * 24 * 60)), 1..45)) {
        let texts = variants();
        let programs: Vec<Program> = texts.iter().map(|t| Program::from_json(t).unwrap()).collect();
        let mut program = programs[0].clone();
        let mut store = Store::open_in_memory().unwrap();
        store.set_program(PROGRAM).unwrap();
        let mut model = MemoryWallet::new();
        let mut at = start();
        for (n, (op, minutes)) in steps.iter().enumerate() {
            at += Duration::minutes(*minutes as i64);
            if let Op::Rules(k) = op {
                // Later events run under the new rules; earlier ones keep theirs.
                store.set_program(&texts[*k as usize]).unwrap();
                program = programs[*k as usize].clone();
                continue;
            }
            let event = to_event(op, n);
            let before = store.snapshot(at, 45, 100).unwrap();
            let stored = store.apply(&event, at);
            let modelled = model.apply(&program, &event, at);
            match (&stored, &modelled) {
                (Ok(a), Ok(b)) => prop_assert_eq!(&a.purchase, &b.purchase),
                (Err(a), Err(b)) => {
                    prop_assert_eq!(a, b);
                    // Nothing changed.
                    prop_assert_eq!(store.snapshot(at, 45, 100).unwrap(), before);
                }
                _ => prop_assert!(false, "store {:?} vs model {:?} for {:?}", stored, modelled, event),
            }
            let s = store.snapshot(at, 45, 100).unwrap();
            let m = snapshot(&program, &model, at, 45, 100).unwrap();
            prop_assert_eq!(&s, &m);
            prop_assert_eq!(store.goal_views(at).unwrap(), goal_views(&program, &model, at).unwrap());

            // Invariant: balance = live lots - debt; a debt means the lots are empty.
            let live: i64 = model
                .lots()
                .iter()
                .filter(|l| l.expires_at.is_none_or(|e| e > at))
                .map(|l| l.remaining)
                .sum();
            prop_assert_eq!(s.balance, live - s.debt);
            prop_assert!(s.debt == 0 || live == 0);
            prop_assert!(s.debt >= 0);
        }
        // Rebuilding from the event log reproduces the state.
        let rebuilt = store.rebuild().unwrap();
        prop_assert_eq!(
            snapshot(&program, &rebuilt, at, 45, 100).unwrap(),
            store.snapshot(at, 45, 100).unwrap()
        );
        // Challenge and badge state rebuilt from the log equals the incremental state.
        prop_assert_eq!(goal_views(&program, &rebuilt, at).unwrap(), store.goal_views(at).unwrap());
        prop_assert_eq!(
            rebuilt.goal_state().unwrap(),
            store.with_view(|v| v.goal_state()).unwrap()
        );
    }

    #[test]
    fn full_return_gives_back_exactly_what_the_receipt_gave(
        qty in 1i64..9,
        amount in 1u32..500_000,
        split in prop::collection::vec(1i64..4, 1..9),
        pay in 0i64..200,
    ) {
        // Without challenges: a repeating challenge's reward is (by design) not clawed back.
        let mut rules: serde_json::Value = serde_json::from_str(PROGRAM).unwrap();
        rules.as_object_mut().unwrap().remove("challenges");
        let program = Program::from_value(&rules).unwrap();
        let mut model = MemoryWallet::new();
        let mut at = start();
        model.apply(&program, &Event::Bonus { kind: BonusKind::Welcome , key: None }, at).unwrap();
        let purchase = Event::Purchase(PurchaseInput {
            receipt_id: "r".into(),
            lines: vec![LineInput { sku: "B".into(), category: None, qty, amount: format!("{}.{:02}", amount / 100, amount % 100) }],
            coupon: None,
            pay_points: Some(pay.min(60)),
        });
        let before = snapshot(&program, &model, at, 30, 0).unwrap();
        if model.apply(&program, &purchase, at).is_err() {
            return Ok(()); // over the cap: nothing to return
        }
        let mut left = qty;
        for part in split {
            if left == 0 { break; }
            let q = part.min(left);
            left -= q;
            at += Duration::minutes(1);
            model.apply(&program, &Event::Return(ReturnInput { receipt_id: "r".into(), lines: vec![ReturnLineInput { sku: "B".into(), qty: q }] }), at).unwrap();
        }
        if left > 0 {
            model.apply(&program, &Event::Return(ReturnInput { receipt_id: "r".into(), lines: vec![ReturnLineInput { sku: "B".into(), qty: left }] }), at).unwrap();
        }
        let after = snapshot(&program, &model, at, 30, 0).unwrap();
        prop_assert_eq!(after.balance, before.balance);
        prop_assert_eq!(after.lifetime_earned, before.lifetime_earned);
        prop_assert_eq!(after.qualifying_spend, 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary text never panics the rules parser; it is accepted or refused with a code
    /// (loyalty-scenario proves the same of the scenario parser).
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}", amount in ".{0,24}", qty in any::<i64>(), pay in any::<i64>()) {
        if let Err(e) = Program::from_json(&text) {
            prop_assert_eq!(e.code(), "invalid_rules");
        }
        let program = Program::from_json(PROGRAM).unwrap();
        let mut model = MemoryWallet::new();
        let event = Event::Purchase(PurchaseInput {
            receipt_id: text.chars().take(40).collect(),
            lines: vec![LineInput { sku: "A".into(), category: None, qty, amount }],
            coupon: None,
            pay_points: Some(pay),
        });
        let _ = model.apply(&program, &event, start());
    }

    /// Huge but valid amounts and quantities end in a result or an error, never an overflow panic.
    #[test]
    fn extreme_numbers_never_panic(qty in 1i64..=i64::MAX, lines in 1usize..40) {
        let program = Program::from_json(PROGRAM).unwrap();
        let mut model = MemoryWallet::new();
        let purchase = Event::Purchase(PurchaseInput {
            receipt_id: "big".into(),
            lines: (0..lines).map(|_| LineInput { sku: "B".into(), category: None, qty, amount: "10000000000000".into() }).collect(),
            coupon: None,
            pay_points: None,
        });
        let _ = model.apply(&program, &purchase, start());
        let ret = Event::Return(ReturnInput { receipt_id: "big".into(), lines: vec![ReturnLineInput { sku: "B".into(), qty: qty.min(3) }] });
        let _ = model.apply(&program, &ret, start());
    }
}
