//! The core's reqwest sync client against the dev server over loopback,
//! with and without injected faults.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use loyalty_core::store::Store;
use loyalty_core::sync::{StaticToken, SyncClient, SyncConfig};
use loyalty_core::wallet::Event;
use serde_json::{Value, json};

mod common;
use common::Server;

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "two", "title": "Two purchases", "goal": {"metric": "purchases", "target": 2}, "reward": {"points": 20}},
                 {"id": "opt", "title": "Opt-in", "opt_in": true, "goal": {"metric": "purchases", "target": 9}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"#;

fn url(server: &Server) -> String {
    format!("http://{}", server.addr)
}

fn till(server: &Server, card: &str, secret_hex: &str, receipt: &str, amount: &str) {
    let secret =
        loyalty_core::card::Secret::new(loyalty_core::card::secret_from_hex(secret_hex).unwrap())
            .unwrap();
    let svc = loyalty_core::card::CardService::new(
        loyalty_core::card::CardConfig::default(),
        card,
        secret,
        0,
    )
    .unwrap();
    // The till accepts the next 30 s step too: a second purchase within one
    // step shows the code of the next step instead of waiting for it.
    let mut ahead = 0;
    for _ in 0..4 {
        let at = Utc::now() + chrono::Duration::seconds(30 * ahead);
        let body = json!({"payload": svc.payload(at).unwrap(),
                          "purchase": {"receipt_id": receipt, "lines": [{"sku": "A", "qty": 1, "amount": amount}]}});
        let (status, r) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
        match status {
            201 => return,
            422 if r["error"]["code"] == "token_replayed" && ahead == 0 => ahead = 1,
            422 if r["error"]["code"] == "token_replayed" => {
                std::thread::sleep(std::time::Duration::from_secs(31));
                ahead = 0;
            }
            500 | 503 => {}
            _ => panic!("till: {status} {r}"),
        }
    }
    panic!("till never accepted {receipt}");
}

/// The enrolled card's number and hex secret, as the till test helpers take them.
fn card_of(me: &Value) -> (&str, &str) {
    (
        me["card_number"].as_str().unwrap(),
        me["card_secret_hex"].as_str().unwrap(),
    )
}

async fn enrolled(server: &Server) -> (Value, Arc<Mutex<Store>>, tempfile::TempDir) {
    let me = loop {
        match SyncClient::enroll(&url(server)).await {
            Ok(me) => break me,
            Err(e) => assert_eq!(e.code(), "server", "{e}"),
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open_dir(dir.path()).unwrap()));
    (me, store, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_then_offline_redeem_then_sync_again() {
    let server = Server::start(PROGRAM, 0.0);
    let (me, store, _dir) = enrolled(&server).await;
    let (card, secret) = card_of(&me);
    till(&server, card, secret, "r1", "100.00");
    let client = SyncClient::new(
        SyncConfig::new(&url(&server)),
        Arc::new(StaticToken(me["access_token"].as_str().unwrap().into())),
    )
    .unwrap();
    let report = client.sync(store.clone()).await.unwrap();
    assert_eq!(
        (report.events_applied, report.mismatches.clone()),
        (1, vec![]),
        "{report:?}"
    );
    assert_eq!(
        store
            .lock()
            .unwrap()
            .snapshot(Utc::now(), 30, 0)
            .unwrap()
            .balance,
        10
    );

    // Offline taps go through the queue and show at once.
    store
        .lock()
        .unwrap()
        .queue_action(
            "dev:1",
            &Event::RedeemReward {
                reward_id: "c1".into(),
                coupon_id: "k1".into(),
            },
            Utc::now(),
        )
        .unwrap();
    store
        .lock()
        .unwrap()
        .queue_action(
            "dev:2",
            &Event::JoinChallenge {
                challenge_id: "opt".into(),
            },
            Utc::now(),
        )
        .unwrap();
    assert_eq!(
        store
            .lock()
            .unwrap()
            .snapshot(Utc::now(), 30, 0)
            .unwrap()
            .balance,
        9
    );
    till(&server, card, secret, "r2", "50.00");
    let report = client.sync(store.clone()).await.unwrap();
    assert_eq!(report.actions_sent, 2);
    assert!(report.mismatches.is_empty(), "{report:?}");
    {
        let s = store.lock().unwrap();
        assert!(s.pending_actions().unwrap().is_empty());
        let snap = s.snapshot(Utc::now(), 30, 0).unwrap();
        assert_eq!(snap.balance, 10 - 1 + 5 + 20);
        assert!(s.server_offset_ms().unwrap().abs() < 5_000);
    }

    // An offer pushed by the server, activated and read offline, reaches the server with the next sync.
    let offer = json!({"message": {"kind": "offer", "message_id": "o-1", "title": "15% off", "body": "b", "coupon_percent": "15"}});
    assert_eq!(
        server
            .json("POST", "/v1/admin/offers", None, Some(&offer))
            .0,
        201
    );
    client.sync(store.clone()).await.unwrap();
    store
        .lock()
        .unwrap()
        .activate_offer("o-1", Utc::now())
        .unwrap();
    store.lock().unwrap().dismiss("o-1", Utc::now()).unwrap();
    let report = client.sync(store.clone()).await.unwrap();
    assert!(report.mismatches.is_empty(), "{report:?}");
    {
        let s = store.lock().unwrap();
        assert!(s.pending_actions().unwrap().is_empty() && s.outbox().unwrap().is_empty());
        let coupons: Vec<String> = s
            .snapshot(Utc::now(), 30, 0)
            .unwrap()
            .coupons
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert!(coupons.contains(&"offer:o-1".to_string()), "{coupons:?}");
    }

    // A wrong token is refused with a clear error, nothing applied.
    let bad = SyncClient::new(
        SyncConfig::new(&url(&server)),
        Arc::new(StaticToken("nope".into())),
    )
    .unwrap();
    let err = bad.sync(store.clone()).await.unwrap_err();
    assert_eq!(err.code(), "server");
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_actions_apply_exactly_once_through_faults() {
    let server = Server::start(PROGRAM, 0.3);
    let (me, store, _dir) = enrolled(&server).await;
    let (card, secret) = card_of(&me);
    till(&server, card, secret, "r1", "5000.00");
    let mut config = SyncConfig::new(&url(&server));
    config.backoff = std::time::Duration::from_millis(5);
    let client = SyncClient::new(
        config,
        Arc::new(StaticToken(me["access_token"].as_str().unwrap().into())),
    )
    .unwrap();
    while client.sync(store.clone()).await.is_err() {}
    for i in 0..200 {
        let event = Event::RedeemReward {
            reward_id: "c1".into(),
            coupon_id: format!("k{i}"),
        };
        store
            .lock()
            .unwrap()
            .queue_action(&format!("dev:{i}"), &event, Utc::now())
            .unwrap();
    }
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 50, "sync never settled");
        if client.sync(store.clone()).await.is_ok()
            && store.lock().unwrap().pending_actions().unwrap().is_empty()
        {
            break;
        }
    }
    // A last clean pull to compare digests.
    let report = loop {
        if let Ok(r) = client.sync(store.clone()).await {
            break r;
        }
    };
    assert!(report.mismatches.is_empty(), "{report:?}");
    let snap = store.lock().unwrap().snapshot(Utc::now(), 30, 0).unwrap();
    assert_eq!(snap.balance, 500 - 200, "each redeem applied exactly once");
    assert_eq!(snap.coupons.len(), 200);
}

struct Rotating {
    good: String,
    refreshed: std::sync::atomic::AtomicUsize,
    /// Set once a sync has asked for a token (it is running).
    entered: std::sync::atomic::AtomicBool,
}

impl loyalty_core::sync::TokenProvider for Rotating {
    fn token(&self) -> loyalty_core::Result<String> {
        self.entered
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok("expired-token".into())
    }
    fn refresh(&self) -> loyalty_core::Result<String> {
        self.refreshed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // A slow refresh keeps the first sync running while the second starts.
        std::thread::sleep(std::time::Duration::from_millis(300));
        Ok(self.good.clone())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_on_401_single_flight_and_server_figures_win() {
    let server = Server::start(PROGRAM, 0.0);
    let (me, store, dir) = enrolled(&server).await;
    let (card, secret) = card_of(&me);
    till(&server, card, secret, "r1", "100.00");
    let tokens = Arc::new(Rotating {
        good: me["access_token"].as_str().unwrap().into(),
        refreshed: 0.into(),
        entered: false.into(),
    });
    let client = Arc::new(SyncClient::new(SyncConfig::new(&url(&server)), tokens.clone()).unwrap());

    // A second sync while one runs joins it; a 401 asks for a fresh token once per request.
    let first = {
        let (client, store) = (client.clone(), store.clone());
        tokio::spawn(async move { client.sync(store).await })
    };
    while !tokens.entered.load(std::sync::atomic::Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let b = client.sync(store.clone()).await;
    let (a, b) = (first.await.unwrap().unwrap(), b.unwrap());
    assert_eq!(a, b, "the second call returns the running sync's report");
    assert_eq!(a.events_applied, 1);
    assert!(tokens.refreshed.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    // The local engine drifts from the server's (here: the phone's copy of
    // the rules is altered behind its back); the server's figures are adopted.
    {
        let db = rusqlite::Connection::open(dir.path().join(loyalty_core::store::DB_FILE)).unwrap();
        let altered = db
            .execute(
                r#"UPDATE programs SET rules = replace(rules, '"percent":"10"', '"percent":"30"')"#,
                [],
            )
            .unwrap();
        assert_eq!(altered, 1);
        drop(db);
        let mut s = store.lock().unwrap();
        *s = Store::open_dir(dir.path()).unwrap();
    }
    till(&server, card, secret, "r2", "100.00");
    let report = client.sync(store.clone()).await.unwrap();
    assert!(
        report.mismatches.contains(&"balance".to_string()),
        "{report:?}"
    );
    let s = store.lock().unwrap();
    let shown = s.snapshot(Utc::now(), 30, 0).unwrap();
    let raw = s.snapshot_raw(Utc::now(), 30, 0).unwrap();
    assert_eq!(
        shown.balance,
        10 + 10 + 20,
        "the server's figure (two purchases + challenge)"
    );
    assert_ne!(raw.balance, shown.balance);
}

/// Issue 12, item 5: a page larger than the client reads (receipts with many
/// long lines) is asked for again in smaller pages instead of failing every
/// sync from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_page_is_asked_for_again_in_smaller_pages() {
    const RULES: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
        "bonuses": {"welcome": 5, "referral": 3}}"#;
    let server = Server::start(RULES, 0.0);
    let (me, store, _dir) = enrolled(&server).await;
    let (card, secret) = card_of(&me);
    let secret =
        loyalty_core::card::Secret::new(loyalty_core::card::secret_from_hex(secret).unwrap())
            .unwrap();
    let svc = loyalty_core::card::CardService::new(
        loyalty_core::card::CardConfig::default(),
        card,
        secret,
        0,
    )
    .unwrap();
    let lines: Vec<Value> = (0..20)
        .map(|i| json!({"sku": format!("{i:03}{}", "S".repeat(120)), "qty": 1, "amount": "10.00"}))
        .collect();
    let body = json!({"payload": svc.payload(Utc::now()).unwrap(),
                      "purchase": {"receipt_id": "big", "lines": lines}});
    let (status, r) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{r}");
    for kind in ["welcome", "referral"] {
        let (status, r) = server.json(
            "POST",
            "/v1/admin/bonuses",
            None,
            Some(&json!({"member_id": me["member_id"], "kind": kind})),
        );
        assert_eq!(status, 201, "{r}");
    }
    // The whole history in one page is one byte more than this client reads.
    let token = me["access_token"].as_str().unwrap();
    let (status, whole) = server.call("GET", "/v1/me/sync", Some(token), None);
    assert_eq!(status, 200);
    let mut config = SyncConfig::new(&url(&server));
    config.max_body_bytes = whole.len() - 1;
    let client = SyncClient::new(config, Arc::new(StaticToken(token.into()))).unwrap();
    let report = client.sync(store.clone()).await.unwrap();
    assert_eq!(report.events_applied, 3, "{report:?}");
    assert!(report.mismatches.is_empty(), "{report:?}");
    let balance = store
        .lock()
        .unwrap()
        .snapshot(Utc::now(), 30, 0)
        .unwrap()
        .balance;
    assert_eq!(balance, 20 + 5 + 3);

    // One event larger than the limit is a clear error, not a loop.
    let mut config = SyncConfig::new(&url(&server));
    config.max_body_bytes = 1024;
    let client = SyncClient::new(config, Arc::new(StaticToken(token.into()))).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let other = Arc::new(Mutex::new(Store::open_dir(fresh.path()).unwrap()));
    let err = client.sync(other).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("one event from the server is larger"),
        "{err}"
    );
}
