//! `core::session` against the dev server: the orchestration the bindings and
//! the CLI forward to — enroll, the change areas a sync reports, the card
//! cache, sign-out and the one enroll refusal rule.

use std::sync::Arc;

use chrono::Utc;
use loyalty_core::card::MemorySecretStore;
use loyalty_core::session::{ChangeArea, Changes, Session, SessionConfig};
use loyalty_core::store::Store;
use serde_json::json;

mod common;
use common::Server;

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}]}"#;

fn session(dir: &tempfile::TempDir, url: &str) -> Session {
    let config = SessionConfig {
        server_url: Some(url.to_string()),
        ..SessionConfig::default()
    };
    let store = Store::open_dir(dir.path()).unwrap();
    Session::new(store, Arc::new(MemorySecretStore::default()), config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_sync_and_sign_out_report_what_changed() {
    let server = Server::start(PROGRAM, 0.0);
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir, &url);

    let done = s.enroll().await;
    assert_eq!(done.changed, Changes::all());
    assert_eq!(done.result.unwrap().card_last4.len(), 4);
    let again = s.enroll().await;
    assert_eq!(again.result.unwrap_err().code(), "already_enrolled");
    assert!(again.changed.is_empty());

    // The first sync brings the program.
    let first = s.sync().await;
    assert_eq!(first.changed, Changes::all());
    assert!(first.result.unwrap().program_updated);
    // Nothing new: nothing changed, the card stays cached between frames.
    let idle = s.sync().await;
    let report = idle.result.unwrap();
    assert!(!report.program_updated && report.changed.is_empty());
    assert!(idle.changed.is_empty());
    let card = s.card_service().unwrap();
    assert!(Arc::ptr_eq(&card, &s.card_service().unwrap()));

    // A till purchase reaches the wallet through the next sync.
    let body = json!({"payload": s.card_view().unwrap().frame.payload,
        "purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "100.00"}]}});
    let (status, answer) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{answer}");
    let done = s.sync().await;
    assert!(done.changed.contains(ChangeArea::Wallet));
    assert_eq!(done.result.unwrap().report.events_applied, 1);
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().snapshot.balance, 10);

    // An offline redeem is sent by the last sync of sign-out.
    assert_eq!(s.redeem_reward("c1").changed.areas(), &[ChangeArea::Wallet]);
    let generation = s.sign_outs();
    let out = s.sign_out().await;
    assert_eq!(out.changed, Changes::all());
    let out = out.result.unwrap();
    assert_eq!(out.unsent_actions_dropped, 0);
    let last = out.last_sync.unwrap().unwrap();
    assert_eq!(last.report.actions_sent, 1);
    assert_eq!(s.card_view().unwrap_err().code(), "no_card");
    assert_eq!(
        s.ensure_same_member(generation).unwrap_err().code(),
        "interrupted"
    );

    // The folder is empty again: a new member may enroll into it.
    assert!(s.enroll().await.result.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_with_history_is_refused_before_the_server_is_asked() {
    let server = Server::start(PROGRAM, 0.0);
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open_dir(dir.path()).unwrap();
        store.set_program(PROGRAM).unwrap();
        let buy = serde_json::from_value(json!({"purchase": {"receipt_id": "d1",
            "lines": [{"sku": "A", "qty": 1, "amount": "10.00"}]}}))
        .unwrap();
        store.apply(&buy, Utc::now()).unwrap();
    }
    let s = session(&dir, &format!("http://{}", server.addr));
    assert_eq!(
        s.enroll().await.result.unwrap_err().code(),
        "already_enrolled"
    );
    let (_, members) = server.json(
        "POST",
        "/v1/admin/offers",
        None,
        Some(&json!({
        "message": {"kind": "offer", "message_id": "o-1", "title": "t", "body": "b",
                    "coupon_percent": "5", "coupon_valid_days": "7"}})),
    );
    assert_eq!(
        members["delivered"], 0,
        "no member was created on the server"
    );
}

/// Issue 12, item 1: the program changes its earn rate while the phone holds
/// a purchase made under the old one; a tap taken offline after the change
/// must still sync, and the old purchase keeps the points it earned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rules_change_keeps_confirmed_history_and_lets_pending_taps_sync() {
    let old_rules = include_str!("../../tests/programs/sync-program.json");
    let new_rules = old_rules.replace(r#"{"percent": "10"}"#, r#"{"percent": "1"}"#);
    assert_ne!(old_rules, new_rules);
    let server = Server::start(old_rules, 0.0);
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir, &url);
    s.enroll().await.result.unwrap();
    s.sync().await.result.unwrap();
    let till = |payload: String, receipt: &str| {
        json!({"payload": payload, "purchase": {"receipt_id": receipt,
            "lines": [{"sku": "A", "qty": 1, "amount": "1000.00"}]}})
    };
    let body = till(s.card_view().unwrap().frame.payload.clone(), "r1");
    let (status, answer) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{answer}");
    s.sync().await.result.unwrap();
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().snapshot.balance, 100);
    // A second shopper buys too, but her phone syncs only after the change.
    let dir2 = tempfile::tempdir().unwrap();
    let late = session(&dir2, &url);
    late.enroll().await.result.unwrap();
    let body = till(late.card_view().unwrap().frame.payload.clone(), "l1");
    let (status, answer) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{answer}");

    // The program now earns 1 %; the phone learns it on its next sync.
    let server = server.restart(&new_rules);
    // The late phone gets the old purchase with the rules it was made under
    // (one page per rules version), so its figures agree with the server's.
    let done = late.sync().await.result.unwrap();
    assert!(done.report.mismatches.is_empty(), "{:?}", done.report);
    assert_eq!(late.wallet_snapshot(30, 5).unwrap().snapshot.balance, 100);

    let done = s.sync().await.result.unwrap();
    assert!(done.program_updated);
    assert!(done.report.mismatches.is_empty(), "{:?}", done.report);
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().snapshot.balance, 100);

    // Offline redeem of 50 points, then a sync that sends it.
    s.redeem_reward("c20").result.unwrap();
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().snapshot.balance, 50);
    let done = s.sync().await.result.unwrap();
    assert_eq!(done.report.actions_sent, 1, "{:?}", done.report);
    assert!(done.report.mismatches.is_empty(), "{:?}", done.report);
    let snap = s.wallet_snapshot(30, 5).unwrap().snapshot;
    assert_eq!(snap.balance, 50);
    assert_eq!(snap.coupons.len(), 1);

    // New purchases earn under the new rules (1 % of 1000.00), old ones keep theirs.
    std::thread::sleep(std::time::Duration::from_secs(31));
    let body = till(s.card_view().unwrap().frame.payload.clone(), "r2");
    let (status, answer) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{answer}");
    let done = s.sync().await.result.unwrap();
    assert!(done.report.mismatches.is_empty(), "{:?}", done.report);
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().snapshot.balance, 60);
    let (status, _) = server.json("GET", "/v1/me/sync", None, None);
    assert_eq!(status, 401);
}
