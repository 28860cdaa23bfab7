//! Inbox benchmarks with 500 stored messages: ingesting one push (which
//! evicts the oldest, as the inbox is full) and listing + unread count.
//!
//! `cargo bench -p loyalty-core --bench inbox`

use std::hint::black_box;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use criterion::{Criterion, criterion_group, criterion_main};
use loyalty_core::store::Store;

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
    g.finish();
}

criterion_group!(inbox, benches);
criterion_main!(inbox);
