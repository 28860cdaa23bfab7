//! Client-side sync cost: applying a first sync of 10 000 server events (20
//! pages of 500, each in one transaction, through the engine), and an
//! incremental sync with nothing new (an empty page plus the digest check).
//! The network round trip comes on top.
//!
//! The floors in the same run: SQLite appending the same 10 000 events to
//! the event log of a fresh wallet in one transaction (encoded as the store
//! encodes them), without running the engine; and every row the first sync
//! leaves in the wallet (the log, the events, receipts and their lines,
//! lots, ledger, notices, goal records, totals) inserted into a fresh wallet
//! by prepared statements in the same 20 transactions — the writes alone,
//! without the engine, the reads, or the updates and deletes the sync does
//! on top of them.
//!
//! `cargo bench -p loyalty-core --bench sync`

mod floor;

use std::hint::black_box;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use criterion::Criterion;
use loyalty_core::store::{DB_FILE, ServerEvent, Store};
use loyalty_core::wallet::{Event, LineInput, PurchaseInput};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "5"}}, "expiry": {"months": 12},
  "tiers": {"window_days": 365, "levels": [{"id": "base", "threshold": "0"}, {"id": "gold", "threshold": "50000", "discount_percent": "5"}]},
  "challenges": [{"id": "c", "title": "Every 5", "goal": {"metric": "purchases", "target": 5}, "reward": {"points": 10}, "repeat": "on_complete"}],
  "badges": [{"id": "b", "title": "Regular", "goal": {"metric": "purchases"}, "levels": [10, 100, 1000]}]}"#;

fn events(n: i64) -> Vec<ServerEvent> {
    let t0 = DateTime::parse_from_rfc3339("2020-01-01T10:00:00Z")
        .unwrap()
        .to_utc();
    (1..=n)
        .map(|i| ServerEvent {
            seq: i,
            at: t0 + Duration::hours(6 * i),
            event: Event::Purchase(PurchaseInput {
                receipt_id: format!("r{i}"),
                lines: vec![LineInput {
                    sku: "A".into(),
                    category: Some("food".into()),
                    qty: 1 + i % 3,
                    amount: format!("{}.{:02}", 100 + i % 900, i % 100),
                }],
                coupon: None,
                pay_points: None,
            }),
            idempotency_key: None,
            program_version: None,
        })
        .collect()
}

/// Tables a first sync writes, each with the order its rows were written
/// in: their rows at its end are the same-rows floor.
const WRITTEN: &[(&str, &str)] = &[
    (
        "server_events",
        "SELECT * FROM server_events ORDER BY server_seq",
    ),
    ("events", "SELECT * FROM events ORDER BY seq"),
    ("receipts", "SELECT * FROM receipts ORDER BY rowid"),
    (
        "receipt_lines",
        "SELECT l.* FROM receipt_lines l JOIN receipts r ON r.id = l.receipt_id \
         ORDER BY r.rowid, l.line_no",
    ),
    ("lots", "SELECT * FROM lots ORDER BY id"),
    ("ledger", "SELECT * FROM ledger ORDER BY id"),
    ("inbox", "SELECT * FROM inbox ORDER BY received_at, id"),
    ("inbox_gone", "SELECT * FROM inbox_gone"),
    ("goal_state", "SELECT * FROM goal_state"),
    (
        "goal_periods",
        "SELECT * FROM goal_periods ORDER BY key, goal",
    ),
    ("summary", "SELECT * FROM summary"),
];

/// Each written table's insert statement and its rows, as the first sync left them.
fn final_rows(conn: &rusqlite::Connection) -> Vec<(String, Vec<Vec<rusqlite::types::Value>>)> {
    WRITTEN
        .iter()
        .map(|(table, select)| {
            let mut stmt = conn.prepare(select).unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap();
            let marks = vec!["?"; n].join(", ");
            (
                format!("INSERT OR REPLACE INTO {table} VALUES ({marks})"),
                rows,
            )
        })
        .collect()
}

/// A fresh wallet with the bench's program, opened as a plain SQLite
/// connection (the floors write it without the store).
fn fresh_wallet_sql() -> (tempfile::TempDir, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch("PRAGMA synchronous = NORMAL").unwrap();
    (dir, conn)
}

fn benches(c: &mut Criterion) {
    let all = events(10_000);
    let mut g = c.benchmark_group("sync");
    g.sample_size(10)
        .measurement_time(StdDuration::from_secs(20));
    g.bench_function("first_sync_10000_events", |b| {
        b.iter_with_setup(
            || {
                let dir = tempfile::tempdir().unwrap();
                let mut store = Store::open_dir(dir.path()).unwrap();
                store.set_program(PROGRAM).unwrap();
                (dir, store)
            },
            |(dir, mut store)| {
                for page in all.chunks(500) {
                    store.apply_server_events(page).unwrap();
                }
                black_box((dir, store))
            },
        )
    });
    g.bench_function("floor_append_10000_log_rows", |b| {
        b.iter_with_setup(
            fresh_wallet_sql,
            |(dir, mut conn)| {
                let tx = conn.transaction().unwrap();
                {
                    let mut insert = tx
                        .prepare(
                            "INSERT INTO server_events (server_seq, at, body, idempotency_key, program_id) \
                             VALUES (?1, ?2, ?3, ?4, 1)",
                        )
                        .unwrap();
                    for e in &all {
                        let body = serde_json::to_string(&e.event).unwrap();
                        insert
                            .execute(rusqlite::params![
                                e.seq,
                                e.at.timestamp_millis(),
                                body,
                                e.idempotency_key
                            ])
                            .unwrap();
                    }
                }
                tx.commit().unwrap();
                black_box((dir, conn))
            },
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    for page in all.chunks(500) {
        store.apply_server_events(page).unwrap();
    }
    let written = {
        let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        final_rows(&conn)
    };
    let pages = all.len().div_ceil(500);
    g.sample_size(10)
        .measurement_time(StdDuration::from_secs(20));
    g.bench_function("floor_same_rows_plain_sqlite", |b| {
        b.iter_with_setup(fresh_wallet_sql, |(dir, mut conn)| {
            // Page k gets the k-th twentieth of every table's rows.
            for k in 0..pages {
                let tx = conn.transaction().unwrap();
                for (sql, rows) in &written {
                    let mut insert = tx.prepare_cached(sql).unwrap();
                    let (from, to) = (k * rows.len() / pages, (k + 1) * rows.len() / pages);
                    for row in &rows[from..to] {
                        insert
                            .execute(rusqlite::params_from_iter(row.iter()))
                            .unwrap();
                    }
                }
                tx.commit().unwrap();
            }
            black_box((dir, conn))
        })
    });
    let at = all.last().unwrap().at + Duration::hours(1);
    let digest = store.digest(at).unwrap();
    g.sample_size(50)
        .measurement_time(StdDuration::from_secs(3));
    g.bench_function("incremental_sync_nothing_new", |b| {
        b.iter(|| {
            store.apply_server_events(&[]).unwrap();
            black_box(store.check_digest(&digest, at).unwrap())
        })
    });
    g.finish();
}

fn main() {
    floor::run(
        benches,
        &[
            (
                "sync/first_sync_10000_events",
                "sync/floor_append_10000_log_rows",
            ),
            (
                "sync/first_sync_10000_events",
                "sync/floor_same_rows_plain_sqlite",
            ),
        ],
    );
}
