//! The client store against the dev server: pending actions applied at once,
//! server events arriving first (rebase keeps the taps), confirmation by
//! idempotency key, rejection rolled back with an inbox message, and digests
//! that agree. The HTTP exchange is the test's own; the core's reqwest client
//! is still to come (issue 6).

use chrono::{DateTime, Utc};
use loyalty_core::card::{CardConfig, CardService, Secret, secret_from_hex};
use loyalty_core::store::{ServerEvent, Store};
use loyalty_core::wallet::{Event, Time};
use serde_json::{Value, json};

mod common;
use common::Server;

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c5", "cost": 5, "coupon": {"percent": "5", "valid_days": 30}},
              {"id": "big", "cost": 100000, "coupon": {"percent": "50", "valid_days": 30}}],
  "challenges": [{"id": "two", "title": "Two purchases", "goal": {"metric": "purchases", "target": 2}, "reward": {"points": 20}}]}"#;

fn t(s: &str) -> Time {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

struct Member {
    token: String,
    card: String,
    secret: String,
}

fn enroll(server: &Server) -> Member {
    let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201, "{me}");
    Member {
        token: me["access_token"].as_str().unwrap().into(),
        card: me["card_number"].as_str().unwrap().into(),
        secret: me["card_secret_hex"].as_str().unwrap().into(),
    }
}

fn till(server: &Server, m: &Member, receipt: &str, amount: &str) {
    let secret = Secret::new(secret_from_hex(&m.secret).unwrap()).unwrap();
    let svc = CardService::new(CardConfig::default(), &m.card, secret, 0).unwrap();
    // Two purchases in one 30 s step would be a replay; the till accepts the
    // next step's code too, so show that one (and wait only past both).
    for ahead in [0, 1, 0] {
        let payload = svc
            .payload(Utc::now() + chrono::Duration::seconds(30 * ahead))
            .unwrap();
        let body = json!({"payload": payload, "purchase": {"receipt_id": receipt, "lines": [{"sku": "A", "qty": 1, "amount": amount}]}});
        let (status, r) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
        if status == 422 && r["error"]["code"] == "token_replayed" {
            if ahead == 1 {
                std::thread::sleep(std::time::Duration::from_secs(31));
            }
            continue;
        }
        assert_eq!(status, 201, "{r}");
        return;
    }
    panic!("till never accepted {receipt}");
}

/// One sync round: pull every page into the store; returns the last digest.
fn pull(server: &Server, m: &Member, store: &mut Store, cursor: &mut String) -> Value {
    loop {
        let (status, page) = server.json(
            "GET",
            &format!("/v1/me/sync?cursor={cursor}"),
            Some(&m.token),
            None,
        );
        assert_eq!(status, 200, "{page}");
        if store.program().is_none() {
            store
                .set_program(&page["program"]["rules"].to_string())
                .unwrap();
        }
        let events: Vec<ServerEvent> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| ServerEvent {
                seq: e["seq"].as_i64().unwrap(),
                at: t(e["at"].as_str().unwrap()),
                event: serde_json::from_value(e["event"].clone()).unwrap(),
                idempotency_key: e["idempotency_key"].as_str().map(str::to_string),
                program_version: None,
            })
            .collect();
        store.apply_server_events(&events).unwrap();
        *cursor = page["next_cursor"].as_str().unwrap().to_string();
        if !page["has_more"].as_bool().unwrap() {
            return page["digest"].clone();
        }
    }
}

/// Sends every pending action; settles rejections.
fn push(server: &Server, m: &Member, store: &mut Store) {
    let pending = store.pending_actions().unwrap();
    if pending.is_empty() {
        return;
    }
    let actions: Vec<Value> = pending
        .iter()
        .map(|p| {
            let action = match &p.event {
                Event::RedeemReward {
                    reward_id,
                    coupon_id,
                } => json!({"redeem_reward": {"reward_id": reward_id, "coupon_id": coupon_id}}),
                Event::JoinChallenge { challenge_id } => {
                    json!({"join_challenge": {"challenge_id": challenge_id}})
                }
                other => panic!("not a client action: {other:?}"),
            };
            json!({"idempotency_key": p.idempotency_key, "action": action})
        })
        .collect();
    let (status, r) = server.json(
        "POST",
        "/v1/me/actions",
        Some(&m.token),
        Some(&json!({"actions": actions})),
    );
    assert_eq!(status, 200, "{r}");
    for result in r["results"].as_array().unwrap() {
        if result["status"] == "rejected" {
            store
                .reject_action(
                    result["idempotency_key"].as_str().unwrap(),
                    result["error"]["code"].as_str().unwrap(),
                    result["error"]["message"].as_str().unwrap(),
                    Utc::now(),
                )
                .unwrap();
        }
    }
}

#[test]
fn pending_actions_survive_server_events_and_confirm_by_key() {
    let server = Server::start(PROGRAM, 0.0);
    let m = enroll(&server);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    let mut cursor = String::new();

    till(&server, &m, "r1", "100.00");
    let digest = pull(&server, &m, &mut store, &mut cursor);
    let now = t(digest["at"].as_str().unwrap());
    assert_eq!(
        store.check_digest(&digest, now).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(store.snapshot(now, 30, 0).unwrap().balance, 10);

    // Offline: the shopper redeems; the coupon shows at once.
    let redeem = Event::RedeemReward {
        reward_id: "c5".into(),
        coupon_id: "cp-1".into(),
    };
    store
        .queue_action("dev:redeem:1", &redeem, Utc::now())
        .unwrap();
    let local = store.snapshot(Utc::now(), 30, 0).unwrap();
    assert_eq!((local.balance, local.coupons.len()), (5, 1));
    assert_eq!(
        store
            .queue_action("dev:redeem:1", &redeem, Utc::now())
            .unwrap_err()
            .code(),
        "invalid_id"
    );

    // Meanwhile the till records a purchase; its event arrives before the redeem is sent.
    till(&server, &m, "r2", "200.00");
    let applied_digest = pull(&server, &m, &mut store, &mut cursor);
    let local = store.snapshot(Utc::now(), 30, 0).unwrap();
    // 10 + 20 (r2) + 20 (challenge "two") - 5 (pending redeem, re-applied on top).
    assert_eq!((local.balance, local.coupons.len()), (45, 1));
    assert_eq!(store.pending_actions().unwrap().len(), 1);
    assert_eq!(
        applied_digest["balance"], 50,
        "the server has not seen the redeem yet"
    );

    // Online again: send, pull; the server's copy replaces the pending one.
    push(&server, &m, &mut store);
    let digest = pull(&server, &m, &mut store, &mut cursor);
    assert!(store.pending_actions().unwrap().is_empty());
    let at = t(digest["at"].as_str().unwrap());
    assert_eq!(
        store.check_digest(&digest, at).unwrap(),
        Vec::<String>::new(),
        "{digest}"
    );
    assert_eq!(digest["balance"], 45);
    assert_eq!(digest["coupons"], json!(["cp-1"]));
    assert_eq!(digest["challenges"]["two"]["completions"], 1);

    // A second pull with nothing new changes nothing.
    let again = pull(&server, &m, &mut store, &mut cursor);
    assert_eq!(again["balance"], 45);
    assert_eq!(store.snapshot(Utc::now(), 30, 0).unwrap().balance, 45);
}

#[test]
fn rejected_actions_roll_back_and_explain() {
    let server = Server::start(PROGRAM, 0.0);
    let m = enroll(&server);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    let mut cursor = String::new();
    till(&server, &m, "r1", "100.00");
    pull(&server, &m, &mut store, &mut cursor);
    // Locally there are 10 points; a join of an unknown challenge cannot even queue,
    // but a redeem that the server refuses (coupon id already used there) can.
    store
        .queue_action(
            "dev:redeem:a",
            &Event::RedeemReward {
                reward_id: "c5".into(),
                coupon_id: "dup".into(),
            },
            Utc::now(),
        )
        .unwrap();
    let (status, _) = server.json(
        "POST",
        "/v1/me/actions",
        Some(&m.token),
        Some(&json!({"actions": [{"idempotency_key": "other-device", "action": {"redeem_reward": {"reward_id": "c5", "coupon_id": "dup"}}}]})),
    );
    assert_eq!(status, 200);
    push(&server, &m, &mut store);
    assert!(store.pending_actions().unwrap().is_empty());
    let digest = pull(&server, &m, &mut store, &mut cursor);
    let at = t(digest["at"].as_str().unwrap());
    assert_eq!(
        store.check_digest(&digest, at).unwrap(),
        Vec::<String>::new(),
        "{digest}"
    );
    let ids: Vec<String> = store
        .list_messages(Utc::now(), false)
        .unwrap()
        .into_iter()
        .map(|m| m.content.id)
        .collect();
    assert!(
        ids.contains(&"rejected:dev:redeem:a".to_string()),
        "{ids:?}"
    );
}

#[test]
fn hostile_pages_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    let purchase = |id: &str| {
        Event::Purchase(loyalty_core::wallet::PurchaseInput {
            receipt_id: id.into(),
            lines: vec![loyalty_core::wallet::LineInput {
                sku: "A".into(),
                category: None,
                qty: 1,
                amount: "10.00".into(),
            }],
            coupon: None,
            pay_points: None,
        })
    };
    let at = t("2026-06-01T10:00:00Z");
    let ev = |seq: i64, id: &str| ServerEvent {
        seq,
        at,
        event: purchase(id),
        idempotency_key: None,
        program_version: None,
    };
    store
        .apply_server_events(&[ev(1, "r1"), ev(2, "r2")])
        .unwrap();
    let before = store.digest(at).unwrap();
    // Repeated identical events are skipped; a changed or backwards one refuses the whole page.
    assert_eq!(
        store
            .apply_server_events(&[ev(2, "r2")])
            .unwrap()
            .new_events,
        0
    );
    assert_eq!(
        store
            .apply_server_events(&[ev(3, "r3"), ev(2, "zz")])
            .unwrap_err()
            .code(),
        "corrupt_store"
    );
    let bad_amount = ServerEvent {
        seq: 3,
        at,
        event: Event::Purchase(loyalty_core::wallet::PurchaseInput {
            receipt_id: "neg".into(),
            lines: vec![loyalty_core::wallet::LineInput {
                sku: "A".into(),
                category: None,
                qty: 1,
                amount: "-5".into(),
            }],
            coupon: None,
            pay_points: None,
        }),
        idempotency_key: None,
        program_version: None,
    };
    assert_eq!(
        store.apply_server_events(&[bad_amount]).unwrap_err().code(),
        "corrupt_store"
    );
    assert_eq!(store.digest(at).unwrap(), before);
    assert_eq!(store.last_server_seq().unwrap(), 2);
}
