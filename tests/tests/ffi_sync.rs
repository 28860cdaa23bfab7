//! The bindings against a running dev server: enroll, till purchase, sync,
//! offline redeem, cancellation, concurrent syncs, sign-out — with Rust
//! implementations of the token provider and the log sink.

#[path = "../../devserver/tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Server;
use loyalty_ffi::{
    ChangeArea, ChangeListener, ClientConfig, LogLevel, LogRecord, LogSink, LoyaltyClient,
    LoyaltyError, MemorySecretStore, SecretStore, TokenProvider,
};
use serde_json::json;

fn program() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/programs/sync-program.json"
    ))
    .unwrap()
}

/// The app's login, here reading the token the dev server issued at enrollment.
struct Login {
    secrets: Arc<MemorySecretStore>,
    calls: AtomicUsize,
    /// When set, the next token() says so and then waits for the gate: a
    /// sync is then certainly in flight.
    hold: Mutex<Option<(std::sync::mpsc::Sender<()>, std::sync::mpsc::Receiver<()>)>>,
}

impl TokenProvider for Login {
    fn token(&self) -> Result<String, LoyaltyError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let held = self.hold.lock().unwrap().take();
        if let Some((entered, gate)) = held {
            entered.send(()).unwrap();
            gate.recv_timeout(Duration::from_secs(20)).unwrap();
        }
        let bytes = self
            .secrets
            .get("access_token".into())?
            .ok_or(LoyaltyError::Failure {
                code: "signed_out".into(),
                reason: "no session".into(),
            })?;
        Ok(String::from_utf8(bytes).unwrap())
    }
    fn refresh(&self) -> Result<String, LoyaltyError> {
        self.token()
    }
}

#[derive(Default)]
struct Logs(Mutex<Vec<String>>);
impl LogSink for Logs {
    fn log(&self, record: LogRecord) -> Result<(), LoyaltyError> {
        self.0.lock().unwrap().push(format!(
            "{:?} {} {}",
            record.level, record.target, record.text
        ));
        Ok(())
    }
}

#[derive(Default)]
struct Areas(Mutex<Vec<ChangeArea>>);
impl ChangeListener for Areas {
    fn on_change(&self, areas: Vec<ChangeArea>) -> Result<(), LoyaltyError> {
        self.0.lock().unwrap().extend(areas);
        Ok(())
    }
}

/// A client on `dir` for the server at `url`, with the program preloaded.
fn open(
    dir: &tempfile::TempDir,
    url: String,
    secrets: Arc<dyn SecretStore>,
    token_provider: Option<Arc<dyn TokenProvider>>,
) -> Arc<LoyaltyClient> {
    LoyaltyClient::new(ClientConfig {
        data_dir: dir.path().display().to_string(),
        server_url: Some(url),
        program_json: Some(program()),
        deep_link_scheme: None,
        secret_store: secrets,
        token_provider,
        log_sink: None,
        log_level: None,
        clock: None,
        device_signer: None,
    })
    .unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn journey_through_the_dev_server() {
    let server = Server::start(&program(), 0.0);
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let secrets = MemorySecretStore::new();
    let login = Arc::new(Login {
        secrets: secrets.clone(),
        calls: AtomicUsize::new(0),
        hold: Mutex::new(None),
    });
    let logs = Arc::new(Logs::default());
    let c = LoyaltyClient::new(ClientConfig {
        data_dir: dir.path().display().to_string(),
        server_url: Some(url.clone()),
        program_json: None,
        deep_link_scheme: None,
        secret_store: secrets.clone(),
        token_provider: Some(login.clone()),
        log_sink: Some(logs.clone()),
        log_level: Some(LogLevel::Trace),
        clock: None,
        device_signer: None,
    })
    .unwrap();
    let areas = Arc::new(Areas::default());
    let _sub = Arc::clone(&c).subscribe(areas.clone());
    let rt = rt();

    assert_eq!(c.wallet_snapshot(30, 5).unwrap_err().code(), "no_program");
    let me = rt.block_on(c.clone().enroll()).unwrap();
    assert_eq!(me.card_last4.len(), 4);
    assert!(areas.0.lock().unwrap().contains(&ChangeArea::Card));
    assert_eq!(
        rt.block_on(c.clone().enroll()).unwrap_err().code(),
        "already_enrolled"
    );
    let first = rt.block_on(c.clone().sync()).unwrap();
    assert!(
        first.program_updated,
        "the first sync brings the program: {first:?}"
    );
    assert_eq!(
        c.wallet_snapshot(30, 5).unwrap().balance,
        0,
        "the first sync brought the program"
    );

    // The till scans the card and records a purchase on the server.
    let view = c.card_view().unwrap();
    assert!(view.qr_side >= 21 && !view.qr_bits.is_empty());
    let (status, body) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(
            &json!({"payload": view.payload, "purchase": {"receipt_id": "r1",
            "lines": [{"sku": "BALL", "category": "sport", "qty": 1, "amount": "1500.00"}]}}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    let (status, _) = server.json(
        "POST",
        "/v1/admin/offers",
        None,
        Some(
            &json!({"message": {"kind": "offer", "message_id": "o-1", "title": "15% off",
            "body": "Show your card", "coupon_percent": "15", "coupon_valid_days": "7"}}),
        ),
    );
    assert_eq!(status, 201);
    areas.0.lock().unwrap().clear();
    let report = rt.block_on(c.clone().sync()).unwrap();
    assert_eq!(
        (report.events_applied, report.messages),
        (1, 1),
        "{report:?}"
    );
    assert!(report.mismatches.is_empty(), "{report:?}");
    assert!(areas.0.lock().unwrap().contains(&ChangeArea::Wallet));
    let snap = c.wallet_snapshot(30, 5).unwrap();
    assert_eq!(
        (snap.balance, snap.lifetime_earned, snap.pending_actions),
        (150, 150, 0)
    );
    assert_eq!(c.badges().unwrap()[0].level, 1);
    assert_eq!(c.challenges().unwrap()[0].progress, 1);
    assert!(c.inbox(false).unwrap().iter().any(|m| m.id == "o-1"));

    // Offline redeem: applied at once, confirmed by the next sync.
    let coupon = c.redeem_reward("c20".into()).unwrap();
    let snap = c.wallet_snapshot(30, 5).unwrap();
    assert_eq!((snap.balance, snap.pending_actions), (100, 1));
    assert!(snap.coupons.iter().any(|k| k.id == coupon));
    let report = rt.block_on(c.clone().sync()).unwrap();
    assert_eq!(
        (report.actions_sent, report.actions_rejected),
        (1, 0),
        "{report:?}"
    );
    assert!(report.mismatches.is_empty(), "{report:?}");
    let snap = c.wallet_snapshot(30, 5).unwrap();
    assert_eq!((snap.balance, snap.pending_actions), (100, 0));

    // Paged history: newest first, pages chain without overlap.
    let first = c.history(None, 1).unwrap();
    let next = first.next_before_id.expect("more than one entry");
    let rest = c.history(Some(next), 10).unwrap();
    assert!(rest.entries.iter().all(|e| e.id < first.entries[0].id));
    assert_eq!(
        first.entries.len() + rest.entries.len(),
        2,
        "earn 150, redeem 50"
    );
    assert!(rest.next_before_id.is_none());

    // A caller that gives up mid-sync (a cancelled coroutine) only stops
    // waiting: the sync still completes, and still tells the listeners.
    let balance = c.wallet_snapshot(30, 5).unwrap().balance;
    c.redeem_reward("c20".into()).unwrap();
    assert_eq!(c.wallet_snapshot(30, 5).unwrap().pending_actions, 1);
    areas.0.lock().unwrap().clear();
    let (entered_tx, entered) = std::sync::mpsc::channel();
    let (open, gate) = std::sync::mpsc::channel();
    *login.hold.lock().unwrap() = Some((entered_tx, gate));
    rt.block_on(async {
        let sync = c.clone().sync();
        tokio::pin!(sync);
        // Wait until the sync is inside the token provider, then give up on it.
        while entered.try_recv().is_err() {
            let early = tokio::time::timeout(Duration::from_millis(1), sync.as_mut()).await;
            assert!(
                early.is_err(),
                "the sync cannot finish while the login holds it"
            );
        }
    });
    open.send(()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while c.wallet_snapshot(30, 5).unwrap().pending_actions > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned sync never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The listener hears it once the sync's task has finished, just after the
    // store changed: wait for it the same way.
    while !areas.0.lock().unwrap().contains(&ChangeArea::Wallet) {
        assert!(
            std::time::Instant::now() < deadline,
            "no change event from the abandoned sync"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(c.wallet_snapshot(30, 5).unwrap().balance, balance - 50);
    let report = rt.block_on(c.clone().sync()).unwrap();
    assert_eq!(
        report.actions_sent, 0,
        "the abandoned sync sent it: {report:?}"
    );
    assert!(report.mismatches.is_empty(), "{report:?}");

    // Syncs from several threads at once: each returns a report, no double apply.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || rt_sync(&c))
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap().mismatches.is_empty());
    }
    assert!(
        login.calls.load(Ordering::SeqCst) > 0,
        "the app's token provider was asked"
    );

    // Nothing secret reached the app's log.
    let token = String::from_utf8(secrets.get("access_token".into()).unwrap().unwrap()).unwrap();
    let secret: String = secrets
        .get("card_secret".into())
        .unwrap()
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let number: String = view
        .display_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    // A line from another library (as an HTTP client at TRACE could write one)
    // must not reach the app's log.
    tracing::info!(target: "hyper_util::client", "GET /v1/me/sync authorization: Bearer {token}");
    let lines = logs.0.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.contains("loyalty_core")),
        "core logs are forwarded"
    );
    for l in &lines {
        assert!(
            !l.contains(&token) && !l.contains(&secret) && !l.contains(&number),
            "leak: {l}"
        );
    }

    let out = rt.block_on(c.clone().sign_out()).unwrap();
    assert_eq!(out.last_sync_error, None);
    assert_eq!(c.card_view().unwrap_err().code(), "no_card");
    assert_eq!(c.wallet_snapshot(30, 5).unwrap_err().code(), "no_program");
    assert_eq!(secrets.get("access_token".into()).unwrap(), None);
    assert_eq!(secrets.get("card_secret".into()).unwrap(), None);
    assert_eq!(
        rt.block_on(c.clone().sync()).unwrap_err().code(),
        "token_unavailable"
    );
}

fn rt_sync(c: &Arc<LoyaltyClient>) -> loyalty_ffi::SyncReport {
    rt().block_on(c.clone().sync()).unwrap()
}

struct BrokenLogin;
impl TokenProvider for BrokenLogin {
    fn token(&self) -> Result<String, LoyaltyError> {
        Err(LoyaltyError::Failure {
            code: "offline".into(),
            reason: "no session".into(),
        })
    }
    fn refresh(&self) -> Result<String, LoyaltyError> {
        self.token()
    }
}

#[test]
fn a_failing_token_provider_refuses_the_sync() {
    let server = Server::start(&program(), 0.0);
    let dir = tempfile::tempdir().unwrap();
    let c = open(
        &dir,
        format!("http://{}/", server.addr),
        MemorySecretStore::new(),
        Some(Arc::new(BrokenLogin)),
    );
    let e = rt().block_on(c.clone().sync()).unwrap_err();
    assert_eq!(e.code(), "token_unavailable");
    assert!(e.to_string().contains("no session"), "{e}");
    assert_eq!(c.wallet_snapshot(30, 5).unwrap().balance, 0);
}

#[test]
fn an_unreachable_server_is_a_network_error() {
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let c = open(
        &dir,
        format!("http://127.0.0.1:{port}"),
        MemorySecretStore::new(),
        None,
    );
    assert_eq!(
        rt().block_on(c.clone().enroll()).unwrap_err().code(),
        "network"
    );
    let out = rt().block_on(c.clone().sign_out()).unwrap();
    assert!(out.last_sync_error.is_some());
}

/// A keychain that refuses the card secret (but takes the token).
#[derive(Default)]
struct NoCardSecret(Mutex<std::collections::HashMap<String, Vec<u8>>>);
impl SecretStore for NoCardSecret {
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, LoyaltyError> {
        Ok(self.0.lock().unwrap().get(&key).cloned())
    }
    fn put(&self, key: String, secret: Vec<u8>) -> Result<(), LoyaltyError> {
        if key == "card_secret" {
            return Err(LoyaltyError::Failure {
                code: "full".into(),
                reason: "keychain full".into(),
            });
        }
        self.0.lock().unwrap().insert(key, secret);
        Ok(())
    }
    fn delete(&self, key: String) -> Result<(), LoyaltyError> {
        self.0.lock().unwrap().remove(&key);
        Ok(())
    }
}

#[test]
fn a_failed_enrollment_leaves_no_token_and_no_card() {
    let server = Server::start(&program(), 0.0);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(NoCardSecret::default());
    let c = open(
        &dir,
        format!("http://{}", server.addr),
        secrets.clone(),
        None,
    );
    let e = rt().block_on(c.clone().enroll()).unwrap_err();
    assert_eq!(e.code(), "secret_store", "{e}");
    assert!(
        secrets.0.lock().unwrap().is_empty(),
        "the token was taken back"
    );
    assert_eq!(c.card_view().unwrap_err().code(), "no_card");
    assert_eq!(
        rt().block_on(c.clone().sync()).unwrap_err().code(),
        "token_unavailable"
    );
}
