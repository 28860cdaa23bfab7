//! Inbox benchmarks with 500 stored messages: ingesting one push (which
//! evicts the oldest, as the inbox is full) and listing + unread count.
//!
//! Floors in the same run: reading the same 500 rows with plain SQLite (no
//! decoding), a one-row WAL commit, and the rows an ingest at the bound
//! writes, in plain SQLite.
//!
//! `cargo bench -p loyalty-core --bench inbox`

mod floor;

use std::hint::black_box;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use criterion::Criterion;
use loyalty_core::store::{DB_FILE, Store};
use rusqlite::Connection;

fn payload(i: u64) -> String {
    format!(
        r#"{{"kind":"offer","message_id":"m-{i}","title":"Offer {i}","body":"Save on item {i} this week.","expires_at":"2030-01-01T00:00:00Z","deep_link":"loyalty://offers/m-{i}","image_url":"https://cdn.example/{i}.png","coupon_percent":"15","coupon_valid_days":"7","priority":"{}","pinned":"{}"}}"#,
        i % 7,
        i % 50 == 0
    )
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store
        .set_program(r#"{"currency":"RUB","earn":{"rule":{"percent":"10"}}}"#)
        .unwrap();
    let t0 = DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
        .unwrap()
        .to_utc();
    for i in 0..500u64 {
        store
            .ingest_push(&payload(i), t0 + Duration::seconds(i as i64))
            .unwrap();
        if i % 3 == 0 {
            store
                .mark_read(&format!("m-{i}"), t0 + Duration::seconds(i as i64))
                .unwrap();
        }
    }
    let mut g = c.benchmark_group("inbox");
    g.sample_size(40)
        .measurement_time(StdDuration::from_secs(3));
    let now = t0 + Duration::hours(1);
    g.bench_function("list_and_unread/500", |b| {
        b.iter(|| {
            let list = store.list_messages(now, false).unwrap();
            let unread = store.unread_count(now).unwrap();
            black_box((list, unread))
        })
    });
    // The floor: the same 500 rows read in the table's order (what the list
    // reads before sorting them in memory), each column touched, nothing
    // decoded into messages.
    let raw = Connection::open(dir.path().join(DB_FILE)).unwrap();
    g.bench_function("floor_read_500_rows", |b| {
        b.iter(|| {
            let mut stmt = raw.prepare_cached("SELECT * FROM inbox").unwrap();
            let columns = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            let mut bytes = 0usize;
            while let Some(row) = rows.next().unwrap() {
                for i in 0..columns {
                    bytes += match row.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Text(t) => t.len(),
                        _ => 1,
                    };
                }
            }
            black_box(bytes)
        })
    });
    drop(raw);
    let mut n = 1_000u64;
    g.bench_function("ingest_push_full_inbox/500", |b| {
        b.iter(|| {
            n += 1;
            black_box(
                store
                    .ingest_push(&payload(n), now + Duration::seconds(n as i64))
                    .unwrap(),
            )
        })
    });
    // The floor: one small row committed in WAL mode with the store's
    // durability (`synchronous = NORMAL`), on the same disk.
    let scratch = Connection::open(dir.path().join("floor.sqlite3")).unwrap();
    scratch
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
        )
        .unwrap();
    g.bench_function("floor_one_row_wal_commit", |b| {
        b.iter(|| {
            n += 1;
            let tx = scratch.unchecked_transaction().unwrap();
            tx.prepare_cached("INSERT INTO t (body) VALUES (?1)")
                .unwrap()
                .execute([payload(n)])
                .unwrap();
            tx.commit().unwrap();
        })
    });
    // A second floor: the same physical writes an ingest at the bound makes,
    // in plain SQLite on a copy of the wallet (the message with its index
    // entries, the oldest victim's deletion and tombstone), with no parsing,
    // no duplicate checks, no purge, no decoding.
    let copy = dir.path().join("floor-inbox.sqlite3");
    Connection::open(dir.path().join(DB_FILE))
        .unwrap()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let bounded = Connection::open(&copy).unwrap();
    bounded
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    g.bench_function("floor_bounded_insert_sql", |b| {
        b.iter(|| {
            n += 1;
            let tx = bounded.unchecked_transaction().unwrap();
            let id = format!("m-{n}");
            tx.prepare_cached(
                "INSERT INTO inbox (id, kind, title, body, expires_at, deep_link, image_url, \
                 coupon_kind, coupon_value, coupon_valid_days, priority, pinned, revision, \
                 received_at, state, activated_at, generated, coupon_scope) VALUES \
                 (?1, 'offer', ?2, ?3, 1893456000000, ?4, ?5, 'percent', 15, 7, ?6, ?7, 0, ?8, \
                 'unread', NULL, 0, NULL)",
            )
            .unwrap()
            .execute(rusqlite::params![
                id,
                format!("Offer {n}"),
                format!("Save on item {n} this week."),
                format!("loyalty://offers/{id}"),
                format!("https://cdn.example/{n}.png"),
                (n % 7) as i64,
                n % 50 == 0,
                1_800_000_000_000i64 + n as i64 * 1000,
            ])
            .unwrap();
            let (victim, state): (String, String) = tx
                .prepare_cached(
                    "SELECT id, state FROM inbox ORDER BY pinned, state = 'unread', received_at, id",
                )
                .unwrap()
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap();
            tx.prepare_cached("INSERT OR REPLACE INTO inbox_gone (id, state) VALUES (?1, ?2)")
                .unwrap()
                .execute([&victim, &state])
                .unwrap();
            tx.prepare_cached("DELETE FROM inbox WHERE id = ?1")
                .unwrap()
                .execute([&victim])
                .unwrap();
            tx.commit().unwrap();
        })
    });
    g.finish();
}

fn main() {
    floor::run(
        benches,
        &[
            ("inbox/list_and_unread/500", "inbox/floor_read_500_rows"),
            (
                "inbox/ingest_push_full_inbox/500",
                "inbox/floor_one_row_wal_commit",
            ),
            (
                "inbox/ingest_push_full_inbox/500",
                "inbox/floor_bounded_insert_sql",
            ),
        ],
    );
}
