//! The bindings' public API driven like an app would, from many threads, with
//! Rust implementations of the foreign traits (listeners, a failing secret store).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use loyalty_ffi::{
    Cart, CartLine, ChangeArea, ChangeListener, ClientConfig, LoyaltyClient, LoyaltyError,
    MemorySecretStore, PushOutcome, SecretStore,
};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}, "excluded_categories": ["tobacco"]},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "j", "title": "Join me", "opt_in": true, "goal": {"metric": "purchases", "target": 3}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"#;

const SECRET: &str = "3132333435363738393031323334353637383930";

fn config(dir: &tempfile::TempDir, secrets: Arc<dyn SecretStore>) -> ClientConfig {
    ClientConfig {
        data_dir: dir.path().display().to_string(),
        server_url: None,
        program_json: Some(PROGRAM.into()),
        deep_link_scheme: None,
        secret_store: secrets,
        token_provider: None,
        log_sink: None,
        log_level: None,
        clock: None,
        device_signer: None,
    }
}

fn client(dir: &tempfile::TempDir) -> Arc<LoyaltyClient> {
    LoyaltyClient::new(config(dir, MemorySecretStore::new())).unwrap()
}

fn code<T: std::fmt::Debug>(r: Result<T, LoyaltyError>) -> String {
    r.unwrap_err().code().to_string()
}

#[test]
fn errors_carry_the_core_codes_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir);
    assert_eq!(code(c.redeem_reward("nope".into())), "unknown_reward");
    assert_eq!(code(c.redeem_reward("c1".into())), "insufficient_points");
    assert_eq!(code(c.ingest_push("{not json".into())), "invalid_push");
    assert_eq!(code(c.card_view()), "no_card");
    assert_eq!(code(c.card_png(2)), "no_card");
    assert_eq!(code(c.mark_read("missing".into())), "unknown_message");
    assert_eq!(code(c.join_challenge("nope".into())), "unknown_challenge");
    assert_eq!(
        code(c.enroll_card("12".into(), SECRET.into())),
        "invalid_card_number"
    );
    assert_eq!(
        code(c.enroll_card("2000000000015".into(), "zz".into())),
        "invalid_secret"
    );
    let reason = c.redeem_reward("c1".into()).unwrap_err().to_string();
    assert!(
        reason.contains("insufficient_points") && reason.len() > 30,
        "{reason}"
    );
    let snap = c.wallet_snapshot(30, 10).unwrap();
    assert_eq!((snap.balance, snap.pending_actions), (0, 0));
    assert!(c.history(None, 10).unwrap().entries.is_empty());

    let reopened = LoyaltyClient::new(ClientConfig {
        program_json: None,
        ..config(&dir, MemorySecretStore::new())
    });
    assert!(reopened.is_ok(), "reopening keeps the stored program");

    let garbage = tempfile::tempdir().unwrap();
    std::fs::write(garbage.path().join("wallet.sqlite3"), b"not a database").unwrap();
    assert_eq!(
        code(LoyaltyClient::new(config(
            &garbage,
            MemorySecretStore::new()
        ))),
        "not_a_database"
    );
    assert_eq!(
        std::fs::read(garbage.path().join("wallet.sqlite3")).unwrap(),
        b"not a database"
    );
}

#[test]
fn bad_configuration_is_an_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = |cfg: ClientConfig| {
        let e = LoyaltyClient::new(cfg).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{e}");
        e.to_string()
    };
    let url = bad(ClientConfig {
        server_url: Some("ftp://x".into()),
        ..config(&dir, MemorySecretStore::new())
    });
    assert!(url.contains("server_url"), "{url}");
    let scheme = bad(ClientConfig {
        deep_link_scheme: Some("javascript".into()),
        ..config(&dir, MemorySecretStore::new())
    });
    assert!(scheme.contains("deep_link_scheme"), "{scheme}");
    let empty = tempfile::tempdir().unwrap();
    bad(ClientConfig {
        data_dir: "  ".into(),
        ..config(&empty, MemorySecretStore::new())
    });
    let rules = LoyaltyClient::new(ClientConfig {
        program_json: Some(r#"{"currency": "RUB", "bogus": 1}"#.into()),
        ..config(&empty, MemorySecretStore::new())
    });
    assert_eq!(code(rules), "invalid_rules");
    let c = client(&dir);
    assert_eq!(code(c.sync_blocking()), "no_server");
}

/// Runs an exported async function to completion from a plain thread.
trait Blocking {
    fn sync_blocking(&self) -> Result<loyalty_ffi::SyncReport, LoyaltyError>;
}

impl Blocking for Arc<LoyaltyClient> {
    fn sync_blocking(&self) -> Result<loyalty_ffi::SyncReport, LoyaltyError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(self.clone().sync())
    }
}

#[test]
fn the_app_scheme_overrides_the_programs_for_deep_links() {
    let dir = tempfile::tempdir().unwrap();
    let c = LoyaltyClient::new(ClientConfig {
        deep_link_scheme: Some("myshop".into()),
        ..config(&dir, MemorySecretStore::new())
    })
    .unwrap();
    let push = |id: &str, link: &str| {
        format!(
            r#"{{"kind":"message","message_id":"{id}","title":"T","body":"B","deep_link":"{link}"}}"#
        )
    };
    assert!(matches!(
        c.ingest_push(push("a", "myshop://offers/1")).unwrap(),
        PushOutcome::New { .. }
    ));
    assert_eq!(
        code(c.ingest_push(push("b", "loyalty://offers/1"))),
        "invalid_push"
    );
    assert_eq!(
        c.inbox(false).unwrap()[0].deep_link.as_deref(),
        Some("myshop://offers/1")
    );
}

#[test]
fn preview_and_paged_history() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir);
    let cart = Cart {
        lines: vec![
            CartLine {
                sku: "A".into(),
                category: None,
                qty: 1,
                amount_minor: 150_000,
            },
            CartLine {
                sku: "T".into(),
                category: Some("tobacco".into()),
                qty: 1,
                amount_minor: 30_000,
            },
        ],
        coupon_id: None,
        pay_points: None,
    };
    let p = c.preview_purchase(cart.clone()).unwrap();
    assert_eq!(
        (
            p.eligible_minor,
            p.excluded_minor,
            p.payable_minor,
            p.points_earned
        ),
        (150_000, 30_000, 180_000, 150)
    );
    assert_eq!(p.discount_minor, 0);
    let mut bad = cart.clone();
    bad.lines[0].amount_minor = -5;
    assert_eq!(code(c.preview_purchase(bad)), "invalid_amount");
    let mut bad = cart.clone();
    bad.lines[0].qty = 0;
    assert_eq!(code(c.preview_purchase(bad)), "invalid_quantity");
    let mut pay = cart;
    pay.pay_points = Some(1);
    assert_eq!(code(c.preview_purchase(pay)), "insufficient_points");

    // A zero-sized page is empty and ends the paging (paging over real
    // entries is in ffi_sync.rs, where points arrive from the server).
    let page = c.history(None, 0).unwrap();
    assert!(page.entries.is_empty() && page.next_before_id.is_none());
}

/// A secret store that fails on demand, like a locked Keychain.
#[derive(Default)]
struct FlakySecrets {
    inner: Mutex<std::collections::HashMap<String, Vec<u8>>>,
    fail: AtomicBool,
}

impl FlakySecrets {
    fn check(&self) -> Result<(), LoyaltyError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(LoyaltyError::Failure {
                code: "keychain_locked".into(),
                reason: "the device is locked".into(),
            });
        }
        Ok(())
    }
}

impl SecretStore for FlakySecrets {
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, LoyaltyError> {
        self.check()?;
        Ok(self.inner.lock().unwrap().get(&key).cloned())
    }
    fn put(&self, key: String, secret: Vec<u8>) -> Result<(), LoyaltyError> {
        self.check()?;
        self.inner.lock().unwrap().insert(key, secret);
        Ok(())
    }
    fn delete(&self, key: String) -> Result<(), LoyaltyError> {
        self.check()?;
        self.inner.lock().unwrap().remove(&key);
        Ok(())
    }
}

#[test]
fn a_failing_secret_store_refuses_the_operation_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(FlakySecrets::default());
    let c = LoyaltyClient::new(config(&dir, secrets.clone())).unwrap();

    secrets.fail.store(true, Ordering::SeqCst);
    let e = c
        .enroll_card("2000000000015".into(), SECRET.into())
        .unwrap_err();
    assert_eq!(e.code(), "secret_store");
    assert!(e.to_string().contains("the device is locked"), "{e}");
    secrets.fail.store(false, Ordering::SeqCst);
    assert_eq!(
        code(c.card_view()),
        "no_card",
        "a failed enrollment leaves no card"
    );
    assert!(secrets.inner.lock().unwrap().is_empty());

    c.enroll_card("2000000000015".into(), SECRET.into())
        .unwrap();
    let view = c.card_view().unwrap();
    assert!(view.payload.contains("2000000000015"), "{}", view.payload);
    assert_eq!(code(c.card_png(0)), "barcode");
    assert_eq!(code(c.card_png(65)), "barcode");
    let png = c.card_png(4).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(c.card_svg().unwrap().starts_with("<svg"));
    let bars = c.card_barcode().unwrap();
    assert_eq!(
        (bars.symbology.as_str(), bars.text.as_str()),
        ("ean13", "2000000000015")
    );
    assert_eq!(
        bars.widths.iter().map(|w| u32::from(*w)).sum::<u32>(),
        95,
        "EAN-13 is 95 modules"
    );

    // A fresh client must read the secret; a locked store is an error, not a crash.
    let again = LoyaltyClient::new(config(&dir, secrets.clone())).unwrap();
    secrets.fail.store(true, Ordering::SeqCst);
    assert_eq!(code(again.card_view()), "secret_store");
    // Signing out cannot remove the secret: refused, wallet and card intact.
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(code(rt.block_on(again.clone().sign_out())), "secret_store");
    secrets.fail.store(false, Ordering::SeqCst);
    assert_eq!(
        again.card_view().unwrap().display_number,
        view.display_number
    );
    rt.block_on(again.clone().sign_out()).unwrap();
    assert_eq!(code(again.card_view()), "no_card");
    assert!(
        secrets.inner.lock().unwrap().is_empty(),
        "sign-out removes the secret"
    );
}

/// A listener that reads the client back on every call: if it were called
/// while the client held its lock, this would deadlock.
struct Rereading {
    client: Mutex<Option<Arc<LoyaltyClient>>>,
    inbox: AtomicUsize,
    other: AtomicUsize,
}

impl ChangeListener for Rereading {
    fn on_change(&self, areas: Vec<ChangeArea>) -> Result<(), LoyaltyError> {
        for a in &areas {
            match a {
                ChangeArea::Inbox => self.inbox.fetch_add(1, Ordering::SeqCst),
                _ => self.other.fetch_add(1, Ordering::SeqCst),
            };
        }
        let client = self.client.lock().unwrap().clone();
        if let Some(c) = client {
            c.unread_count().unwrap();
        }
        Ok(())
    }
}

struct Counter(AtomicUsize);
impl ChangeListener for Counter {
    fn on_change(&self, areas: Vec<ChangeArea>) -> Result<(), LoyaltyError> {
        self.0.fetch_add(areas.len(), Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn one_client_and_a_listener_hammered_from_eight_threads() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(&dir);
    let listener = Arc::new(Rereading {
        client: Mutex::new(Some(c.clone())),
        inbox: AtomicUsize::new(0),
        other: AtomicUsize::new(0),
    });
    let subscription = Arc::clone(&c).subscribe(listener.clone());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    // Short-lived subscriptions come and go while others notify.
                    let churn = Arc::new(Counter(AtomicUsize::new(0)));
                    let sub = Arc::clone(&c).subscribe(churn.clone());
                    let payload = format!(r#"{{"kind":"offer","message_id":"t{t}-{i}","title":"Offer","body":"b","coupon_percent":"5"}}"#);
                    assert!(matches!(c.ingest_push(payload).unwrap(), PushOutcome::New { .. }));
                    assert!(churn.0.load(Ordering::SeqCst) >= 1, "a live subscription hears its own change");
                    drop(sub);
                    c.wallet_snapshot(30, 5).unwrap();
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
    assert_eq!(
        listener.inbox.load(Ordering::SeqCst),
        200,
        "one inbox change per new push"
    );
    assert_eq!(listener.other.load(Ordering::SeqCst), 0);
    assert_eq!(c.unread_count().unwrap(), 200);
    assert_eq!(c.inbox(false).unwrap().len(), 200);

    c.activate_offer("t3-7".into()).unwrap();
    assert_eq!(
        listener.other.load(Ordering::SeqCst),
        1,
        "activation changes the wallet too"
    );
    let snap = c.wallet_snapshot(30, 5).unwrap();
    let ids: Vec<_> = snap.coupons.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["offer:t3-7"]);
    assert_eq!(snap.coupons[0].percent_hundredths, Some(500));
    assert_eq!(
        snap.pending_actions, 1,
        "the activation waits for the server"
    );
    c.join_challenge("j".into()).unwrap();
    assert_eq!(c.challenges().unwrap()[0].status, "active");
    assert_eq!(code(c.join_challenge("j".into())), "already_joined");
    assert_eq!(
        c.ingest_push(r#"{"kind":"offer","message_id":"t3-7","title":"T","body":"B"}"#.into())
            .unwrap(),
        PushOutcome::Duplicate
    );

    let before = listener.inbox.load(Ordering::SeqCst);
    subscription.cancel();
    c.mark_read("t1-1".into()).unwrap();
    assert_eq!(
        listener.inbox.load(Ordering::SeqCst),
        before,
        "cancelled: no more calls"
    );
    drop(subscription);
    *listener.client.lock().unwrap() = None;
}
