use std::sync::Arc;

use chrono::Utc;

use super::*;
use crate::card::{CARD_SECRET_KEY, MemorySecretStore};
use crate::wallet::model::Event;

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "free", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}]}"#;
const SECRET: &str = "3132333435363738393031323334353637383930";

fn session(server_url: Option<&str>) -> (Session, Arc<MemorySecretStore>) {
    let secrets = Arc::new(MemorySecretStore::default());
    let config = SessionConfig {
        server_url: server_url.map(str::to_string),
        program_json: Some(PROGRAM.into()),
        ..SessionConfig::default()
    };
    let s = Session::new(Store::open_in_memory().unwrap(), secrets.clone(), config).unwrap();
    (s, secrets)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn changes_keep_order_and_drop_duplicates() {
    let c = Changes::of(&[ChangeArea::Goals, ChangeArea::Wallet, ChangeArea::Goals]);
    assert_eq!(c.areas(), &[ChangeArea::Goals, ChangeArea::Wallet]);
    assert!(c.contains(ChangeArea::Wallet) && !c.contains(ChangeArea::Card));
    assert!(Changes::none().is_empty());
    assert_eq!(Changes::all().areas(), &ChangeArea::ALL);
}

#[test]
fn offline_writes_report_their_areas_and_failures_report_none() {
    let (s, _) = session(None);
    let buy: Event = serde_json::from_str(
        r#"{"purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "1000.00"}]}}"#,
    )
    .unwrap();
    s.store().apply(&buy, Utc::now()).unwrap();
    let done = s.redeem_reward("free");
    assert!(done.result.is_ok());
    assert_eq!(done.changed.areas(), &[ChangeArea::Wallet]);
    let done = s.redeem_reward("nope");
    assert_eq!(done.result.unwrap_err().code(), "unknown_reward");
    assert!(done.changed.is_empty());
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().pending_actions, 1);
}

#[test]
fn the_card_cache_is_dropped_when_the_card_changes() {
    let (s, _) = session(None);
    assert_eq!(s.card_view().unwrap_err().code(), "no_card");
    let done = s.enroll_card("2000000000015", "zz");
    assert_eq!(done.result.unwrap_err().code(), "invalid_secret");
    let done = s.enroll_card("2000000000015", SECRET);
    assert!(done.result.is_ok());
    assert_eq!(done.changed.areas(), &[ChangeArea::Card]);
    let first = s.card_service().unwrap();
    assert!(Arc::ptr_eq(&first, &s.card_service().unwrap()), "cached");
    assert!(s.enroll_card("4006381333931", SECRET).result.is_ok());
    assert_eq!(
        s.card_view().unwrap().frame.display_number,
        "4006 3813 3393 1"
    );
}

#[test]
fn enrolling_needs_a_server_and_an_empty_wallet() {
    let (s, _) = session(None);
    let done = rt().block_on(s.enroll());
    assert_eq!(done.result.unwrap_err().code(), "no_server");
    assert!(done.changed.is_empty());

    // Port 9 on loopback: refused before any network when the wallet holds a member.
    let (s, _) = session(Some("http://127.0.0.1:9"));
    let buy: Event = serde_json::from_str(
        r#"{"purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "10.00"}]}}"#,
    )
    .unwrap();
    s.store().apply(&buy, Utc::now()).unwrap();
    let done = rt().block_on(s.enroll());
    assert_eq!(done.result.unwrap_err().code(), "already_enrolled");

    let (s, _) = session(Some("http://127.0.0.1:9"));
    assert!(s.enroll_card("2000000000015", SECRET).result.is_ok());
    let done = rt().block_on(s.enroll());
    assert_eq!(done.result.unwrap_err().code(), "already_enrolled");
}

#[test]
fn without_a_token_provider_sync_uses_the_enrolled_token() {
    let (s, _) = session(Some("http://127.0.0.1:9"));
    let done = rt().block_on(s.sync());
    assert_eq!(done.result.unwrap_err().code(), "token_unavailable");
    assert!(done.changed.is_empty());
}

#[test]
fn sign_out_without_a_server_wipes_and_restores_the_program() {
    let (s, secrets) = session(None);
    assert!(s.enroll_card("2000000000015", SECRET).result.is_ok());
    assert!(s.card_view().is_ok());
    let generation = s.sign_outs();
    let done = rt().block_on(s.sign_out());
    assert_eq!(done.changed, Changes::all());
    let report = done.result.unwrap();
    assert!(report.last_sync.is_none() && report.last_sync_error().is_none());
    assert_eq!(report.unsent_actions_dropped, 0);
    assert_eq!(s.card_view().unwrap_err().code(), "no_card");
    assert_eq!(
        crate::card::SecretStore::get(secrets.as_ref(), CARD_SECRET_KEY).unwrap(),
        None
    );
    assert!(s.store().program().is_some(), "the app's program is back");
    assert_eq!(
        s.ensure_same_member(generation).unwrap_err().code(),
        "interrupted"
    );
    assert!(s.ensure_same_member(s.sign_outs()).is_ok());
}

#[test]
fn wallet_passes_take_the_card_points_and_clock_of_the_session() {
    use crate::card::passes::{PassIssuer, PassLabels};
    use crate::kernel::time::FixedClock;
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let config = SessionConfig {
        program_json: Some(PROGRAM.into()),
        clock: Arc::new(FixedClock::new(at)),
        ..SessionConfig::default()
    };
    let s = Session::new(
        Store::open_in_memory().unwrap(),
        Arc::new(MemorySecretStore::default()),
        config,
    )
    .unwrap();
    let issuer = PassIssuer {
        issuer_id: "3388000000012345678".into(),
        class_suffix: "loyalty".into(),
        issuer_name: "Shop".into(),
        program_name: "Club".into(),
        logo_url: "https://example.com/logo.png".into(),
        background_color: "#000000".into(),
        foreground_color: "#ffffff".into(),
        label_color: "#cccccc".into(),
        pass_type_id: "pass.com.example.club".into(),
        team_id: "ABCDE12345".into(),
        service_account_email: "w@p.iam.gserviceaccount.com".into(),
        origins: vec![],
        labels: PassLabels::default(),
    };
    let e = s.wallet_passes(issuer.clone(), None, None).unwrap_err();
    assert_eq!(e.code(), "no_card");
    assert!(s.enroll_card("4006381333931", SECRET).result.is_ok());
    let buy: Event = serde_json::from_str(
        r#"{"purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "1230.00"}]}}"#,
    )
    .unwrap();
    s.store().apply(&buy, at).unwrap();
    let passes = s.wallet_passes(issuer.clone(), None, None).unwrap();
    assert_eq!(passes.object_id(), "3388000000012345678.4006381333931");
    let object: serde_json::Value = serde_json::from_str(&passes.google_object().unwrap()).unwrap();
    // 10 % of 1230.00 is 123 points, the balance the wallet screen shows.
    assert_eq!(object["loyaltyPoints"]["balance"]["int"], 123);
    assert_eq!(
        s.wallet_snapshot(0, 0).unwrap().snapshot.balance,
        123,
        "the pass shows the wallet's balance"
    );
    let claims: serde_json::Value = serde_json::from_str(&passes.google_save_claims()).unwrap();
    assert_eq!(claims["iat"], 1_800_000_000);
    let named = s
        .wallet_passes(issuer, Some("m-1".into()), Some("Ada".into()))
        .unwrap();
    assert_eq!(named.object_id(), "3388000000012345678.m-1");
    assert!(
        named
            .google_object()
            .unwrap()
            .contains("\"accountName\": \"Ada\"")
    );
}
