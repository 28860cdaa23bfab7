//! Wallet passes: byte-for-byte golden files, every field name checked
//! against Google's and Apple's published references, the code Google
//! Wallet would draw (computed here from `totpDetails` alone, as Google
//! documents it) equal to the app's payload, and the refusals of the Apple
//! pass token.
//!
//! Regenerate the golden files after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p loyalty-core --test passes`, then read
//! the diff of `core/tests/golden/` before committing it.

use std::path::PathBuf;

use chrono::DateTime;
use hmac::{Hmac, Mac};
use loyalty_core::card::passes::{PassInput, PassIssuer, PassLabels, PassMember, WalletPasses};
use loyalty_core::card::{
    Algorithm, CardConfig, CardService, CheckDigit, LAYOUT_SAFE_TEMPLATE, Secret, TILL_SKEW_STEPS,
    Template, TotpParams,
};
use loyalty_till::format::{self, CREDENTIAL_LEN, Credential, PRESENTATION_LEN, Scope};
use serde_json::Value;

const SECRET: &[u8] = b"12345678901234567890";
const ISSUED_AT: i64 = 1_800_000_000;
const CARD: &str = "4006381333931";

fn input(card: CardConfig) -> PassInput {
    PassInput {
        issuer: PassIssuer {
            issuer_id: "3388000000012345678".into(),
            class_suffix: "beans.loyalty".into(),
            issuer_name: "Coffee & Co".into(),
            program_name: "Beans Club".into(),
            logo_url: "https://example.com/logo.png".into(),
            background_color: "#1a237e".into(),
            foreground_color: "#ffffff".into(),
            label_color: "#c5cae9".into(),
            pass_type_id: "pass.com.example.beans".into(),
            team_id: "ABCDE12345".into(),
            service_account_email: "wallet@beans.iam.gserviceaccount.com".into(),
            origins: vec!["https://beans.example.com".into()],
            labels: PassLabels::default(),
        },
        member: PassMember {
            object_suffix: "member-42".into(),
            card_number: CARD.into(),
            member_name: Some("Ada Lovelace".into()),
            points: 1250,
            tier: Some("gold".into()),
        },
        card,
        secret: Secret::new(SECRET.to_vec()).unwrap(),
        issued_at: ISSUED_AT,
    }
}

fn passes() -> WalletPasses {
    WalletPasses::new(input(CardConfig::default())).unwrap()
}

/// A LOY2 credential text as the server would issue it (the signature is
/// not checked here, so it is a fixed pattern).
fn credential(card: u64, scope: u8, version: u8, not_after: i64) -> String {
    credential_for(loyalty_till::NO_DEVICE, card, scope, version, not_after)
}

/// The same, bound to a device key (what a phone's rotating code carries).
fn credential_for(
    device_key: [u8; 33],
    card: u64,
    scope: u8,
    version: u8,
    not_after: i64,
) -> String {
    let lifetime_hours = 720u16;
    let not_before = not_after - i64::from(lifetime_hours) * 3600;
    let mut fields = Credential {
        kid: 1,
        card,
        not_before: u32::try_from(not_before).unwrap(),
        lifetime_hours,
        scope: Scope(scope),
        serial: 7,
        device_key,
    }
    .fields();
    fields[0] = version;
    let mut bytes = [0x5a; CREDENTIAL_LEN];
    bytes[..fields.len()].copy_from_slice(&fields);
    format::to_text(&bytes)
}

fn good_token() -> String {
    credential(
        4_006_381_333_931,
        Scope::IDENTIFY | Scope::EARN,
        format::VERSION,
        ISSUED_AT + 3600,
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

// ---- golden files ------------------------------------------------------

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run UPDATE_GOLDEN=1 cargo test -p loyalty-core --test passes",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{name} differs from its golden file; if the change is intended, run \
         UPDATE_GOLDEN=1 cargo test -p loyalty-core --test passes\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn passes_match_their_golden_files_byte_for_byte() {
    let p = passes();
    golden("google_class.json", &p.google_class());
    golden("google_object.json", &p.google_object().unwrap());
    golden("google_claims.json", &p.google_save_claims());
    golden(
        "apple_pass.json",
        &p.apple_pass_json(&good_token()).unwrap(),
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let (a, b) = (passes(), passes());
    assert_eq!(a.google_class(), b.google_class());
    assert_eq!(a.google_object().unwrap(), b.google_object().unwrap());
    assert_eq!(a.google_save_claims(), b.google_save_claims());
    assert_eq!(
        a.apple_pass_json(&good_token()).unwrap(),
        b.apple_pass_json(&good_token()).unwrap()
    );
    // And a different member gives a different object.
    let mut other = input(CardConfig::default());
    other.member.points = 1251;
    let other = WalletPasses::new(other).unwrap();
    assert_ne!(a.google_object().unwrap(), other.google_object().unwrap());
}

// ---- field names against the references --------------------------------

#[path = "passes/reference.rs"]
mod reference;

use reference::{Kind, apple, google, undocumented};

#[test]
fn every_field_name_is_documented_for_its_type() {
    let with_everything = passes();
    let mut bare = input(CardConfig::default());
    bare.member.member_name = None;
    bare.member.tier = None;
    let bare = WalletPasses::new(bare).unwrap();
    for p in [&with_everything, &bare] {
        for (text, kind, spec) in [
            (p.google_class(), "LoyaltyClass", google as fn(&str) -> Kind),
            (p.google_object().unwrap(), "LoyaltyObject", google),
            (p.google_save_claims(), "Jwt", google),
            (p.apple_pass_json(&good_token()).unwrap(), "Pass", apple),
        ] {
            let problems = undocumented(&json(&text), kind, "$", spec);
            assert!(problems.is_empty(), "{kind}: {problems:#?}");
        }
    }
    // The walk does catch an undocumented key, at any depth.
    let mut object = json(&with_everything.google_object().unwrap());
    object["rotatingBarcode"]["totpDetails"]["secret"] = Value::from("x");
    object["barcode"] = serde_json::json!({"type": "QR_CODE", "value": "x"});
    assert_eq!(undocumented(&object, "LoyaltyObject", "$", google).len(), 2);
}

#[test]
fn required_values_are_the_documented_ones() {
    let p = passes();
    let class = json(&p.google_class());
    for key in [
        "id",
        "issuerName",
        "programName",
        "programLogo",
        "reviewStatus",
    ] {
        assert!(class.get(key).is_some(), "LoyaltyClass.{key} is required");
    }
    assert_eq!(class["reviewStatus"], "UNDER_REVIEW");
    assert_eq!(
        class["programLogo"]["sourceUri"]["uri"],
        "https://example.com/logo.png"
    );

    let object = json(&p.google_object().unwrap());
    assert_eq!(object["classId"], class["id"]);
    assert_eq!(object["state"], "ACTIVE");
    assert_eq!(object["accountId"], CARD);
    assert_eq!(object["accountName"], "Ada Lovelace");
    assert_eq!(object["textModulesData"][0]["body"], "gold");
    assert_eq!(
        object["passConstraints"]["screenshotEligibility"],
        "INELIGIBLE"
    );
    let barcode = &object["rotatingBarcode"];
    assert_eq!(barcode["type"], "QR_CODE");
    assert_eq!(barcode["totpDetails"]["algorithm"], "TOTP_SHA1");
    assert!(object.get("barcode").is_none(), "no static barcode");

    let claims = json(&p.google_save_claims());
    assert_eq!(claims["aud"], "google");
    assert_eq!(claims["typ"], "savetowallet");
    assert_eq!(claims["iat"], ISSUED_AT);
    assert_eq!(claims["iss"], "wallet@beans.iam.gserviceaccount.com");
    assert_eq!(
        claims["origins"],
        serde_json::json!(["https://beans.example.com"])
    );
    assert_eq!(
        claims["payload"],
        serde_json::json!({"loyaltyObjects": [{"id": "3388000000012345678.member-42"}]}),
        "the claims name the inserted object only"
    );

    let pass = json(&p.apple_pass_json(&good_token()).unwrap());
    assert_eq!(pass["formatVersion"], 1);
    assert_eq!(pass["backgroundColor"], "rgb(26, 35, 126)");
    assert_eq!(pass["serialNumber"], "member-42");
    let b = &pass["barcodes"][0];
    assert_eq!(
        (&b["format"], &b["messageEncoding"]),
        (
            &Value::from("PKBarcodeFormatQR"),
            &Value::from("iso-8859-1")
        )
    );
    assert_eq!(b["message"], good_token().as_str());
    assert_eq!(b["altText"], "4006 3813 3393 1");
    let card = &pass["storeCard"];
    assert_eq!(card["primaryFields"][0]["value"], 1250);
    assert_eq!(card["secondaryFields"][1]["value"], "gold");
    assert_eq!(card["auxiliaryFields"][0]["value"], "4006 3813 3393 1");
    let expires = DateTime::from_timestamp(ISSUED_AT + 3600, 0).unwrap();
    assert_eq!(
        pass["expirationDate"],
        expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
}

// ---- the code Google Wallet draws ---------------------------------------

/// Base16 (RFC 4648) to bytes, as Google documents `TotpParameters.key`.
fn from_base16(text: &str) -> Vec<u8> {
    assert!(
        text.len() % 2 == 0
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    );
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// What Google Wallet shows at `unix_ms`: RFC 6238 from `totpDetails` alone
/// (HMAC-SHA1 of the step counter, dynamic truncation, `valueLength`
/// digits), substituted into `valuePattern`. The timestamps are taken as
/// the start of the code's step (see docs/card-payloads.md).
fn google_draws(object: &Value, unix_ms: i64) -> String {
    let barcode = &object["rotatingBarcode"];
    let details = &barcode["totpDetails"];
    assert_eq!(details["algorithm"], "TOTP_SHA1");
    let period_ms: i64 = details["periodMillis"].as_str().unwrap().parse().unwrap();
    let parameters = &details["parameters"][0];
    let key = from_base16(parameters["key"].as_str().unwrap());
    let digits = u32::try_from(parameters["valueLength"].as_u64().unwrap()).unwrap();
    let counter = unix_ms / period_ms;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let bin = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    let code = format!(
        "{:0width$}",
        bin % 10u32.pow(digits),
        width = digits as usize
    );
    let start_ms = counter * period_ms;
    barcode["valuePattern"]
        .as_str()
        .unwrap()
        .replace("{totp_value_0}", &code)
        .replace("{totp_timestamp_seconds}", &(start_ms / 1000).to_string())
        .replace("{totp_timestamp_millis}", &start_ms.to_string())
}

#[test]
fn google_draws_the_payload_the_app_shows_and_the_till_takes() {
    for (template, digits, period, check) in [
        (
            loyalty_core::card::DEFAULT_TEMPLATE,
            8,
            30,
            CheckDigit::None,
        ),
        (LAYOUT_SAFE_TEMPLATE, 8, 30, CheckDigit::Ean13),
        (
            "G:{card}:{totp_value_0}:{totp_timestamp_seconds}",
            6,
            30,
            CheckDigit::None,
        ),
        (
            "W{card:13}{totp_value_0}{totp_timestamp_millis}",
            7,
            60,
            CheckDigit::None,
        ),
    ] {
        let card = CardConfig {
            template: Template::parse(template).unwrap(),
            totp: TotpParams {
                algorithm: Algorithm::Sha1,
                digits,
                period,
            },
            check,
            ..CardConfig::default()
        };
        let object = json(
            &WalletPasses::new(input(card.clone()))
                .unwrap()
                .google_object()
                .unwrap(),
        );
        let app = CardService::new(card, CARD, Secret::new(SECRET.to_vec()).unwrap(), 0).unwrap();
        let till = app.verifier();
        for unix_ms in [
            59_000,
            1_111_111_109_000,
            1_111_111_111_999,
            1_234_567_890_000,
            2_000_000_000_500,
            20_000_000_000_000,
        ] {
            let at = DateTime::from_timestamp_millis(unix_ms).unwrap();
            let shown = google_draws(&object, unix_ms);
            assert_eq!(
                shown,
                app.view(at).unwrap().frame.payload,
                "{template} at {unix_ms} ms"
            );
            let verified = till
                .verify_card(
                    &shown,
                    app.number(),
                    SECRET,
                    unix_ms / 1000,
                    TILL_SKEW_STEPS,
                )
                .unwrap();
            assert_eq!(verified.step, Some(unix_ms / 1000 / period));
        }
    }
    // RFC 6238 appendix B pins the emulation itself: 07081804 at 1111111109.
    assert_eq!(
        google_draws(&json(&passes().google_object().unwrap()), 1_111_111_109_000),
        "LOY1:4006381333931:07081804"
    );
}

// ---- the Apple pass token ------------------------------------------------

#[test]
fn the_apple_token_must_be_this_cards_identify_earn_credential() {
    let p = passes();
    let card = 4_006_381_333_931;
    let later = ISSUED_AT + 3600;
    let presentation = format::to_text(&[7u8; PRESENTATION_LEN]);
    let cases: [(&str, String, &str); 11] = [
        ("garbage", "hello".into(), "not a LOY2 text"),
        ("letters", "92abc".into(), "not a LOY2 text"),
        ("short", format::to_text(&[1; 10]), "holds 10 bytes"),
        ("presentation", presentation, "presentation"),
        (
            "version",
            credential(card, Scope::IDENTIFY, 2, later),
            "unknown format version",
        ),
        (
            "redeem offline",
            credential(
                card,
                Scope::IDENTIFY | Scope::EARN | Scope::REDEEM_OFFLINE,
                1,
                later,
            ),
            "redeem",
        ),
        (
            "redeem online",
            credential(card, Scope::IDENTIFY | Scope::REDEEM_ONLINE, 1, later),
            "redeem",
        ),
        (
            "unknown scope",
            credential(card, Scope::IDENTIFY | 0x10, 1, later),
            "does not know",
        ),
        (
            "no identify",
            credential(card, Scope::EARN, 1, later),
            "identify",
        ),
        (
            "bound to a device",
            credential_for([2; 33], card, Scope::IDENTIFY | Scope::EARN, 1, later),
            "bound to a phone's key",
        ),
        (
            "another card",
            credential(4_006_381_333_948, Scope::IDENTIFY | Scope::EARN, 1, later),
            "…3948, not this card …3931",
        ),
    ];
    for (what, token, reason) in cases {
        let e = p.apple_pass_json(&token).unwrap_err();
        assert_eq!(e.code(), "pass_token_refused", "{what}");
        let text = e.to_string();
        assert!(text.contains(reason), "{what}: {text}");
        assert!(
            token.len() < 8 || !text.contains(&token),
            "{what}: the token is echoed"
        );
        assert!(
            !text.contains("4006381333948"),
            "{what}: a full card number is shown"
        );
    }
    let expired = credential(card, Scope::IDENTIFY | Scope::EARN, 1, ISSUED_AT);
    let e = p.apple_pass_json(&expired).unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
    for scope in [Scope::IDENTIFY, Scope::IDENTIFY | Scope::EARN] {
        assert!(
            p.apple_pass_json(&credential(card, scope, 1, later))
                .is_ok(),
            "{scope}"
        );
    }
}
