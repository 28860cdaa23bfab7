//! LOY2 on the dev server: the program's issuer keys, credentials bound to a
//! device key, wallet-pass credentials, revocation and rotation — checked by
//! the till crate's offline verifier and by the server's own till.

mod common;
use common::Server;

use chrono::Utc;
use loyalty_core::card::MemorySecretStore;
use loyalty_core::card::loy2::{DeviceSigner, presentation_text};
use loyalty_core::card::soft_key::SoftwareSigner;
use loyalty_till::format::{CREDENTIAL_LEN, STEP_SECONDS};
use loyalty_till::keys::{KeySet, from_hex, to_hex};
use loyalty_till::{OfflineVerifier, Refusal};
use serde_json::{Value, json};

const PROGRAM: &str =
    r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "card": {"format": "loy2"}}"#;

fn keys(server: &Server) -> KeySet {
    let (status, body) = server.json("GET", "/v1/card/keys", None, None);
    assert_eq!(status, 200, "{body}");
    KeySet::from_json(&body.to_string()).unwrap()
}

fn credential_of(body: &Value) -> [u8; CREDENTIAL_LEN] {
    from_hex(body["credential"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn step_now() -> u32 {
    (Utc::now().timestamp() / STEP_SECONDS) as u32
}

#[test]
fn credentials_verify_offline_and_at_the_server_till_and_revocation_and_rotation_hold() {
    let server = Server::start(PROGRAM, 0.0);
    let (_, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    let token = me["access_token"].as_str().unwrap().to_string();
    let card: u64 = me["card_number"].as_str().unwrap().parse().unwrap();
    let set = keys(&server);
    assert_eq!(set.keys.len(), 1, "one key made at first start");
    assert!(set.revoked.is_empty());

    let signer = SoftwareSigner::load_or_create(&MemorySecretStore::default()).unwrap();
    let device_key = to_hex(&signer.public_key().unwrap());
    // Authenticated only, and the key must be a P-256 point.
    let (status, body) = server.json(
        "POST",
        "/v1/me/card/credential",
        None,
        Some(&json!({"device_key": device_key})),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    for bad in [
        json!({"device_key": "02ff"}),
        json!({"device_key": format!("04{}", &device_key[2..])}),
        json!({}),
        json!({"device_key": device_key, "wallet_pass": true}),
    ] {
        let (status, body) =
            server.json("POST", "/v1/me/card/credential", Some(&token), Some(&bad));
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{bad}"
        );
    }
    let (status, issued) = server.json(
        "POST",
        "/v1/me/card/credential",
        Some(&token),
        Some(&json!({"device_key": device_key})),
    );
    assert_eq!(status, 201, "{issued}");
    assert_eq!(
        issued["scope"],
        json!(["identify", "earn", "redeem_online"])
    );
    let credential = credential_of(&issued);

    // Offline: accepted once with the keys fetched earlier.
    let mut till = OfflineVerifier::from_key_set(&set).unwrap();
    let code = presentation_text(&credential, step_now(), &signer).unwrap();
    let ok = till.verify(&code, Utc::now().timestamp()).unwrap();
    assert_eq!(ok.card, card);
    assert_eq!(ok.serial, issued["serial"].as_u64().unwrap() as u32);
    assert_eq!(
        till.verify(&code, Utc::now().timestamp()),
        Err(Refusal::TokenReplayed)
    );

    // The server's own till takes the same code once and may let it pay.
    let buy = |payload: &str, id: &str, pay: i64| {
        server.json("POST", "/v1/pos/purchases", None, Some(&json!({"payload": payload,
            "purchase": {"receipt_id": id, "lines": [{"sku": "A", "qty": 1, "amount": "100.00"}], "pay_points": pay}})))
    };
    let (status, r) = buy(&code, "r1", 0);
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["points_earned"], 10);
    let (status, r) = buy(&code, "r2", 0);
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (422, Some("token_replayed"))
    );

    // A wallet-pass credential: static, identifies and earns, never pays.
    let (status, pass) = server.json(
        "POST",
        "/v1/me/card/credential",
        Some(&token),
        Some(&json!({"wallet_pass": true})),
    );
    assert_eq!(status, 201, "{pass}");
    assert_eq!(pass["scope"], json!(["identify", "earn"]));
    let pass_text = pass["text"].as_str().unwrap();
    assert!(
        till.verify(pass_text, Utc::now().timestamp())
            .unwrap()
            .static_pass
    );
    assert_eq!(buy(pass_text, "r3", 0).0, 201);
    let (status, r) = buy(pass_text, "r4", 5);
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (403, Some("static_code_cannot_pay"))
    );

    // Revocation: listed in the key set; a till that refetched refuses it.
    let serial = issued["serial"].as_u64().unwrap();
    let (status, r) = server.json(
        "POST",
        "/v1/admin/card/revoke",
        None,
        Some(&json!({"serial": serial})),
    );
    assert_eq!((status, r["revoked"].clone()), (200, json!([serial])));
    let (status, _) = server.json(
        "POST",
        "/v1/admin/card/revoke",
        None,
        Some(&json!({"serial": 9999})),
    );
    assert_eq!(status, 404);
    let refetched = keys(&server);
    assert_eq!(refetched.revoked, vec![serial as u32]);
    till.load_key_set(&refetched).unwrap();
    let next = presentation_text(&credential, step_now() + 1, &signer).unwrap();
    assert_eq!(
        till.verify(&next, Utc::now().timestamp()),
        Err(Refusal::CredentialRevoked)
    );
    assert_eq!(buy(&next, "r5", 0).1["error"]["code"], "credential_revoked");

    // Rotation: a new kid signs from now on; at most three live; the oldest
    // key's credentials become unknown once it is retired.
    let (_, fresh) = server.json(
        "POST",
        "/v1/me/card/credential",
        Some(&token),
        Some(&json!({"device_key": device_key})),
    );
    let fresh = credential_of(&fresh);
    assert_eq!(fresh[1], 1, "signed by kid 1");
    for expected in [2u64, 3, 4] {
        let (status, r) = server.json("POST", "/v1/admin/card/keys/rotate", None, Some(&json!({})));
        assert_eq!((status, r["new_kid"].as_u64()), (201, Some(expected)));
    }
    let rotated = keys(&server);
    let kids: Vec<u8> = rotated.keys.iter().map(|k| k.kid).collect();
    assert_eq!(kids, vec![2, 3, 4]);
    let mut till = OfflineVerifier::from_key_set(&rotated).unwrap();
    let old = presentation_text(&fresh, step_now(), &signer).unwrap();
    assert_eq!(
        till.verify(&old, Utc::now().timestamp()),
        Err(Refusal::UnknownKey)
    );
    let (_, newer) = server.json(
        "POST",
        "/v1/me/card/credential",
        Some(&token),
        Some(&json!({"device_key": device_key})),
    );
    let newer = credential_of(&newer);
    assert_eq!(newer[1], 4, "signed by the newest kid");
    assert!(
        till.verify(
            &presentation_text(&newer, step_now(), &signer).unwrap(),
            Utc::now().timestamp()
        )
        .is_ok()
    );

    // The keys are the data folder's: a restart keeps them.
    let server = server.restart(PROGRAM);
    assert_eq!(keys(&server), rotated);
}

mod journey {
    use super::*;
    use loyalty_core::card::CardFormat;
    use loyalty_core::card::loy2::CardNotice;
    use loyalty_core::session::{ChangeArea, CredentialSync, Session, SessionConfig};
    use loyalty_core::store::Store;
    use std::sync::Arc;

    fn session(dir: &tempfile::TempDir, url: &str, program: Option<&str>) -> Session {
        let config = SessionConfig {
            server_url: Some(url.to_string()),
            program_json: program.map(str::to_string),
            ..SessionConfig::default()
        };
        let store = Store::open_dir(dir.path()).unwrap();
        Session::new(store, Arc::new(MemorySecretStore::default()), config).unwrap()
    }

    /// Enrollment brings the credential; the card shows LOY2, which an
    /// offline till takes; a revocation shows LOY1 with its notice until a
    /// sync renews it; a credential near its end is renewed by sync.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enroll_present_revoke_and_renew() {
        let server = Server::start(PROGRAM, 0.0);
        let url = format!("http://{}", server.addr);
        let dir = tempfile::tempdir().unwrap();
        let s = session(&dir, &url, Some(PROGRAM));
        s.enroll().await.result.unwrap();
        let view = s.card_view().unwrap();
        assert_eq!(
            (view.frame.format, view.frame.notice),
            (CardFormat::Loy2, None)
        );
        let mut till = OfflineVerifier::from_key_set(&keys(&server)).unwrap();
        let ok = till
            .verify(&view.frame.payload, Utc::now().timestamp())
            .unwrap();
        assert_eq!(
            ok.card.to_string(),
            s.store().card_number().unwrap().unwrap()
        );

        // The Apple pass's token: static, identify and earn only, for this card.
        let token = s.wallet_pass_token().await.unwrap();
        let pass = till.verify(&token, Utc::now().timestamp()).unwrap();
        assert!(pass.static_pass);
        assert_eq!(pass.card, ok.card);

        // Idle sync: the credential is kept.
        let report = s.sync().await.result.unwrap();
        assert_eq!(report.credential, CredentialSync::Kept);
        let serial = ok.serial;

        // Revoked on the server: the next sync sees it and asks for a new one.
        server.json(
            "POST",
            "/v1/admin/card/revoke",
            None,
            Some(&json!({"serial": serial})),
        );
        let done = s.sync().await;
        assert!(done.changed.contains(ChangeArea::Card));
        assert_eq!(done.result.unwrap().credential, CredentialSync::Renewed);
        let view = s.card_view().unwrap();
        assert_eq!(view.frame.format, CardFormat::Loy2);
        till.load_key_set(&keys(&server)).unwrap();
        let renewed = till.verify(&view.frame.payload, Utc::now().timestamp());
        // Same step as the first code: the high-water mark refuses it, which
        // proves the till accepted its credential and signature.
        assert!(
            matches!(renewed, Ok(_) | Err(Refusal::TokenReplayed)),
            "{renewed:?}"
        );
        let new_serial = loyalty_till::format::Credential::from_fields(
            &s.store().loy2_credential().unwrap().unwrap().bytes[..54]
                .try_into()
                .unwrap(),
        )
        .unwrap()
        .serial;
        assert_ne!(new_serial, serial);

        // Revoked while the server cannot be reached for a new one: LOY1 with the notice.
        server.json(
            "POST",
            "/v1/admin/card/revoke",
            None,
            Some(&json!({"member_id": null, "serial": new_serial})),
        );
        s.store().mark_loy2_revoked().unwrap();
        s.forget_card();
        let view = s.card_view().unwrap();
        assert_eq!(
            (view.frame.format, view.frame.notice),
            (CardFormat::Loy1, Some(CardNotice::CredentialRevoked))
        );
        assert!(view.frame.payload.starts_with("LOY1:"));

        // Short credentials are renewed once less than a quarter is left.
        server.app.set_credential_hours(1);
        assert_eq!(
            s.sync().await.result.unwrap().credential,
            CredentialSync::Renewed
        );
        let c = s.store().loy2_credential().unwrap().unwrap();
        let fields =
            loyalty_till::format::Credential::from_fields(&c.bytes[..54].try_into().unwrap())
                .unwrap();
        assert_eq!(fields.lifetime_hours, 1);
        // 55 of 60 minutes left: kept.
        assert_eq!(
            s.sync().await.result.unwrap().credential,
            CredentialSync::Kept
        );
    }

    /// No credential yet (a LOY2 program the wallet learns at its first
    /// sync): LOY1 with `credential_missing`, then LOY2 after the sync.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_card_without_credential_shows_loy1_until_the_sync_brings_one() {
        let server = Server::start(PROGRAM, 0.0);
        let url = format!("http://{}", server.addr);
        let dir = tempfile::tempdir().unwrap();
        let s = session(&dir, &url, None);
        s.enroll().await.result.unwrap();
        let view = s.card_view().unwrap();
        assert_eq!(
            (view.frame.format, view.frame.notice),
            (CardFormat::Loy1, None),
            "no program yet: LOY1"
        );
        let report = s.sync().await.result.unwrap();
        assert!(report.program_updated);
        assert_eq!(report.credential, CredentialSync::Renewed);
        assert_eq!(s.card_view().unwrap().frame.format, CardFormat::Loy2);
        // Sign-out takes the device key with it.
        s.sign_out().await.result.unwrap();
        assert!(s.store().loy2_credential().unwrap().is_none());
    }
}
