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
