//! The digits-only card template (`97{card:13}{totp_value_0}`) end to end:
//! program rules, enrollment, the card screen and the till's verifier. A
//! card number of another length is refused where it enters (enrollment,
//! the card service), never rendered.

use chrono::DateTime;
use loyalty_core::card::{
    CardConfig, CardService, LAYOUT_SAFE_TEMPLATE, MemorySecretStore, RawCardConfig, Secret,
    TILL_SKEW_STEPS, VerifyFailure,
};
use loyalty_core::store::Store;

const SECRET: &[u8] = b"12345678901234567890";

fn program(card: &str) -> String {
    format!(r#"{{"currency": "RUB", "earn": {{"rule": {{"percent": "10"}}}}, "card": {card}}}"#)
}

fn config(json: &str) -> loyalty_core::Result<CardConfig> {
    serde_json::from_str::<RawCardConfig>(json)
        .expect("a card section")
        .validate()
}

#[test]
fn the_rules_accept_it_and_refuse_widths_that_cannot_be() {
    let c = config(&format!(
        r#"{{"template": "{LAYOUT_SAFE_TEMPLATE}", "check": "ean13"}}"#
    ))
    .unwrap();
    assert!(c.template.is_layout_safe());
    assert_eq!(c.template.card_width(), Some(13));
    assert!(!CardConfig::default().template.is_layout_safe());
    let e = config(r#"{"template": "97{card:12}{totp_value_0}", "check": "ean13"}"#).unwrap_err();
    assert_eq!(e.code(), "invalid_card_config");
    assert!(e.to_string().contains("EAN-13"), "{e}");
    let e = config(r#"{"template": "97{card}{totp_value_0}"}"#).unwrap_err();
    assert!(e.to_string().contains("fixed width"), "{e}");
}

#[test]
fn the_card_screen_shows_digits_a_till_takes() {
    let c = config(&format!(r#"{{"template": "{LAYOUT_SAFE_TEMPLATE}"}}"#)).unwrap();
    let service = CardService::new(
        c.clone(),
        "4006381333931",
        Secret::new(SECRET.to_vec()).unwrap(),
        0,
    )
    .unwrap();
    // RFC 6238 appendix B, SHA-1: 14050471 at 1111111111, 89005924 at 1234567890.
    for (unix, code) in [(1_111_111_111, "14050471"), (1_234_567_890, "89005924")] {
        let at = DateTime::from_timestamp(unix, 0).unwrap();
        let payload = service.payload(at).unwrap();
        assert_eq!(payload, format!("974006381333931{code}"));
        assert!(payload.bytes().all(|b| b.is_ascii_digit()));
        let verified = service
            .verifier()
            .verify_card(&payload, service.number(), SECRET, unix, TILL_SKEW_STEPS)
            .unwrap();
        assert_eq!(verified.step, Some(unix / 30));
        assert_eq!(
            service
                .verifier()
                .verify(&payload, SECRET, unix + 90, TILL_SKEW_STEPS),
            Err(VerifyFailure::TokenExpired)
        );
    }
    // 23 digits fit a version 1 QR code (21 × 21, numeric mode) at EC M,
    // where the 27 bytes of LOY1:4006381333931:07081804 need version 2 (25 × 25).
    let at = DateTime::from_timestamp(1_111_111_109, 0).unwrap();
    let side = |s: &CardService| s.view(at).unwrap().frame.qr.as_ref().unwrap().side;
    let loy1 = CardService::new(
        CardConfig::default(),
        "4006381333931",
        Secret::new(SECRET.to_vec()).unwrap(),
        0,
    )
    .unwrap();
    assert_eq!((side(&service), side(&loy1)), (21, 25));
    let e = CardService::new(c, "12345678", Secret::new(SECRET.to_vec()).unwrap(), 0).unwrap_err();
    assert_eq!(e.code(), "invalid_card_number");
    assert!(e.to_string().contains("exactly 13 digits"), "{e}");
}

#[test]
fn enrollment_refuses_a_card_number_of_another_length() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .set_program(&program(&format!(
            r#"{{"template": "{LAYOUT_SAFE_TEMPLATE}"}}"#
        )))
        .unwrap();
    let secrets = MemorySecretStore::default();
    let at = DateTime::from_timestamp(1_111_111_111, 0).unwrap();
    let e = store
        .enroll_card("123456789012", SECRET, &secrets, at)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_card_number");
    assert_eq!(store.card_number().unwrap(), None, "nothing was enrolled");
    store
        .enroll_card("4006381333931", SECRET, &secrets, at)
        .unwrap();
    let card = store.card_service(&secrets).unwrap();
    assert_eq!(card.payload(at).unwrap(), "97400638133393114050471");
}
