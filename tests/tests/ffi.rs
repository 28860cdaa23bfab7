//! The bindings' public API driven like an app would, from many threads.

use std::sync::Arc;

use loyalty_ffi::{ClientConfig, LoyaltyClient, LoyaltyError, PushOutcome};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "j", "title": "Join me", "opt_in": true, "goal": {"metric": "purchases", "target": 3}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"#;

fn client(dir: &tempfile::TempDir) -> Arc<LoyaltyClient> {
    LoyaltyClient::new(ClientConfig {
        data_dir: dir.path().display().to_string(),
        program_json: Some(PROGRAM.into()),
    })
    .unwrap()
}

fn code(e: LoyaltyError) -> String {
    match e {
        LoyaltyError::Failure { code, .. } => code,
    }
}

#[test]
fn errors_carry_the_core_codes_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir);
    assert_eq!(
        code(c.redeem_reward("nope".into()).unwrap_err()),
        "unknown_reward"
    );
    assert_eq!(
        code(c.redeem_reward("c1".into()).unwrap_err()),
        "insufficient_points"
    );
    assert_eq!(
        code(c.ingest_push("{not json".into()).unwrap_err()),
        "invalid_push"
    );
    assert_eq!(code(c.card_view().unwrap_err()), "no_card");
    assert_eq!(
        code(c.mark_read("missing".into()).unwrap_err()),
        "unknown_message"
    );
    assert_eq!(
        code(c.join_challenge("nope".into()).unwrap_err()),
        "unknown_challenge"
    );
    assert_eq!(c.wallet_snapshot(10).unwrap().balance, 0);
    let bad = LoyaltyClient::new(ClientConfig {
        data_dir: dir.path().display().to_string(),
        program_json: None,
    });
    assert!(bad.is_ok(), "reopening keeps the stored program");
    let garbage = tempfile::tempdir().unwrap();
    std::fs::write(garbage.path().join("wallet.sqlite3"), b"not a database").unwrap();
    let err = LoyaltyClient::new(ClientConfig {
        data_dir: garbage.path().display().to_string(),
        program_json: None,
    })
    .err()
    .unwrap();
    assert_eq!(code(err), "not_a_database");
}

#[test]
fn one_client_from_eight_threads() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let payload = format!(r#"{{"kind":"offer","message_id":"t{t}-{i}","title":"Offer","body":"b","coupon_percent":"5"}}"#);
                    assert!(matches!(c.ingest_push(payload).unwrap(), PushOutcome::New { .. }));
                    c.wallet_snapshot(5).unwrap();
                    c.unread_count().unwrap();
                    c.challenges().unwrap();
                    c.badges().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(c.unread_count().unwrap(), 200);
    assert_eq!(c.inbox(false).unwrap().len(), 200);
    c.activate_offer("t3-7".into()).unwrap();
    let snap = c.wallet_snapshot(5).unwrap();
    assert_eq!(
        snap.coupons
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["offer:t3-7"]
    );
    assert_eq!(snap.coupons[0].percent_hundredths, Some(500));
    c.join_challenge("j".into()).unwrap();
    assert_eq!(c.challenges().unwrap()[0].status, "active");
    assert_eq!(
        c.ingest_push(r#"{"kind":"offer","message_id":"t3-7","title":"T","body":"B"}"#.into())
            .unwrap(),
        PushOutcome::Duplicate
    );
}
