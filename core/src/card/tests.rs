//! The card service: views cached per step, rotation, the server offset,
//! secrets kept out of logs, and the card section of the rules.

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn service(offset: i64) -> CardService {
    let secret = Secret::new(b"12345678901234567890".to_vec()).unwrap();
    CardService::new(CardConfig::default(), "4006381333931", secret, offset).unwrap()
}

#[test]
fn view_is_cached_within_a_step_and_rotates() {
    let card = service(0);
    let a = card.view(t("2005-03-18T01:58:29Z")).unwrap(); // unix 1111111109
    assert_eq!(a.frame.payload, "LOY1:4006381333931:07081804");
    assert_eq!(a.frame.display_number, "4006 3813 3393 1");
    assert_eq!(a.seconds_to_rotation, Some(1));
    assert_eq!(a.millis_to_rotation, Some(1000));
    assert_eq!(a.frame.rotates_at, Some(t("2005-03-18T01:58:30Z")));
    let b = card.view(t("2005-03-18T01:58:29.500Z")).unwrap();
    assert!(
        Arc::ptr_eq(&a.frame, &b.frame),
        "same step reuses the frame"
    );
    let c = card.view(t("2005-03-18T01:58:31Z")).unwrap();
    assert!(!Arc::ptr_eq(&a.frame, &c.frame));
    assert_eq!(c.seconds_to_rotation, Some(29));
    assert_eq!(
        card.svg(t("2005-03-18T01:58:31Z")).unwrap(),
        card.svg(t("2005-03-18T01:58:32Z")).unwrap()
    );
}

/// What the card screen says about screenshots is what a till does: the
/// code is taken until `seconds_until_refused` (one step past the
/// rotation) and refused from then on.
#[test]
fn a_code_is_refused_exactly_when_the_view_says() {
    let card = service(0);
    let shown = t("2005-03-18T01:58:21Z");
    let v = card.view(shown).unwrap();
    assert_eq!(
        (v.seconds_to_rotation, v.seconds_until_refused),
        (Some(9), Some(39))
    );
    let secret = b"12345678901234567890";
    let verifier = Verifier::new(
        Template::parse(DEFAULT_TEMPLATE).unwrap(),
        TotpParams::default(),
        CheckDigit::None,
    );
    let check = |at: DateTime<Utc>| {
        verifier.verify(&v.frame.payload, secret, at.timestamp(), TILL_SKEW_STEPS)
    };
    let refused_at = shown + chrono::Duration::seconds(39);
    assert!(check(refused_at - chrono::Duration::seconds(1)).is_ok());
    assert_eq!(check(refused_at).unwrap_err(), VerifyFailure::TokenExpired);
    let fixed = CardService::new(
        CardConfig {
            template: Template::parse("{card}").unwrap(),
            ..CardConfig::default()
        },
        "4006381333931",
        Secret::new(secret.to_vec()).unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(fixed.view(shown).unwrap().seconds_until_refused, None);
}

#[test]
fn server_offset_shifts_the_step() {
    // Device 60 s behind the server: the device at 1111111049 shows the server's 1111111109 code.
    let card = service(60_000);
    let v = card.view(t("2005-03-18T01:57:29Z")).unwrap();
    assert_eq!(v.frame.payload, "LOY1:4006381333931:07081804");
    assert_eq!(v.frame.rotates_at, Some(t("2005-03-18T01:57:30Z")));
}

#[test]
fn secrets_never_show_in_debug() {
    let card = service(0);
    let view = card.view(t("2026-01-01T00:00:00Z")).unwrap();
    let text = format!("{card:?} {view:?}");
    assert!(!text.contains(&view.frame.payload), "{text}");
    assert!(!text.contains("1234567890"), "{text}");
    assert!(!text.contains("4006381333931"), "{text}");
    assert_eq!(
        Secret::new(vec![1; 15]).unwrap_err().code(),
        "invalid_secret"
    );
}

#[test]
fn config_section_is_validated() {
    let raw: RawCardConfig = serde_json::from_str(
        r#"{"template":"{card}","barcode":"code128","ec_level":"H","digits":6}"#,
    )
    .unwrap();
    let c = raw.validate().unwrap();
    assert!(!c.template.is_rotating());
    for bad in [
        r#"{"algorithm":"md5"}"#,
        r#"{"digits":9}"#,
        r#"{"period_seconds":0}"#,
        r#"{"barcode":"pdf417"}"#,
        r#"{"ec_level":"X"}"#,
        r#"{"template":"{nope}"}"#,
        r#"{"check":"mod97"}"#,
    ] {
        let raw: RawCardConfig = serde_json::from_str(bad).unwrap();
        assert_eq!(
            raw.validate().unwrap_err().code(),
            "invalid_card_config",
            "{bad}"
        );
    }
    assert!(serde_json::from_str::<RawCardConfig>(r#"{"colour":"red"}"#).is_err());
}

#[test]
fn static_and_linear_cards() {
    let secret = Secret::new(vec![7; 20]).unwrap();
    let mut config = CardConfig {
        barcode: BarcodeKind::Ean13,
        ..CardConfig::default()
    };
    let card = CardService::new(config.clone(), "4006381333931", secret.clone(), 0).unwrap();
    let v = card.view(t("2026-01-01T00:00:00Z")).unwrap();
    assert_eq!(v.frame.payload, "4006381333931");
    assert_eq!(v.seconds_to_rotation, None);
    assert_eq!(v.frame.linear.as_ref().unwrap().kind, LinearKind::Ean13);
    assert!(CardService::new(config.clone(), "12345678", secret.clone(), 0).is_err());
    config.barcode = BarcodeKind::Code128;
    let card = CardService::new(config, "12345678", secret, 0).unwrap();
    assert_eq!(card.linear_barcode().unwrap().kind, LinearKind::Code128);
}

mod loy2_card {
    use super::*;
    use crate::card::loy2::{CardNotice, DeviceCredential, DeviceSigner};
    use crate::card::soft_key::SoftwareSigner;
    use ed25519_dalek::Signer as _;
    use loyalty_till::format::{CREDENTIAL_FIELDS_LEN, CREDENTIAL_LEN, Credential, Scope};
    use loyalty_till::{OfflineVerifier, Refusal};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// 2026-12-01T10:00:21Z.
    const NOW: i64 = 1_796_119_221;

    fn issuer() -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
    }

    fn till() -> OfflineVerifier {
        let mut v = OfflineVerifier::new();
        assert!(v.add_key(1, &issuer().verifying_key().to_bytes()));
        v
    }

    /// Counts signatures; fails every one when `fail` is set.
    struct Counting {
        inner: SoftwareSigner,
        signed: AtomicUsize,
        fail: bool,
    }

    impl DeviceSigner for Counting {
        fn public_key(&self) -> Result<[u8; 33]> {
            self.inner.public_key()
        }
        fn sign(&self, message: &[u8]) -> Result<[u8; 64]> {
            self.signed.fetch_add(1, Ordering::SeqCst);
            if self.fail {
                return Err(LoyaltyError::SecretStore {
                    reason: "keystore locked".into(),
                });
            }
            self.inner.sign(message)
        }
    }

    fn signer(fail: bool) -> Arc<Counting> {
        Arc::new(Counting {
            inner: SoftwareSigner::load_or_create(&MemorySecretStore::default()).unwrap(),
            signed: AtomicUsize::new(0),
            fail,
        })
    }

    fn issue(device_key: [u8; 33], not_before: i64, hours: u16) -> [u8; CREDENTIAL_LEN] {
        let fields = Credential {
            kid: 1,
            card: 4_006_381_333_931,
            not_before: not_before as u32,
            lifetime_hours: hours,
            scope: Scope(Scope::IDENTIFY | Scope::EARN),
            serial: 3,
            device_key,
        }
        .fields();
        let mut out = [0u8; CREDENTIAL_LEN];
        out[..CREDENTIAL_FIELDS_LEN].copy_from_slice(&fields);
        out[CREDENTIAL_FIELDS_LEN..].copy_from_slice(
            &issuer()
                .sign(&loyalty_till::format::issuer_message(&fields))
                .to_bytes(),
        );
        out
    }

    fn card(credential: Option<DeviceCredential>, offset_ms: i64) -> CardService {
        let config = CardConfig {
            format: CardFormat::Loy2,
            ..CardConfig::default()
        };
        let secret = Secret::new(b"12345678901234567890".to_vec()).unwrap();
        CardService::new(config, "4006381333931", secret, offset_ms)
            .unwrap()
            .with_credential(credential)
    }

    fn at(unix: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(unix, 0).unwrap()
    }

    /// A usable credential: the card shows LOY2, signed once per step, and
    /// an offline till takes it; the step follows trusted time.
    #[test]
    fn a_loy2_card_signs_once_per_step_and_the_till_takes_it() {
        let s = signer(false);
        let cred = issue(s.public_key().unwrap(), NOW - 60, 24);
        let card = card(
            Some(DeviceCredential::new(cred, false, s.clone()).unwrap()),
            0,
        );
        let a = card.view(at(NOW)).unwrap();
        assert_eq!((a.frame.format, a.frame.notice), (CardFormat::Loy2, None));
        assert!(a.frame.payload.starts_with("92"));
        assert_eq!(a.frame.qr.as_ref().unwrap().side, 57, "QR version 10");
        let b = card.view(at(NOW + 5)).unwrap();
        assert!(Arc::ptr_eq(&a.frame, &b.frame));
        assert_eq!(s.signed.load(Ordering::SeqCst), 1, "one signature per step");
        assert_eq!(a.seconds_to_rotation, Some(9));
        assert_eq!(a.seconds_until_refused, Some(39));
        let mut till = till();
        let ok = till.verify(&a.frame.payload, NOW).unwrap();
        assert_eq!((ok.card, i64::from(ok.step)), (4_006_381_333_931, NOW / 30));
        assert_eq!(
            till.verify(&a.frame.payload, NOW),
            Err(Refusal::TokenReplayed)
        );
        let c = card.view(at(NOW + 9)).unwrap();
        assert_ne!(c.frame.payload, a.frame.payload);
        assert_eq!(s.signed.load(Ordering::SeqCst), 2);
        // A device clock 10 minutes behind shows the server's step.
        let behind = super::loy2_card::card(
            Some(DeviceCredential::new(cred, false, s.clone()).unwrap()),
            600_000,
        );
        let v = behind.view(at(NOW - 600 + 30)).unwrap();
        assert_eq!(v.frame.step, Some(NOW / 30 + 1));
        assert!(till.verify(&v.frame.payload, NOW + 30).is_ok());
    }

    /// Whatever is wrong with the credential, the card shows its LOY1 code
    /// and says why — never no code.
    #[test]
    fn an_unusable_credential_falls_back_to_loy1_with_its_notice() {
        let s = signer(false);
        let key = s.public_key().unwrap();
        let other = SoftwareSigner::load_or_create(&MemorySecretStore::default())
            .unwrap()
            .public_key()
            .unwrap();
        let cases: Vec<(Option<DeviceCredential>, CardNotice)> = vec![
            (None, CardNotice::CredentialMissing),
            (
                Some(DeviceCredential::new(issue(key, NOW + 3600, 24), false, s.clone()).unwrap()),
                CardNotice::CredentialNotYetValid,
            ),
            (
                Some(DeviceCredential::new(issue(key, NOW - 3600, 1), false, s.clone()).unwrap()),
                CardNotice::CredentialExpired,
            ),
            (
                // Within two steps of its end is expired for the card already.
                Some(
                    DeviceCredential::new(issue(key, NOW - 3600 + 50, 1), false, s.clone())
                        .unwrap(),
                ),
                CardNotice::CredentialExpired,
            ),
            (
                Some(DeviceCredential::new(issue(key, NOW - 60, 24), true, s.clone()).unwrap()),
                CardNotice::CredentialRevoked,
            ),
            (
                Some(DeviceCredential::new(issue(other, NOW - 60, 24), false, s.clone()).unwrap()),
                CardNotice::DeviceKeyChanged,
            ),
        ];
        for (credential, notice) in cases {
            let v = card(credential, 0).view(at(NOW)).unwrap();
            assert_eq!(
                (v.frame.format, v.frame.notice),
                (CardFormat::Loy1, Some(notice))
            );
            assert!(
                v.frame.payload.starts_with("LOY1:4006381333931:"),
                "{notice:?}"
            );
            assert!(v.frame.qr.is_some());
            assert_eq!(notice.code().to_lowercase(), notice.code());
        }
        assert_eq!(s.signed.load(Ordering::SeqCst), 0);
        // One step short of the two-step margin is still LOY2.
        let ok =
            DeviceCredential::new(issue(key, NOW - 3600 + 61 + 21, 1), false, s.clone()).unwrap();
        assert_eq!(
            card(Some(ok), 0).view(at(NOW)).unwrap().frame.format,
            CardFormat::Loy2
        );
    }

    /// A key store that refuses: LOY1 with `signer_failed`, asked once per
    /// step, and LOY2 again when the key signs.
    #[test]
    fn a_failing_device_key_shows_loy1_and_is_asked_once_per_step() {
        let s = signer(true);
        let cred = issue(s.public_key().unwrap(), NOW - 60, 24);
        let card = card(
            Some(DeviceCredential::new(cred, false, s.clone()).unwrap()),
            0,
        );
        for dt in [0, 3, 8] {
            let v = card.view(at(NOW + dt)).unwrap();
            assert_eq!(
                (v.frame.format, v.frame.notice),
                (CardFormat::Loy1, Some(CardNotice::SignerFailed))
            );
            assert!(v.frame.payload.starts_with("LOY1:"));
        }
        assert_eq!(s.signed.load(Ordering::SeqCst), 1);
        card.view(at(NOW + 30)).unwrap();
        assert_eq!(
            s.signed.load(Ordering::SeqCst),
            2,
            "the next step tries again"
        );
    }

    #[test]
    fn loy2_needs_a_qr_code() {
        let raw: RawCardConfig =
            serde_json::from_str(r#"{"format":"loy2","barcode":"ean13"}"#).unwrap();
        let e = raw.validate().unwrap_err();
        assert_eq!(e.code(), "invalid_card_config");
        assert!(e.to_string().contains("qr"), "{e}");
        let raw: RawCardConfig = serde_json::from_str(r#"{"format":"loy3"}"#).unwrap();
        assert!(
            raw.validate()
                .unwrap_err()
                .to_string()
                .contains("loy1 or loy2")
        );
        let raw: RawCardConfig = serde_json::from_str(r#"{"format":"loy2"}"#).unwrap();
        assert_eq!(raw.validate().unwrap().format, CardFormat::Loy2);
    }
}
