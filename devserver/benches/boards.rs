//! The dev server's leaderboards at 100 000 members, all joined (the worst
//! case for ranking): one event's update of every board, and one sync
//! page's standings (each board's top 10 and my rank) for the member ranked
//! last, whose rank counts the most rows.
//!
//! `cargo bench -p loyalty-devserver --bench boards` — the registry is
//! filled straight through SQL once per run (members' own stores are not
//! needed for the board tables).

use std::hint::black_box;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use criterion::{Criterion, criterion_group, criterion_main};
use loyalty_core::boards::measure::period_start;
use loyalty_core::kernel::time::Time;
use loyalty_core::program::Program;
use loyalty_devserver::bench::{Totals, record, standings};
use loyalty_devserver::{App, Config};

const MEMBERS: u32 = 100_000;

const PROGRAM: &str = r#"{
  "currency": "RUB", "utc_offset": "+03:00",
  "earn": {"rule": {"per_step": {"step": "100", "points": 5}}},
  "leaderboards": [
    {"id": "week", "title": "Points this week", "metric": "points_earned", "period": "week", "top": 10},
    {"id": "spenders", "title": "Top spenders", "metric": "spend", "period": "month", "top": 10},
    {"id": "buyers", "title": "Most purchases", "metric": "purchases", "period": "all_time", "top": 10}
  ]
}"#;

fn now() -> Time {
    DateTime::parse_from_rfc3339("2026-11-18T12:00:00Z")
        .unwrap()
        .to_utc()
}

/// A server whose registry holds `MEMBERS` joined members with a score on
/// every board of the current periods (values spread by a fixed LCG).
fn server(dir: &std::path::Path) -> std::sync::Arc<App> {
    let config = || Config {
        data_dir: dir.to_path_buf(),
        program_json: PROGRAM.into(),
        fault_rate: 0.0,
        fault_seed: 0,
    };
    drop(App::open(config()).unwrap());
    let program = Program::from_json(PROGRAM).unwrap();
    let mut conn = rusqlite::Connection::open(dir.join("registry.sqlite3")).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut name = tx
            .prepare("INSERT INTO board_names (member, name, name_key, joined_at) VALUES (?1, ?2, ?3, 0)")
            .unwrap();
        let mut score = tx
            .prepare(
                "INSERT INTO board_scores (board, period_start, member, value, achieved_at, joined) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)",
            )
            .unwrap();
        let mut x: u64 = 12345;
        for m in 0..MEMBERS {
            let member = format!("m{m}");
            let display = format!("Member {m}");
            name.execute((&member, &display, display.to_lowercase()))
                .unwrap();
            for board in &program.leaderboards {
                let start = period_start(board.period, program.zone, now()).timestamp_millis();
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // The last member scores 0 on every board: ranked last.
                let value = if m + 1 == MEMBERS {
                    0
                } else {
                    1 + (x >> 33) as i64 % 50_000
                };
                score
                    .execute((&board.id, start, &member, value, i64::from(m)))
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    drop(conn);
    App::open(config()).unwrap()
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let app = server(dir.path());
    let mut group = c.benchmark_group("boards");
    group
        .sample_size(30)
        .measurement_time(StdDuration::from_secs(3));

    // One purchase of 1 000.00 RUB earning 50 points, by a mid-table member,
    // with the ranks of every board in memory (as after the first sync page).
    let last = format!("m{}", MEMBERS - 1);
    let at = now() + Duration::minutes(1);
    standings(&app, &last, at).unwrap();
    let mut n = 0i64;
    group.bench_function("update_every_board_per_event/100000", |b| {
        b.iter(|| {
            n += 1;
            let before = Totals::new(50 * n, 100_000 * n, 0);
            let after = Totals::new(50 * (n + 1), 100_000 * (n + 1), 0);
            let at = now() + Duration::milliseconds(n);
            record(&app, "m500", before, after, true, at).unwrap();
        })
    });

    group.bench_function("standings_top10_and_my_rank/100000", |b| {
        b.iter(|| black_box(standings(&app, &last, at).unwrap()))
    });
    let page = standings(&app, &last, at).unwrap();
    assert_eq!(page.len(), 3);
    assert!(page.iter().all(|b| b.top.len() == 10));
    assert!(
        page.iter()
            .all(|b| b.me.as_ref().is_some_and(|m| m.rank > 1))
    );
    group.finish();
}

criterion_group!(boards, benches);
criterion_main!(boards);
