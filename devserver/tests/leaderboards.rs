//! Leaderboards end to end on the dev server: five members (three joined),
//! purchases on both sides of a week boundary under a controlled server
//! clock — ranks, ties, `me`, the reset, leaving — and every sync answer of
//! one member captured to prove nothing of the others beyond the names they
//! chose reaches a phone.

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use loyalty_core::kernel::time::FixedClock;
use loyalty_core::store::{BoardMembership, Store};
use loyalty_core::sync::{StaticToken, SyncClient, SyncConfig};
use serde_json::{Value, json};

mod common;
use common::Server;

const PROGRAM: &str = r#"{"currency": "RUB", "utc_offset": "+03:00",
  "earn": {"rule": {"percent": "10"}}, "card": {"template": "{card}"},
  "leaderboards": [
    {"id": "week", "title": "Points this week", "metric": "points_earned", "period": "week", "top": 3},
    {"id": "buyers", "title": "Most purchases", "metric": "purchases", "period": "all_time", "top": 10},
    {"id": "spenders", "title": "Top spenders", "metric": "spend", "period": "month", "top": 5},
    {"id": "doers", "title": "Challenges done", "metric": "challenge_completions", "period": "all_time", "top": 5}],
  "challenges": [{"id": "each", "title": "Every purchase", "goal": {"metric": "purchases", "target": 1},
                  "repeat": "on_complete"}]}"#;

struct Member {
    id: String,
    card: String,
    token: String,
}

fn enroll(server: &Server) -> Member {
    let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201, "{me}");
    Member {
        id: me["member_id"].as_str().unwrap().into(),
        card: me["card_number"].as_str().unwrap().into(),
        token: me["access_token"].as_str().unwrap().into(),
    }
}

fn buy(server: &Server, m: &Member, receipt: &str, amount: &str) {
    let body = json!({"payload": m.card, "purchase": {"receipt_id": receipt,
        "lines": [{"sku": "A", "qty": 1, "amount": amount}]}});
    let (status, answer) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{answer}");
}

fn act(server: &Server, m: &Member, key: &str, action: Value) -> Value {
    let body = json!({"actions": [{"idempotency_key": key, "action": action}]});
    let (status, answer) = server.json("POST", "/v1/me/actions", Some(&m.token), Some(&body));
    assert_eq!(status, 200, "{answer}");
    answer["results"][0].clone()
}

/// Every sync answer `m` receives, as text, in `seen`; the page's boards by id.
fn boards(server: &Server, m: &Member, seen: &Mutex<String>) -> Value {
    let (status, text) = server.call("GET", "/v1/me/sync", Some(&m.token), None);
    assert_eq!(status, 200, "{text}");
    seen.lock().unwrap().push_str(&text);
    let page: Value = serde_json::from_str(&text).unwrap();
    let mut by_id = serde_json::Map::new();
    for b in page["leaderboards"].as_array().cloned().unwrap_or_default() {
        by_id.insert(b["id"].as_str().unwrap().to_string(), b);
    }
    Value::Object(by_id)
}

fn rows(board: &Value) -> Vec<(u64, String, i64)> {
    board["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rank"].as_u64().unwrap(),
                r["name"].as_str().unwrap().to_string(),
                r["value"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(rank: u64, name: &str, value: i64) -> (u64, String, i64) {
    (rank, name.to_string(), value)
}

#[test]
fn ranks_ties_me_the_weekly_reset_leaving_and_privacy() {
    let server = Server::start(PROGRAM, 0.0);
    // Wednesday 2026-11-25 15:00 in the program's local time (+03:00).
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
    ));
    server.app.set_clock(clock.clone());
    let [anna, boris, clara, dmitry, eva] = [(); 5].map(|()| enroll(&server));
    let seen = Mutex::new(String::new());

    // Before anyone joins: boards exist but nobody is counted or named.
    let b = boards(&server, &clara, &seen);
    assert_eq!(b["week"]["participants"], 0);
    assert!(rows(&b["week"]).is_empty() && b["week"]["me"].is_null());

    for (m, name) in [(&anna, "Anna"), (&boris, " Boris B. "), (&clara, "clara_9")] {
        let r = act(
            &server,
            m,
            &format!("join-{}", m.id),
            json!({"join_leaderboard": {"name": name}}),
        );
        assert_eq!(r["status"], "applied", "{r}");
    }
    // The same name in another case is taken; a bad name is refused; both stay refused.
    let taken = act(
        &server,
        &dmitry,
        "d-join",
        json!({"join_leaderboard": {"name": "ANNA"}}),
    );
    assert_eq!(
        (taken["status"].as_str(), taken["error"]["code"].as_str()),
        (Some("rejected"), Some("name_taken"))
    );
    let again = act(
        &server,
        &dmitry,
        "d-join",
        json!({"join_leaderboard": {"name": "ANNA"}}),
    );
    assert_eq!(again["error"]["code"], "name_taken");
    let bad = act(
        &server,
        &eva,
        "e-join",
        json!({"join_leaderboard": {"name": "x"}}),
    );
    assert_eq!(bad["error"]["code"], "invalid_display_name");

    // Anna and Clara tie at 10 points (Anna first: she got there first); Boris leads.
    buy(&server, &anna, "a1", "100.00");
    clock.set(Utc.with_ymd_and_hms(2026, 11, 25, 13, 0, 0).unwrap());
    buy(&server, &boris, "b1", "300.00");
    clock.set(Utc.with_ymd_and_hms(2026, 11, 25, 13, 5, 0).unwrap());
    buy(&server, &clara, "c1", "100.00");
    // The non-joined spend big and are never shown or counted.
    buy(&server, &dmitry, "d1", "7777.70");
    buy(&server, &eva, "e1", "5555.50");
    buy(&server, &eva, "e2", "5555.50");

    let b = boards(&server, &clara, &seen);
    let week = &b["week"];
    assert_eq!(week["participants"], 3);
    assert_eq!(
        week["period_start"], "2026-11-22T21:00:00+00:00",
        "Monday 00:00 at +03:00"
    );
    assert_eq!(week["computed_at"], "2026-11-25T13:05:00+00:00");
    assert_eq!(
        rows(week),
        [
            row(1, "Boris B.", 30),
            row(2, "Anna", 10),
            row(2, "clara_9", 10)
        ]
    );
    assert_eq!(
        week["me"],
        json!({"rank": 2, "value": 10, "to_pass_next": 21})
    );
    assert_eq!(
        rows(&b["buyers"]),
        [
            row(1, "Anna", 1),
            row(1, "Boris B.", 1),
            row(1, "clara_9", 1)
        ]
    );
    assert_eq!(rows(&b["spenders"])[0], row(1, "Boris B.", 30000));
    assert_eq!(rows(&b["doers"]), rows(&b["buyers"]));
    // The leader has nobody to pass; a member who has not joined sees the boards but no `me`.
    assert_eq!(
        boards(&server, &boris, &Mutex::default())["week"]["me"],
        json!({"rank": 1, "value": 30, "to_pass_next": null})
    );
    let outsider = boards(&server, &dmitry, &Mutex::default());
    assert!(outsider["week"]["me"].is_null());
    assert_eq!(rows(&outsider["week"]).len(), 3);

    // A return takes back; Anna falls behind Clara.
    let ret = json!({"payload": anna.card, "return": {"receipt_id": "a1", "lines": [{"sku": "A", "qty": 1}]}});
    assert_eq!(
        server.json("POST", "/v1/pos/returns", None, Some(&ret)).0,
        201
    );
    let b = boards(&server, &anna, &seen);
    assert_eq!(
        rows(&b["week"]),
        [row(1, "Boris B.", 30), row(2, "clara_9", 10)]
    );
    assert_eq!(
        b["week"]["me"],
        json!({"rank": 3, "value": 0, "to_pass_next": 11})
    );

    // Monday 00:30 local: a new week, the weekly board starts from nothing;
    // the all-time board keeps counting.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 21, 30, 0).unwrap());
    let b = boards(&server, &clara, &seen);
    assert_eq!(b["week"]["period_start"], "2026-11-29T21:00:00+00:00");
    assert!(rows(&b["week"]).is_empty());
    assert_eq!(
        b["week"]["me"],
        json!({"rank": 1, "value": 0, "to_pass_next": null})
    );
    buy(&server, &clara, "c2", "50.00");
    let b = boards(&server, &clara, &seen);
    assert_eq!(rows(&b["week"]), [row(1, "clara_9", 5)]);
    assert_eq!(rows(&b["buyers"])[0], row(1, "clara_9", 2));
    // The month changed too (2026-12-01 00:00 local is later): still November here.
    assert_eq!(b["spenders"]["period_start"], "2026-10-31T21:00:00+00:00");

    // Boris leaves: gone from every board and the count, his name is free.
    let r = act(&server, &boris, "b-leave", json!({"leave_leaderboard": {}}));
    assert_eq!(r["status"], "applied");
    let b = boards(&server, &clara, &seen);
    assert_eq!(b["buyers"]["participants"], 2);
    assert!(rows(&b["buyers"]).iter().all(|(_, n, _)| n != "Boris B."));
    assert_eq!(rows(&b["spenders"]), [row(1, "clara_9", 15000)]);
    let r = act(
        &server,
        &eva,
        "e-join-2",
        json!({"join_leaderboard": {"name": "boris b."}}),
    );
    assert_eq!(r["status"], "applied", "{r}");
    // Eva joins mid-period: her month's figure counts from her purchases.
    let b = boards(&server, &clara, &seen);
    assert_eq!(rows(&b["spenders"])[0], row(1, "boris b.", 1_111_100));
    let r = act(&server, &eva, "e-leave", json!({"leave_leaderboard": {}}));
    assert_eq!(r["status"], "applied");

    // Privacy: nothing Clara's phone received names another member's card or
    // id, nor a non-joined member's spend or points.
    let seen = seen.into_inner().unwrap();
    for m in [&anna, &boris, &dmitry, &eva] {
        assert!(
            !seen.contains(&m.card),
            "a card number reached another phone"
        );
        assert!(!seen.contains(&m.id), "a member id reached another phone");
        assert!(!seen.contains(&m.token));
    }
    for figure in ["7777.70", "777770", "5555.50", "555550"] {
        assert!(
            !seen.contains(figure),
            "{figure}: a non-joined member's figure reached another phone"
        );
    }
    assert!(!seen.contains("Dmitry") && seen.contains("clara_9"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_waits_offline_and_a_taken_name_comes_back_with_a_notice() {
    let server = Server::start(PROGRAM, 0.0);
    let url = format!("http://{}", server.addr);
    let first = enroll(&server);
    let r = act(
        &server,
        &first,
        "f-join",
        json!({"join_leaderboard": {"name": "Anna"}}),
    );
    assert_eq!(r["status"], "applied");
    buy(&server, &first, "f1", "200.00");

    let phone = |m: &Member| {
        let client = SyncClient::new(
            SyncConfig::new(&url),
            Arc::new(StaticToken(m.token.clone())),
        )
        .unwrap();
        let mut store = Store::open_in_memory().unwrap();
        store.set_program(PROGRAM).unwrap();
        (client, Arc::new(Mutex::new(store)))
    };
    // A taken name: pending on the phone, refused at sync, the inbox says why.
    let second = enroll(&server);
    let (client, store) = phone(&second);
    assert_eq!(
        store
            .lock()
            .unwrap()
            .join_leaderboard("  anna ", Utc::now())
            .unwrap(),
        "anna"
    );
    assert_eq!(
        store.lock().unwrap().board_membership().unwrap(),
        BoardMembership::Pending {
            name: "anna".into()
        }
    );
    let report = client.sync(store.clone()).await.unwrap();
    assert_eq!(report.actions_rejected, 1);
    {
        let s = store.lock().unwrap();
        assert_eq!(s.board_membership().unwrap(), BoardMembership::Out);
        let notice = s.list_messages(Utc::now(), false).unwrap();
        assert!(
            notice.iter().any(|m| m.content.body.contains("name_taken")),
            "{notice:?}"
        );
        assert!(s.outbox().unwrap().is_empty());
    }

    // A free name: confirmed, ranked, and kept for offline display.
    store
        .lock()
        .unwrap()
        .join_leaderboard("Ёжик", Utc::now())
        .unwrap();
    buy(&server, &second, "s1", "50.00");
    client.sync(store.clone()).await.unwrap();
    let view = store.lock().unwrap().leaderboards().unwrap();
    assert_eq!(
        view.membership,
        BoardMembership::Joined {
            name: "Ёжик".into()
        }
    );
    let week = view.boards[0].standing.clone().unwrap();
    assert_eq!(
        (view.boards[0].title.as_str(), week.participants),
        ("Points this week", 2)
    );
    assert_eq!(
        week.top.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Anna", "Ёжик"]
    );
    let me = week.me.unwrap();
    assert_eq!((me.rank, me.value, me.to_pass_next), (2, 5, Some(16)));

    // Leaving: my rank goes at once, the server forgets me at the next sync.
    store.lock().unwrap().leave_leaderboard(Utc::now()).unwrap();
    assert!(
        store.lock().unwrap().leaderboards().unwrap().boards[0]
            .standing
            .as_ref()
            .unwrap()
            .me
            .is_none()
    );
    client.sync(store.clone()).await.unwrap();
    let week = store.lock().unwrap().leaderboards().unwrap().boards[0]
        .standing
        .clone()
        .unwrap();
    assert_eq!((week.participants, week.top.len()), (1, 1));
    // Bad names never reach the outbox.
    let e = store
        .lock()
        .unwrap()
        .join_leaderboard("no!", Utc::now())
        .unwrap_err();
    assert_eq!(e.code(), "invalid_display_name");
    assert!(store.lock().unwrap().outbox().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_leaves_the_boards() {
    use loyalty_core::card::MemorySecretStore;
    use loyalty_core::session::{ChangeArea, Session, SessionConfig};

    let server = Server::start(PROGRAM, 0.0);
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let config = SessionConfig {
        server_url: Some(url.clone()),
        ..SessionConfig::default()
    };
    let store = Store::open_dir(dir.path()).unwrap();
    let s = Session::new(store, Arc::new(MemorySecretStore::default()), config).unwrap();
    s.enroll().await.result.unwrap();
    let joined = s.join_leaderboard(" Masha ");
    assert_eq!(joined.changed.areas(), &[ChangeArea::Goals]);
    assert_eq!(joined.result.unwrap(), "Masha");
    assert_eq!(
        s.join_leaderboard("?").result.unwrap_err().code(),
        "invalid_display_name"
    );
    s.sync().await.result.unwrap();
    let view = s.leaderboards().unwrap();
    assert_eq!(
        view.membership,
        BoardMembership::Joined {
            name: "Masha".into()
        }
    );
    assert_eq!(view.boards[0].standing.as_ref().unwrap().participants, 1);

    // The last sync of sign-out carries the leave: another member sees nobody.
    s.sign_out().await.result.unwrap();
    let other = enroll(&server);
    let b = boards(&server, &other, &Mutex::default());
    assert_eq!(b["week"]["participants"], 0);
    // And the name is free again.
    let r = act(
        &server,
        &other,
        "o-join",
        json!({"join_leaderboard": {"name": "masha"}}),
    );
    assert_eq!(r["status"], "applied", "{r}");
}
