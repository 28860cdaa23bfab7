//! `loyalty demo`: a sample program and a few months of sample activity,
//! created once in the data folder and reopened afterwards.

use std::path::Path;

use chrono::Duration;
use loyalty_core::kernel::time::Clock;
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};
use loyalty_core::wallet::{
    BonusKind, Event, LineInput, PurchaseInput, ReturnInput, ReturnLineInput, Time,
};

use crate::{emit, err_text, render};

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
fn sample_events(now: Time) -> Vec<(Time, Event)> {
    let day = |d: i64| now - Duration::days(190 - d);
    vec![
        (
            day(0),
            Event::Bonus {
                kind: BonusKind::Welcome,
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
fn sample_pushes(now: Time) -> Vec<(i64, String)> {
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

/// Fills an empty wallet with the demo program, card and sample activity.
fn seed(store: &mut Store, db: &Path, now: Time) -> Result<(), String> {
    store.set_program(DEMO_PROGRAM).map_err(err_text)?;
    let secrets = SqliteSecretStore::open(db).map_err(err_text)?;
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| format!("no randomness for the card secret: {e}"))?;
    store
        .enroll_card(DEMO_CARD, &secret, &secrets, now)
        .map_err(err_text)?;
    for (at, event) in sample_events(now) {
        store
            .apply(&event, at)
            .map_err(|e| format!("sample {} failed: [{}] {e}", event.kind(), e.code()))?;
    }
    for (hours_ago, payload) in sample_pushes(now) {
        store
            .ingest_push(&payload, now - Duration::hours(hours_ago))
            .map_err(|e| format!("sample push failed: [{}] {e}", e.code()))?;
    }
    Ok(())
}

/// Builds the demo wallet beside `db` and moves it into place only if no
/// wallet is there yet: of two first runs at once, one wins and the other
/// reopens the winner's wallet; a run stopped halfway leaves no half-made
/// wallet behind. Returns whether this run's wallet was the one kept.
fn create(dir: &Path, db: &Path, now: Time) -> Result<bool, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create data folder {}: {e}", dir.display()))?;
    loyalty_core::store::make_private_dir(dir);
    let draft = dir.join(format!(".{DB_FILE}.creating-{}", std::process::id()));
    let remove_draft = || {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = draft.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    };
    remove_draft();
    let built = (|| {
        let mut store = Store::open(&draft).map_err(err_text)?;
        seed(&mut store, &draft, now)?;
        // The journal folded in: the draft file alone is the whole wallet.
        store.close().map_err(err_text)
    })();
    let kept = built.and_then(|()| match std::fs::hard_link(&draft, db) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(format!(
            "cannot put the demo wallet in place at {}: {e}",
            db.display()
        )),
    });
    remove_draft();
    kept
}

/// Creates the demo wallet on first run (reopens it afterwards) and prints it.
pub fn run(dir: &Path, clock: &dyn Clock) -> Result<(), String> {
    let db = dir.join(DB_FILE);
    let now = clock.now();
    let created = !db.exists() && create(dir, &db, now)?;
    let mut store = Store::open_dir(dir).map_err(err_text)?;
    if !created && store.program().is_none() {
        // A wallet file made by another command, still empty: seeded in place.
        seed(&mut store, &db, now)?;
        emit(&format!("Created a demo wallet in {}\n", dir.display()));
    } else if created {
        emit(&format!("Created a demo wallet in {}\n", dir.display()));
    } else {
        emit(&format!("Reopened the demo wallet in {}\n", dir.display()));
    }
    emit(
        "(pass --data-dir DIR to use another folder; `loyalty wallet --json` prints the same as JSON)\n\n",
    );
    let snap = store.snapshot(now, 30, 10).map_err(err_text)?;
    emit(&render::snapshot_text(store.program(), &snap));
    let (challenges, badges) = store.goal_views(now).map_err(err_text)?;
    emit(&format!(
        "\nChallenges:\n{}\nBadges:\n{}",
        crate::goals::challenges_text(&challenges),
        crate::goals::badges_text(&badges)
    ));
    let unread = store.unread_count(now).map_err(err_text)?;
    let latest: Vec<_> = store
        .list_messages(now, false)
        .map_err(err_text)?
        .into_iter()
        .take(3)
        .collect();
    emit(&format!(
        "\n{}",
        crate::inbox::list_text(&latest, unread, now).replacen(" shown", " latest shown", 1)
    ));
    drop(store);
    let card = crate::card::service_for(dir)?;
    let view = card.view(now).map_err(err_text)?;
    emit(&format!(
        "\nYour card (show it at the till; `loyalty card show` redraws it):\n{}",
        crate::card::card_text(&view)
    ));
    Ok(())
}
