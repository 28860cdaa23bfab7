//! The dev server over loopback: enroll, the till with real card payloads,
//! sync pages that the client engine reproduces, idempotent actions, offers,
//! and exactly-once actions under injected faults.

use std::time::Duration;

mod common;
use common::Server;

use chrono::Utc;
use loyalty_core::card::{CardConfig, CardService, Secret, secret_from_hex};
use loyalty_core::program::Program;
use loyalty_core::wallet::memory::MemoryWallet;
use loyalty_core::wallet::{Event, snapshot};
use serde_json::{Value, json};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c5", "cost": 5, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "two", "title": "Two purchases", "goal": {"metric": "purchases", "target": 2}, "reward": {"points": 20}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"#;

fn payload(card: &str, secret_hex: &str, at: chrono::DateTime<Utc>) -> String {
    let secret = Secret::new(secret_from_hex(secret_hex).unwrap()).unwrap();
    CardService::new(CardConfig::default(), card, secret, 0)
        .unwrap()
        .payload(at)
        .unwrap()
}

fn purchase(id: &str, amount: &str) -> Value {
    json!({"receipt_id": id, "lines": [{"sku": "A", "qty": 1, "amount": amount}]})
}

#[test]
fn till_sync_and_actions_end_to_end() {
    let server = Server::start(PROGRAM, 0.0);
    let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201, "{me}");
    let token = me["access_token"].as_str().unwrap();
    let card = me["card_number"].as_str().unwrap();
    let secret = me["card_secret_hex"].as_str().unwrap();

    // The till: a fresh payload is accepted once; a replay and an old code are refused.
    let now = Utc::now();
    let fresh = payload(card, secret, now);
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": fresh, "purchase": purchase("r1", "100.00")})),
    );
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["points_earned"], 10);
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": fresh, "purchase": purchase("r2", "1.00")})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("token_replayed")),
        "{r}"
    );
    let old = payload(card, secret, now - chrono::Duration::seconds(120));
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": old, "purchase": purchase("r3", "1.00")})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("token_expired")),
        "{r}"
    );
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": "garbage", "purchase": purchase("r4", "1.00")})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("malformed"))
    );

    // Offers and actions.
    let offer = json!({"kind": "offer", "message_id": "o-1", "title": "15% off", "body": "Show your card", "coupon_percent": "15"});
    let (status, r) = server.json(
        "POST",
        "/v1/admin/offers",
        None,
        Some(&json!({"message": offer})),
    );
    assert_eq!((status, r["delivered"].as_i64()), (201, Some(1)), "{r}");
    let bad = json!({"kind": "offer", "message_id": "o-2", "title": "x", "body": "y", "deep_link": "javascript:alert(1)"});
    let (status, r) = server.json(
        "POST",
        "/v1/admin/offers",
        None,
        Some(&json!({"message": bad})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (400, Some("invalid_push"))
    );
    let batch = json!({"actions": [
        {"idempotency_key": "k-redeem", "action": {"redeem_reward": {"reward_id": "c5", "coupon_id": "cp-1"}}},
        {"idempotency_key": "k-big", "action": {"redeem_reward": {"reward_id": "nope", "coupon_id": "cp-2"}}},
        {"idempotency_key": "k-read", "action": {"inbox_read": {"message_id": "o-1"}}},
        {"idempotency_key": "k-act", "action": {"activate_offer": {"message_id": "o-1"}}}
    ]});
    let (status, first) = server.json("POST", "/v1/me/actions", Some(token), Some(&batch));
    assert_eq!(status, 200, "{first}");
    let statuses: Vec<&str> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied", "rejected", "applied", "applied"]);
    assert_eq!(first["results"][1]["error"]["code"], "unknown_reward");
    let (_, again) = server.json("POST", "/v1/me/actions", Some(token), Some(&batch));
    let statuses: Vec<&str> = again["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        // Read marks are idempotent by nature: a repeat simply applies again.
        ["duplicate", "rejected", "applied", "duplicate"]
    );
    assert_eq!(again["results"][0]["seq"], first["results"][0]["seq"]);

    // Sync: the client engine applied to the server's events reproduces the digest.
    let (status, page) = server.json("GET", "/v1/me/sync", Some(token), None);
    assert_eq!(status, 200, "{page}");
    let program = Program::from_value(&page["program"]["rules"]).unwrap();
    let mut local = MemoryWallet::new();
    for e in page["events"].as_array().unwrap() {
        let event: Event = serde_json::from_value(e["event"].clone()).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
            .unwrap()
            .to_utc();
        local.apply(&program, &event, at).unwrap();
    }
    let digest = &page["digest"];
    let at = chrono::DateTime::parse_from_rfc3339(digest["at"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let snap = snapshot(&program, &local, at, 30, 0).unwrap();
    assert_eq!(digest["balance"].as_i64(), Some(snap.balance));
    assert_eq!(
        digest["lifetime_earned"].as_i64(),
        Some(snap.lifetime_earned)
    );
    assert_eq!(digest["coupons"], json!(["cp-1", "offer:o-1"]));
    assert_eq!(digest["badges"], json!({"first": 1}));
    assert_eq!(page["messages"][0]["message_id"], "o-1");
    let keyed: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["idempotency_key"].as_str())
        .collect();
    assert_eq!(keyed, ["k-redeem", "k-act"]);

    // An incremental sync with nothing new: no events, same digest, no program.
    let cursor = page["next_cursor"].as_str().unwrap();
    let version = page["program"]["version"].as_str().unwrap();
    let (_, next) = server.json(
        "GET",
        &format!("/v1/me/sync?cursor={cursor}&program_version={version}"),
        Some(token),
        None,
    );
    assert_eq!(next["events"], json!([]));
    assert_eq!(next["program"], Value::Null);
    assert_eq!(next["digest"]["balance"], digest["balance"]);

    // A bonus granted by an operator reaches the member's log.
    let (status, r) = server.json(
        "POST",
        "/v1/admin/bonuses",
        None,
        Some(&json!({"member_id": me["member_id"], "kind": "welcome"})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (409, Some("bonus_not_configured")),
        "{r}"
    );
    assert_eq!(
        server
            .json(
                "POST",
                "/v1/admin/bonuses",
                None,
                Some(&json!({"member_id": "m-nobody", "kind": "welcome"}))
            )
            .0,
        404
    );

    // Auth and bad input.
    assert_eq!(
        server.json("GET", "/v1/me/sync", Some("wrong"), None).0,
        401
    );
    assert_eq!(server.json("GET", "/v1/me/sync", None, None).0, 401);
    assert_eq!(
        server
            .json("GET", "/v1/me/sync?cursor=zz", Some(token), None)
            .0,
        400
    );
    let (status, r) = server.json(
        "POST",
        "/v1/me/actions",
        Some(token),
        Some(&json!({"actions": [{"idempotency_key": "x", "action": {"fly": {}}}]})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    assert_eq!(server.json("GET", "/v1/nothing", None, None).0, 404);
}

#[test]
fn actions_apply_exactly_once_under_injected_faults() {
    let server = Server::start(PROGRAM, 0.3);
    let me = loop {
        let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
        if status == 201 {
            break me;
        }
    };
    let token = me["access_token"].as_str().unwrap().to_string();
    // Points to spend (the till is not fault-injected): 200 points, so all 40 redeems of 5 apply.
    let pay = payload(
        me["card_number"].as_str().unwrap(),
        me["card_secret_hex"].as_str().unwrap(),
        Utc::now(),
    );
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": pay, "purchase": purchase("big", "2000.00")})),
    );
    assert_eq!(status, 201, "{r}");
    let keys: Vec<String> = (0..40).map(|i| format!("join-or-redeem-{i}")).collect();
    let mut outcomes = std::collections::BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        let action = json!({"redeem_reward": {"reward_id": "c5", "coupon_id": format!("cp-{i}")}});
        let batch = json!({"actions": [{"idempotency_key": key, "action": action}]});
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            assert!(std::time::Instant::now() < deadline, "no answer for {key}");
            let (status, text) = server.call("POST", "/v1/me/actions", Some(&token), Some(&batch));
            if status != 200 {
                continue;
            }
            let Ok(body) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            outcomes.insert(
                key.clone(),
                body["results"][0]["status"].as_str().unwrap().to_string(),
            );
            break;
        }
    }
    // Every key is settled (applied, duplicate after a lost answer, or rejected for lack of points),
    // and the server holds no event twice.
    assert_eq!(outcomes.len(), keys.len());
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    for _ in 0..100 {
        let (status, text) = server.call(
            "GET",
            &format!("/v1/me/sync?cursor={cursor}&limit=7"),
            Some(&token),
            None,
        );
        let Ok(page) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if status != 200 {
            continue;
        }
        for e in page["events"].as_array().unwrap() {
            if let Some(k) = e["idempotency_key"].as_str() {
                assert!(seen.insert(k.to_string()), "{k} applied twice");
            }
        }
        if !page["has_more"].as_bool().unwrap() {
            assert_eq!(seen.len(), keys.len(), "every redeem applied exactly once");
            assert!(
                outcomes
                    .values()
                    .all(|s| s == "applied" || s == "duplicate"),
                "{outcomes:?}"
            );
        }
        cursor = page["next_cursor"].as_str().unwrap().to_string();
        if !page["has_more"].as_bool().unwrap() {
            return;
        }
    }
    panic!("sync did not finish");
}

/// A static card code is only the card number: at the till it identifies
/// the member and earns, but spending points or a coupon with it is refused.
#[test]
fn a_static_code_earns_but_cannot_pay() {
    let program = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
      "card": {"template": "{card}"}}"#;
    let server = Server::start(program, 0.0);
    let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201, "{me}");
    let card = me["card_number"].as_str().unwrap();
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": card, "purchase": purchase("s1", "1000.00")})),
    );
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["points_earned"], 100);
    let mut pay = purchase("s2", "100.00");
    pay["pay_points"] = json!(10);
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": card, "purchase": pay})),
    );
    assert_eq!(status, 403, "{r}");
    assert_eq!(r["error"]["code"], "static_code_cannot_pay", "{r}");
    let mut with_coupon = purchase("s3", "100.00");
    with_coupon["coupon"] = json!("any");
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": card, "purchase": with_coupon})),
    );
    assert_eq!(status, 403, "{r}");
}

/// The idempotency contract of docs/api.md: a key reused for another action
/// is refused (the new action is not applied), a refused key stays refused
/// when retried after the state changed, and a batch refused for a bad key
/// applies none of its actions.
#[test]
fn keys_are_bound_to_their_action_and_refusals_stick() {
    let server = Server::start(PROGRAM, 0.0);
    let (_, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    let (card, secret) = (
        me["card_number"].as_str().unwrap(),
        me["card_secret_hex"].as_str().unwrap(),
    );
    let token = me["access_token"].as_str().unwrap();
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": payload(card, secret, Utc::now()), "purchase": purchase("r1", "1000.00")})),
    );
    assert_eq!(status, 201, "{r}");
    let act = |actions: Value| {
        let (status, r) = server.json(
            "POST",
            "/v1/me/actions",
            Some(token),
            Some(&json!({ "actions": actions })),
        );
        (status, r)
    };
    let redeem = |key: &str, coupon: &str| json!({"idempotency_key": key, "action": {"redeem_reward": {"reward_id": "c5", "coupon_id": coupon}}});

    let (_, r) = act(json!([redeem("k1", "cp-1")]));
    assert_eq!(r["results"][0]["status"], "applied", "{r}");
    // The same key with another coupon: refused, and that coupon was not issued.
    let (_, r) = act(json!([redeem("k1", "cp-other")]));
    assert_eq!(r["results"][0]["status"], "rejected", "{r}");
    assert_eq!(
        r["results"][0]["error"]["code"], "idempotency_key_reused",
        "{r}"
    );
    let (_, r) = act(json!([redeem("k2", "cp-other")]));
    assert_eq!(
        r["results"][0]["status"], "applied",
        "cp-other was issued under k1: {r}"
    );
    // The same key with the same action is still a duplicate.
    let (_, r) = act(json!([redeem("k1", "cp-1")]));
    assert_eq!(r["results"][0]["status"], "duplicate", "{r}");

    // A bad key anywhere refuses the whole batch before anything runs.
    let (status, r) = act(json!([redeem("k3", "cp-3"), redeem("bad\u{7}key", "cp-4")]));
    assert_eq!(status, 400, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("actions[1]"),
        "{r}"
    );
    let (_, r) = act(json!([redeem("k3", "cp-3")]));
    assert_eq!(
        r["results"][0]["status"], "applied",
        "k3 ran in the refused batch: {r}"
    );

    // An activation refused (no such offer yet) stays refused once the offer exists.
    let activate =
        json!([{"idempotency_key": "ka", "action": {"activate_offer": {"message_id": "o-late"}}}]);
    let (_, r) = act(activate.clone());
    assert_eq!(r["results"][0]["status"], "rejected", "{r}");
    let offer = json!({"kind": "offer", "message_id": "o-late", "title": "10% off", "body": "b", "coupon_percent": "10"});
    let (status, _) = server.json(
        "POST",
        "/v1/admin/offers",
        None,
        Some(&json!({"message": offer})),
    );
    assert_eq!(status, 201);
    let (_, r) = act(activate);
    assert_eq!(
        r["results"][0]["status"], "rejected",
        "a refused key was applied on retry: {r}"
    );
    assert_eq!(r["results"][0]["error"]["code"], "unknown_message", "{r}");
}

/// The till accepts a code's step only with a purchase that applies: a
/// refused receipt leaves the code usable for the cashier's corrected one; a
/// purchase sent again gets the same answer and applies nothing; a figure too
/// large to compute with is the client's error (4xx), not a server fault.
#[test]
fn a_refused_purchase_does_not_burn_the_code_and_retries_are_safe() {
    let server = Server::start(PROGRAM, 0.0);
    let (_, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    let (card, secret) = (
        me["card_number"].as_str().unwrap(),
        me["card_secret_hex"].as_str().unwrap(),
    );
    let code = payload(card, secret, Utc::now());
    let till = |purchase: Value| {
        server.json(
            "POST",
            "/v1/pos/purchases",
            None,
            Some(&json!({"payload": code, "purchase": purchase})),
        )
    };
    let (status, r) = till(purchase("t1", "-1"));
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (400, Some("invalid_amount")),
        "{r}"
    );
    let (status, first) = till(purchase("t1", "100.00"));
    assert_eq!(status, 201, "the refused receipt burned the code: {first}");
    let (status, again) = till(purchase("t1", "100.00"));
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, first, "a retry gets the first answer");
    // Another receipt with the same code is a replay.
    let (status, r) = till(purchase("t2", "100.00"));
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("token_replayed")),
        "{r}"
    );
    // The same receipt id with other lines is a different purchase: refused.
    let code2 = payload(card, secret, Utc::now() + chrono::Duration::seconds(30));
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": code2, "purchase": purchase("t1", "5.00")})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (409, Some("duplicate_receipt")),
        "{r}"
    );

    // Amounts whose sum no i64 holds: refused as the client's error.
    let lines: Vec<Value> = (0..10_000)
        .map(|i| json!({"sku": format!("s{i}"), "qty": 1, "amount": "9999999999999.99"}))
        .collect();
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": code2, "purchase": {"receipt_id": "huge", "lines": lines}})),
    );
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (400, Some("overflow")),
        "{r}"
    );
}

/// Custom bonuses through the admin endpoint: a survey once per quarter
/// (`key` required), an event once (`key` refused); each refusal applies
/// nothing, and the granted ones reach the member's sync.
#[test]
fn admin_grants_custom_bonuses_by_key() {
    let server = Server::start(
        r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
            "bonuses": {"custom": [{"id": "survey", "points": 50, "limit": "per_key"},
                                   {"id": "expo", "points": 30, "limit": "once"}]}}"#,
        0.0,
    );
    let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201, "{me}");
    let member = me["member_id"].clone();
    let grant = |body: Value| server.json("POST", "/v1/admin/bonuses", None, Some(&body));
    let code =
        |(status, r): (u16, Value)| (status, r["error"]["code"].as_str().map(str::to_string));
    let (status, r) = grant(json!({"member_id": member, "kind": "survey", "key": "2026-q4"}));
    assert_eq!(status, 201, "{r}");
    for (body, expected) in [
        (
            json!({"member_id": member, "kind": "survey", "key": "2026-q4"}),
            (409, "bonus_already_granted"),
        ),
        (
            json!({"member_id": member, "kind": "survey"}),
            (400, "invalid_id"),
        ),
        (
            json!({"member_id": member, "kind": "expo", "key": "x"}),
            (400, "invalid_id"),
        ),
        (
            json!({"member_id": member, "kind": "quiz"}),
            (409, "bonus_not_configured"),
        ),
    ] {
        assert_eq!(
            code(grant(body.clone())),
            (expected.0, Some(expected.1.to_string())),
            "{body}"
        );
    }
    assert_eq!(
        grant(json!({"member_id": member, "kind": "survey", "key": "2027-q1"})).0,
        201
    );
    assert_eq!(grant(json!({"member_id": member, "kind": "expo"})).0, 201);
    let token = me["access_token"].as_str().unwrap();
    let (status, page) = server.json("GET", "/v1/me/sync", Some(token), None);
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["digest"]["balance"], 130, "{page}");
    let kinds: Vec<Value> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["bonus"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            json!({"kind": "survey", "key": "2026-q4"}),
            json!({"kind": "survey", "key": "2027-q1"}),
            json!({"kind": "expo"}),
        ]
    );
}
