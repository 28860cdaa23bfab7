//! A sync page is applied as one batch (the totals and the goal record held
//! in memory and written once at its end); a rebase replays the whole log
//! the same way. Both must leave exactly what applying the events one by
//! one leaves — figures, goals, history, and what a reopened file reads.

use chrono::{DateTime, Duration};
use loyalty_core::store::{ServerEvent, Store};
use loyalty_core::wallet::{
    BonusKind, Event, LineInput, PurchaseInput, ReturnInput, ReturnLineInput, Time,
};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "5"}}, "expiry": {"months": 1},
  "tiers": {"window_days": 20, "levels": [{"id": "base", "threshold": "0"}, {"id": "gold", "threshold": "3000", "discount_percent": "5"}]},
  "rewards": [{"id": "c20", "cost": 50, "coupon": {"percent": "20", "valid_days": 30}},
    {"id": "c150", "cost": 150, "coupon": {"percent": "30", "valid_days": 30}}],
  "bonuses": {"welcome": 100},
  "challenges": [{"id": "c", "title": "Every 3", "goal": {"metric": "purchases", "target": 3}, "reward": {"points": 10}, "repeat": "on_complete"}],
  "badges": [{"id": "b", "title": "Regular", "goal": {"metric": "purchases"}, "levels": [2, 5, 20]}]}"#;

fn t0() -> Time {
    DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
        .unwrap()
        .to_utc()
}

fn purchase(id: &str, amount: &str) -> Event {
    Event::Purchase(PurchaseInput {
        receipt_id: id.into(),
        lines: vec![LineInput {
            sku: "A".into(),
            category: Some("food".into()),
            qty: 2,
            amount: amount.into(),
        }],
        coupon: None,
        pay_points: None,
    })
}

fn give_back(id: &str) -> Event {
    Event::Return(ReturnInput {
        receipt_id: id.into(),
        lines: vec![ReturnLineInput {
            sku: "A".into(),
            qty: 2,
        }],
    })
}

/// Purchases two days apart (lots expire and the tier window slides within
/// the page), returns of earlier ones, and a bonus.
fn server_events(n: i64) -> Vec<ServerEvent> {
    (1..=n)
        .map(|i| {
            let event = match i {
                1 => Event::Bonus {
                    kind: BonusKind::Welcome,
                    key: None,
                },
                i if i % 7 == 0 => give_back(&format!("r{}", i - 3)),
                i => purchase(
                    &format!("r{i}"),
                    &format!("{}.{:02}", 200 + i * 37 % 900, i % 100),
                ),
            };
            ServerEvent {
                seq: i,
                at: t0() + Duration::days(2 * i),
                event,
                idempotency_key: None,
                program_version: None,
            }
        })
        .collect()
}

/// Everything a shopper's screens read, as of `at`.
fn screens(store: &Store, at: Time) -> String {
    format!(
        "{:?}\n{:?}\n{:?}",
        store.snapshot(at, 400, 500).unwrap(),
        store.goal_views(at).unwrap(),
        store.history(None, 500).unwrap()
    )
}

fn one_by_one(events: &[ServerEvent]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    for e in events {
        store.apply(&e.event, e.at).unwrap();
    }
    (dir, store)
}

#[test]
fn a_page_applied_as_one_batch_equals_the_events_applied_one_by_one() {
    let events = server_events(60);
    let at = events.last().unwrap().at + Duration::hours(1);
    let (_d1, reference) = one_by_one(&events);

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    for page in events.chunks(25) {
        let applied = store.apply_server_events(page).unwrap();
        assert_eq!(applied.new_events, page.len());
        assert!(!applied.rebased, "nothing was pending: the fast path");
    }
    let expected = screens(&reference, at);
    assert!(
        expected.contains("gold"),
        "the bench program reaches the upper tier"
    );
    assert_eq!(screens(&store, at), expected);
    // What the batch held reached the file.
    drop(store);
    let reopened = Store::open_dir(dir.path()).unwrap();
    assert_eq!(screens(&reopened, at), expected);
    let program = reopened.program().unwrap();
    let from_memory =
        loyalty_core::wallet::snapshot(program, &reopened.rebuild().unwrap(), at, 400, 500)
            .unwrap();
    assert_eq!(from_memory, reopened.snapshot(at, 400, 500).unwrap());
}

#[test]
fn a_page_that_fails_half_way_leaves_the_batch_unwritten() {
    let events = server_events(30);
    let at = events.last().unwrap().at + Duration::hours(1);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    store.apply_server_events(&events[..10]).unwrap();
    let before = screens(&store, at);
    // The page's last event repeats a receipt: the page is refused whole,
    // after its other events were applied in the batch.
    let mut bad = events[10..20].to_vec();
    bad.push(ServerEvent {
        seq: 21,
        at: events[19].at + Duration::hours(1),
        event: purchase("r12", "10.00"),
        idempotency_key: None,
        program_version: None,
    });
    let err = store.apply_server_events(&bad).unwrap_err();
    assert_eq!(err.code(), "corrupt_store", "{err}");
    assert_eq!(screens(&store, at), before);
    assert_eq!(store.last_server_seq().unwrap(), 10);
    // The same events, sent right, apply on top.
    store.apply_server_events(&events[10..]).unwrap();
    let (_d, reference) = one_by_one(&events);
    assert_eq!(screens(&store, at), screens(&reference, at));
}

#[test]
fn a_rebase_that_leaves_out_a_pending_action_keeps_what_the_log_gives() {
    let at0 = t0();
    let server = |seq: i64, days: i64, event: Event| ServerEvent {
        seq,
        at: at0 + Duration::days(days),
        event,
        idempotency_key: None,
        program_version: None,
    };
    let welcome = Event::Bonus {
        kind: BonusKind::Welcome,
        key: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    let first = [
        server(1, 0, welcome),
        server(2, 1, purchase("r2", "2000.00")),
    ];
    store.apply_server_events(&first).unwrap();
    // Two rewards taken on the device: 150 of its 200 points, then 50 more.
    let big = Event::RedeemReward {
        reward_id: "c150".into(),
        coupon_id: "k1".into(),
    };
    let small = Event::RedeemReward {
        reward_id: "c20".into(),
        coupon_id: "k2".into(),
    };
    let taps = [
        (big, at0 + Duration::days(2)),
        (small, at0 + Duration::days(3)),
    ];
    for (i, (e, at)) in taps.iter().enumerate() {
        store.queue_action(&format!("key-{i}"), e, *at).unwrap();
    }
    // The server then takes the purchase back: 100 points are left, so the
    // rebase finds the first tap unaffordable and applies the second.
    let second = [
        server(3, 4, give_back("r2")),
        server(4, 5, purchase("r4", "300.00")),
    ];
    let applied = store.apply_sync_page(None, &second, &[], true).unwrap();
    assert!(applied.rebased);
    assert_eq!(
        store.pending_count().unwrap(),
        2,
        "refusing an action is the server's to do"
    );
    let at = at0 + Duration::days(6);
    let snap = store.snapshot(at, 400, 500).unwrap();
    // Welcome 100, the purchase's 100 taken back, 15 for the second one, 50 spent.
    assert_eq!(snap.balance, 65, "{snap:?}");
    let program = store.program().unwrap();
    let from_memory =
        loyalty_core::wallet::snapshot(program, &store.rebuild().unwrap(), at, 400, 500).unwrap();
    assert_eq!(from_memory, snap);
    // The confirmed log, then the taps that fit, one by one.
    let ref_dir = tempfile::tempdir().unwrap();
    let mut reference = Store::open_dir(ref_dir.path()).unwrap();
    reference.set_program(PROGRAM).unwrap();
    for e in first.iter().chain(&second) {
        reference.apply(&e.event, e.at).unwrap();
    }
    let err = reference.apply(&taps[0].0, taps[0].1).unwrap_err();
    assert_eq!(err.code(), "insufficient_points", "{err}");
    reference.apply(&taps[1].0, taps[1].1).unwrap();
    let expected = screens(&reference, at);
    assert_eq!(screens(&store, at), expected);
    drop(store);
    let reopened = Store::open_dir(dir.path()).unwrap();
    assert_eq!(screens(&reopened, at), expected);
}

/// A full inbox: 500 pushed messages a minute apart before the events,
/// every fiftieth one read.
fn fill_inbox(store: &mut Store) -> Vec<(String, bool)> {
    let start = t0() - Duration::days(1);
    (0..500)
        .map(|i| {
            let id = format!("m{i:03}");
            let p = format!(r#"{{"kind":"message","message_id":"{id}","title":"T","body":"B"}}"#);
            let at = start + Duration::minutes(i);
            store.ingest_push(&p, at).unwrap();
            let read = i % 50 == 0;
            if read {
                store.mark_read(&id, at).unwrap();
            }
            (id, read)
        })
        .collect()
}

#[test]
fn notices_of_a_batch_evict_what_one_at_a_time_would() {
    let events = server_events(60);
    let at = events.last().unwrap().at + Duration::hours(1);
    let inbox = |s: &Store| {
        s.list_messages(at, true)
            .unwrap()
            .into_iter()
            .map(|m| (m.content.id, m.state))
            .collect::<Vec<_>>()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    let pushed = fill_inbox(&mut store);
    for page in events.chunks(25) {
        store.apply_server_events(page).unwrap();
    }
    let kept = inbox(&store);
    assert_eq!(kept.len(), loyalty_core::inbox::MAX_MESSAGES);
    let notices = kept.iter().filter(|(id, _)| !id.starts_with('m')).count();
    assert!(notices > 10, "more notices than read messages: {notices}");
    // The policy evicts read messages first, then the oldest unread: kept
    // are every notice and the pushes after the first `notices` in that order.
    let order: Vec<&str> = (pushed.iter().filter(|(_, read)| *read))
        .chain(pushed.iter().filter(|(_, read)| !read))
        .map(|(id, _)| id.as_str())
        .collect();
    let mut expected = order[notices..].to_vec();
    expected.sort_unstable();
    let mut kept_pushes: Vec<&str> = kept
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| id.starts_with('m'))
        .collect();
    kept_pushes.sort_unstable();
    assert_eq!(kept_pushes, expected);
    // An evicted message is remembered: sent again, it is a duplicate.
    let again = r#"{"kind":"message","message_id":"m000","title":"T","body":"B"}"#;
    assert_eq!(
        store.ingest_push(again, at).unwrap(),
        loyalty_core::inbox::PushOutcome::Duplicate
    );
    // One event per operation gives the same inbox.
    let ref_dir = tempfile::tempdir().unwrap();
    let mut reference = Store::open_dir(ref_dir.path()).unwrap();
    reference.set_program(PROGRAM).unwrap();
    fill_inbox(&mut reference);
    for e in &events {
        reference.apply(&e.event, e.at).unwrap();
    }
    assert_eq!(inbox(&reference), kept);
}
