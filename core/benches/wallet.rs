//! Wallet store benchmarks at 1 000 and 100 000 ledger entries on disk:
//! opening the store, the wallet snapshot every screen shows, and one purchase.
//! The purchase with 100 goals has its floor in the same run: the same
//! purchases on a wallet of the same events under the program without goals.
//!
//! `cargo bench -p loyalty-core` — the wallets are built once into
//! `bench-wallets/` under cargo's scratch folder for benches (`tmp/` in the
//! target directory, wherever `CARGO_TARGET_DIR` puts it) and copied fresh for
//! each run.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use criterion::{BenchmarkId, Criterion};

mod floor;
use loyalty_core::store::Store;
use loyalty_core::wallet::{
    BonusKind, Event, LineInput, PurchaseInput, ReturnInput, ReturnLineInput, Time,
};

const PROGRAM: &str = r#"{
  "currency": "RUB", "utc_offset": "+03:00",
  "earn": {"rule": {"per_step": {"step": "100", "points": 5}}, "excluded_categories": ["tobacco"]},
  "expiry": {"months": 12},
  "redemption": {"max_percent": 50},
  "tiers": {"window_days": 365, "levels": [
    {"id": "bronze", "threshold": "0"},
    {"id": "silver", "threshold": "10000", "discount_percent": "3"},
    {"id": "gold", "threshold": "50000", "discount_percent": "5"}]},
  "rewards": [{"id": "c20", "cost": 500, "coupon": {"percent": "20", "valid_days": 30}}],
  "bonuses": {"welcome": 100, "referral": 300}
}"#;

/// The program plus 50 challenges and 50 badges over every metric.
fn goals_program() -> String {
    let metrics = [
        r#"{"metric": "purchases", "target": 7}"#,
        r#"{"metric": "spend", "target": "5000"}"#,
        r#"{"metric": "items", "category": "food", "target": 9}"#,
        r#"{"metric": "distinct_days", "target": 5}"#,
        r#"{"metric": "week_streak", "target": 3}"#,
        r#"{"metric": "referrals", "target": 2}"#,
        r#"{"metric": "challenges_completed", "target": 4}"#,
        r#"{"metric": "purchases", "min_amount": "300", "target": 3}"#,
        r#"{"metric": "spend", "sku": "A", "target": "2000"}"#,
        r#"{"metric": "items", "target": 11}"#,
    ];
    let repeats = ["none", "on_complete", "weekly", "monthly", "on_complete"];
    let mut challenges = Vec::new();
    for i in 0..50 {
        let reward = match i % 3 {
            0 => r#"{"points": 25}"#.to_string(),
            1 => r#"{"coupon": {"percent": "5", "valid_days": 7}}"#.to_string(),
            _ => format!(r#"{{"badge": "b{}"}}"#, i % 50),
        };
        challenges.push(format!(
            r#"{{"id": "c{i}", "title": "Challenge {i}", "goal": {}, "reward": {reward}, "repeat": "{}"}}"#,
            metrics[i % metrics.len()],
            repeats[i % repeats.len()]
        ));
    }
    let mut badges = Vec::new();
    for i in 0..50 {
        let goal = if i % 10 == 9 {
            r#"{"metric": "tier", "tier": "gold"}"#
        } else {
            metrics[i % metrics.len()]
        };
        badges.push(format!(
            r#"{{"id": "b{i}", "title": "Badge {i}", "goal": {goal}}}"#
        ));
    }
    let base = PROGRAM.trim_end().trim_end_matches('}');
    format!(
        "{base}, \"challenges\": [{}], \"badges\": [{}]}}",
        challenges.join(","),
        badges.join(",")
    )
}

/// The program with a top-up bonus (so every iteration can afford a coupon)
/// and, when `scoped`, the issue-16 rules on the purchase path: a reward
/// coupon for 20 % off one food item over a 100 RUB minimum and a member
/// discount of 15 % on the first purchase, 10 % after.
fn coupon_program(scoped: bool) -> String {
    let base = PROGRAM.trim_end().trim_end_matches('}');
    let base = base.replace(
        r#""bonuses": {"welcome": 100, "referral": 300}"#,
        r#""bonuses": {"welcome": 100, "referral": 300,
            "custom": [{"id": "topup", "points": 500, "limit": "none"}]}"#,
    );
    if !scoped {
        return format!("{base}}}");
    }
    let base = base.replace(
        r#"{"percent": "20", "valid_days": 30}"#,
        r#"{"percent": "20", "valid_days": 30,
            "applies_to": {"one_item": true, "category": "food"}, "min_spend": "100.00"}"#,
    );
    format!(r#"{base}, "member_discount": {{"first_purchase_percent": "15", "percent": "10"}}}}"#)
}

/// Times one purchase paying with a freshly redeemed `c20` coupon per
/// iteration (the top-up and the redemption are outside the timing).
fn bench_coupon_purchase(store: &mut Store, now: Time, tag: &str, iters: u64) -> StdDuration {
    let mut total = StdDuration::ZERO;
    for i in 0..iters {
        let at = now + Duration::seconds(3 * i as i64);
        let bonus = Event::Bonus {
            kind: BonusKind::Custom("topup".into()),
            key: None,
        };
        store.apply(&bonus, at).unwrap();
        let coupon_id = format!("{tag}-k{i}");
        let redeem = Event::RedeemReward {
            reward_id: "c20".into(),
            coupon_id: coupon_id.clone(),
        };
        store.apply(&redeem, at + Duration::seconds(1)).unwrap();
        let Event::Purchase(mut input) = purchase(&format!("{tag}-r{i}"), i) else {
            unreachable!("purchase() builds a purchase")
        };
        input.coupon = Some(coupon_id);
        let event = Event::Purchase(input);
        let started = std::time::Instant::now();
        black_box(store.apply(&event, at + Duration::seconds(2)).unwrap());
        total += started.elapsed();
    }
    total
}

fn start() -> Time {
    DateTime::parse_from_rfc3339("1990-01-01T09:00:00Z")
        .unwrap()
        .to_utc()
}

/// One event every 6 hours: mostly purchases, some returns, rewards and bonuses.
fn event(i: u64) -> Event {
    match i % 20 {
        7 => Event::Return(ReturnInput {
            receipt_id: format!("r{}", i - 1),
            lines: vec![ReturnLineInput {
                sku: "A".into(),
                qty: 1,
            }],
        }),
        13 => Event::RedeemReward {
            reward_id: "c20".into(),
            coupon_id: format!("k{i}"),
        },
        19 => Event::Bonus {
            kind: BonusKind::Referral,
            key: None,
        },
        _ => purchase(&format!("r{i}"), i),
    }
}

fn purchase(id: &str, i: u64) -> Event {
    Event::Purchase(PurchaseInput {
        receipt_id: id.into(),
        lines: vec![
            LineInput {
                sku: "A".into(),
                category: Some("food".into()),
                qty: 2,
                amount: format!("{}.{:02}", 200 + i % 900, i % 100),
            },
            LineInput {
                sku: "T".into(),
                category: Some("tobacco".into()),
                qty: 1,
                amount: "150.00".into(),
            },
        ],
        coupon: None,
        pay_points: None,
    })
}

fn ledger_len(store: &Store) -> i64 {
    store.history(None, 1).unwrap().first().map_or(0, |e| e.id)
}

/// Builds (once) a wallet with at least `entries` ledger entries (or `entries`
/// events when `count_events`); returns its
/// file and the time of its last event.
fn build(entries: i64, program: &str, tag: &str, count_events: bool) -> (PathBuf, Time) {
    // Cargo sets CARGO_TARGET_TMPDIR for benches to `tmp/` inside the target
    // directory it really uses: CARGO_TARGET_DIR (relative ones resolved),
    // build.target-dir, or the workspace's target/.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "bench-wallets/v{}-{tag}{entries}",
        loyalty_core::store::SCHEMA_VERSION
    ));
    let path = dir.join("wallet.sqlite3");
    let stamp = dir.join("last_event");
    if let Ok(text) = std::fs::read_to_string(&stamp) {
        return (
            path,
            DateTime::parse_from_rfc3339(text.trim()).unwrap().to_utc(),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open_dir(&dir).unwrap();
    store.set_program(program).unwrap();
    let mut at = start();
    store
        .apply(
            &Event::Bonus {
                kind: BonusKind::Welcome,
                key: None,
            },
            at,
        )
        .unwrap();
    let mut i = 0u64;
    while if count_events {
        (i as i64) < entries
    } else {
        ledger_len(&store) < entries
    } {
        at += Duration::hours(6);
        let _ = store.apply(&event(i), at);
        i += 1;
    }
    drop(store);
    std::fs::write(&stamp, at.to_rfc3339()).unwrap();
    (path, at)
}

fn fresh_copy(path: &Path, tmp: &Path) -> PathBuf {
    let target = tmp.join("wallet.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        let from = format!("{}{suffix}", path.display());
        if Path::new(&from).exists() {
            std::fs::copy(&from, format!("{}{suffix}", target.display())).unwrap();
        }
    }
    target
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("wallet");
    group
        .sample_size(30)
        .measurement_time(StdDuration::from_secs(3));
    for entries in [1_000i64, 100_000] {
        let (path, last) = build(entries, PROGRAM, "", false);
        let tmp = tempfile::tempdir().unwrap();
        let db = fresh_copy(&path, tmp.path());

        group.bench_with_input(BenchmarkId::new("open", entries), &db, |b, db| {
            b.iter(|| black_box(Store::open(db).unwrap()))
        });

        let mut store = Store::open(&db).unwrap();
        // The app opens the next morning: some points and receipts have just left their windows.
        let now = last + Duration::hours(20);
        group.bench_with_input(BenchmarkId::new("snapshot", entries), &now, |b, now| {
            b.iter(|| black_box(store.snapshot(*now, 30, 20).unwrap()))
        });

        let mut n = 0u64;
        group.bench_function(BenchmarkId::new("purchase", entries), |b| {
            b.iter(|| {
                n += 1;
                let at = now + Duration::seconds(n as i64);
                black_box(
                    store
                        .apply(&purchase(&format!("bench-{n}"), n), at)
                        .unwrap(),
                )
            })
        });
    }
    // The same wallet paying with a coupon: unscoped (the rule before issue
    // 16) and scoped to one item with a minimum spend, under a member discount.
    let (path, last) = build(100_000, PROGRAM, "", false);
    let now = last + Duration::hours(20);
    for scoped in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = Store::open(&fresh_copy(&path, tmp.path())).unwrap();
        store.set_program(&coupon_program(scoped)).unwrap();
        let name = if scoped {
            "purchase_scoped_coupon_member_discount"
        } else {
            "purchase_coupon"
        };
        let mut round = 0u64;
        group.bench_function(BenchmarkId::new(name, 100_000), |b| {
            b.iter_custom(|iters| {
                round += 1;
                let at = now + Duration::days(round as i64);
                bench_coupon_purchase(&mut store, at, &format!("{name}-{round}"), iters)
            })
        });
    }
    group.finish();

    // 50 challenges and 50 badges over 100 000 past events.
    let mut group = c.benchmark_group("goals");
    group
        .sample_size(30)
        .measurement_time(StdDuration::from_secs(3));
    let program = goals_program();
    let (path, last) = build(100_000, &program, "goals-events-", true);
    let tmp = tempfile::tempdir().unwrap();
    let db = fresh_copy(&path, tmp.path());
    let mut store = Store::open(&db).unwrap();
    let now = last + Duration::hours(20);
    group.bench_function("list_challenges_and_badges/100000", |b| {
        b.iter(|| black_box(store.goal_views(now).unwrap()))
    });
    bench_goal_purchases(
        &mut group,
        "purchase_with_100_goals/100000",
        &mut store,
        now,
    );
    // The floor: the same purchases on a wallet with the same 100 000
    // events under the same program without its challenges and badges.
    let (path, last) = build(100_000, PROGRAM, "no-goals-events-", true);
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&fresh_copy(&path, tmp.path())).unwrap();
    let now = last + Duration::hours(20);
    bench_goal_purchases(
        &mut group,
        "floor_purchase_no_goals/100000",
        &mut store,
        now,
    );
    group.finish();
}

/// One purchase per iteration, each a second after the last, on `store`.
fn bench_goal_purchases(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    store: &mut Store,
    now: Time,
) {
    let mut n = 0u64;
    group.bench_function(name, |b| {
        b.iter(|| {
            n += 1;
            let at = now + Duration::seconds(n as i64);
            black_box(
                store
                    .apply(&purchase(&format!("goal-bench-{n}"), n), at)
                    .unwrap(),
            )
        })
    });
}

fn main() {
    floor::run(
        benches,
        &[(
            "goals/purchase_with_100_goals/100000",
            "goals/floor_purchase_no_goals/100000",
        )],
    );
}
