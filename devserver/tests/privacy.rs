//! Privacy: no token, card secret or full card number in logs at any level
//! during a full sync; sign-out leaves nothing of the member behind.

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use loyalty_core::card::{CARD_SECRET_KEY, SecretStore, secret_from_hex};
use loyalty_core::store::{ACCESS_TOKEN_KEY, DB_FILE, SqliteSecretStore, Store};
use loyalty_core::sync::{StaticToken, SyncClient, SyncConfig};
use loyalty_core::wallet::Event;
use serde_json::json;

mod common;
use common::Server;

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"#;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn member_with_history(
    server: &Server,
    dir: &std::path::Path,
) -> (serde_json::Value, Arc<Mutex<Store>>, SyncClient) {
    let url = format!("http://{}", server.addr);
    let me = SyncClient::enroll(&url).await.unwrap();
    let mut store = Store::open_dir(dir).unwrap();
    let secrets = SqliteSecretStore::open(&dir.join(DB_FILE)).unwrap();
    secrets
        .put(
            ACCESS_TOKEN_KEY,
            me["access_token"].as_str().unwrap().as_bytes(),
        )
        .unwrap();
    let secret = secret_from_hex(me["card_secret_hex"].as_str().unwrap()).unwrap();
    store
        .enroll_card(
            me["card_number"].as_str().unwrap(),
            &secret,
            &secrets,
            Utc::now(),
        )
        .unwrap();
    let card = store.card_service(&secrets).unwrap();
    let body = json!({"payload": card.payload(Utc::now()).unwrap(),
                      "purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "100.00"}]}});
    assert_eq!(
        server
            .json("POST", "/v1/pos/purchases", None, Some(&body))
            .0,
        201
    );
    let offer = json!({"message": {"kind": "offer", "message_id": "o-1", "title": "Deal", "body": "b", "coupon_percent": "5"}});
    assert_eq!(
        server
            .json("POST", "/v1/admin/offers", None, Some(&offer))
            .0,
        201
    );
    let client = SyncClient::new(
        SyncConfig::new(&url),
        Arc::new(StaticToken(me["access_token"].as_str().unwrap().into())),
    )
    .unwrap();
    let store = Arc::new(Mutex::new(store));
    client.sync(store.clone()).await.unwrap();
    store
        .lock()
        .unwrap()
        .queue_action(
            "k1",
            &Event::RedeemReward {
                reward_id: "c1".into(),
                coupon_id: "cp".into(),
            },
            Utc::now(),
        )
        .unwrap();
    client.sync(store.clone()).await.unwrap();
    (me, store, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_logs_and_sign_out_wipes_everything() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Global: the server runs on its own threads and must be captured too (one test in this binary).
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = Server::start(PROGRAM, 0.0);
    let dir = tempfile::tempdir().unwrap();
    let (me, store, _client) = member_with_history(&server, dir.path()).await;

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.len() > 100,
        "the test must actually capture logs:\n{logs}"
    );
    for secret in ["access_token", "card_secret_hex", "card_number"] {
        let value = me[secret].as_str().unwrap();
        assert!(!logs.contains(value), "{secret} leaked into the logs");
    }

    // Sign out, then a second member on the same data folder sees nothing of the first.
    let secrets = SqliteSecretStore::open(&dir.path().join(DB_FILE)).unwrap();
    store.lock().unwrap().sign_out(&secrets).unwrap();
    assert_eq!(secrets.get(CARD_SECRET_KEY).unwrap(), None);
    assert_eq!(secrets.get(ACCESS_TOKEN_KEY).unwrap(), None);
    drop(store);
    let (second, store, _) = member_with_history(&server, dir.path()).await;
    assert_ne!(second["member_id"], me["member_id"]);
    let s = store.lock().unwrap();
    let now = Utc::now();
    let snap = s.snapshot(now, 30, 100).unwrap();
    assert_eq!(
        snap.balance,
        10 - 1,
        "only the second member's purchase and redeem"
    );
    assert_eq!(snap.history.len(), 2);
    assert_eq!(
        s.card_number().unwrap().as_deref(),
        second["card_number"].as_str()
    );
    let ids: Vec<String> = s
        .list_messages(now, true)
        .unwrap()
        .into_iter()
        .map(|m| m.content.id)
        .collect();
    assert!(
        ids.iter().all(|id| id == "o-1" || id.starts_with("badge:")),
        "{ids:?}"
    );
    assert_eq!(
        s.last_server_seq().unwrap(),
        2,
        "the second member's own server log"
    );
}
