//! The verifier against codes made here with fixed test keys: accepted once,
//! and each refusal with its code.

use ed25519_dalek::{Signer as _, SigningKey as IssuerSigning};
use p256::ecdsa::{Signature as DeviceSignature, SigningKey as DeviceSigning};
use proptest::prelude::*;

use super::format::{self, Credential, Scope};
use super::*;

/// 2026-12-01T10:00:21Z.
const NOW: i64 = 1_796_119_221;

fn issuer() -> IssuerSigning {
    IssuerSigning::from_bytes(&[7u8; 32])
}

fn device() -> DeviceSigning {
    DeviceSigning::from_bytes(&[9u8; 32].into()).unwrap()
}

fn credential(kid: u8, serial: u32) -> [u8; format::CREDENTIAL_LEN] {
    let key = device().verifying_key().to_encoded_point(true);
    let c = Credential {
        kid,
        card: 2_000_000_000_015,
        not_before: (NOW - 3600) as u32,
        lifetime_hours: 24,
        scope: Scope(Scope::IDENTIFY | Scope::EARN),
        serial,
        device_key: key.as_bytes().try_into().unwrap(),
    };
    let fields = c.fields();
    let sig = issuer().sign(&format::issuer_message(&fields));
    let mut out = [0u8; format::CREDENTIAL_LEN];
    out[..format::CREDENTIAL_FIELDS_LEN].copy_from_slice(&fields);
    out[format::CREDENTIAL_FIELDS_LEN..].copy_from_slice(&sig.to_bytes());
    out
}

fn present(credential: &[u8; format::CREDENTIAL_LEN], step: u32) -> Vec<u8> {
    let sig: DeviceSignature = device().sign(&format::device_message(credential, step));
    [credential.as_slice(), &step.to_be_bytes(), &sig.to_bytes()].concat()
}

fn step_now() -> u32 {
    (NOW / format::STEP_SECONDS) as u32
}

fn verifier() -> OfflineVerifier {
    let mut v = OfflineVerifier::new();
    assert!(v.add_key(1, &issuer().verifying_key().to_bytes()));
    v
}

#[test]
fn a_fresh_code_is_accepted_once() {
    let mut v = verifier();
    let text = format::to_text(&present(&credential(1, 5), step_now()));
    assert!(
        text.starts_with("92") && text.len() == 2 + 26 * 17 + 10,
        "{}",
        text.len()
    );
    let ok = v.verify(&text, NOW).unwrap();
    assert_eq!(
        (ok.card, ok.step, ok.serial),
        (2_000_000_000_015, step_now(), 5)
    );
    assert!(ok.scope.allows(Scope::EARN));
    assert_eq!(v.verify(&text, NOW), Err(Refusal::TokenReplayed));
    // An older step of the same card is a replay too; a newer one passes.
    let older = format::to_text(&present(&credential(1, 5), step_now() - 1));
    assert_eq!(v.verify(&older, NOW), Err(Refusal::TokenReplayed));
    let newer = format::to_text(&present(&credential(1, 5), step_now() + 1));
    assert!(v.verify(&newer, NOW).is_ok());
}

#[test]
fn every_refusal_has_its_code() {
    let cred = credential(1, 5);
    let good = present(&cred, step_now());
    let mut v = verifier();
    assert_eq!(v.verify("LOY1:123:456", NOW), Err(Refusal::Malformed));
    assert_eq!(
        v.verify(&format::to_text(&good[..good.len() - 1]), NOW),
        Err(Refusal::Malformed)
    );
    assert_eq!(
        v.verify(
            &format::to_text(&present(&credential(2, 5), step_now())),
            NOW
        ),
        Err(Refusal::UnknownKey)
    );
    let mut forged = cred;
    forged[5] ^= 1; // another card number under the same signature
    assert_eq!(
        v.verify(&format::to_text(&present(&forged, step_now())), NOW),
        Err(Refusal::BadIssuerSignature)
    );
    assert_eq!(
        v.verify(&format::to_text(&good), NOW - 7200),
        Err(Refusal::CredentialNotYetValid)
    );
    let late = NOW + 24 * 3600;
    let at_end = present(&cred, (late / format::STEP_SECONDS) as u32);
    assert_eq!(
        v.verify(&format::to_text(&at_end), late),
        Err(Refusal::CredentialExpired)
    );
    assert_eq!(
        v.verify(&format::to_text(&present(&cred, step_now() - 2)), NOW),
        Err(Refusal::TokenExpired)
    );
    assert_eq!(
        v.verify(&format::to_text(&present(&cred, step_now() + 2)), NOW),
        Err(Refusal::TokenTooEarly)
    );
    let mut bad_device = good.clone();
    *bad_device.last_mut().unwrap() ^= 0x40;
    assert_eq!(
        v.verify(&format::to_text(&bad_device), NOW),
        Err(Refusal::BadDeviceSignature)
    );
    // The step is signed: moving it breaks the device signature.
    let mut moved = good.clone();
    moved[format::CREDENTIAL_LEN + 3] ^= 1;
    assert_eq!(
        v.verify(&format::to_text(&moved), NOW),
        Err(Refusal::BadDeviceSignature)
    );
    v.revoke(5);
    assert_eq!(
        v.verify(&format::to_text(&good), NOW),
        Err(Refusal::CredentialRevoked)
    );
    // Nothing refused was recorded.
    assert!(v.replay_state().is_empty());
    let codes: HashSet<&str> = [
        Refusal::Malformed,
        Refusal::UnknownKey,
        Refusal::BadIssuerSignature,
        Refusal::CredentialNotYetValid,
        Refusal::CredentialExpired,
        Refusal::CredentialRevoked,
        Refusal::TokenExpired,
        Refusal::TokenTooEarly,
        Refusal::BadDeviceSignature,
        Refusal::TokenReplayed,
    ]
    .iter()
    .map(|r| r.code())
    .collect();
    assert_eq!(codes.len(), 10);
}

/// ECDSA signatures are malleable: (r, n − s) verifies as well as (r, s).
/// The replay state is keyed by card and step, so the twin is a replay.
#[test]
fn a_resigned_twin_of_an_accepted_code_is_a_replay() {
    let cred = credential(1, 5);
    let step = step_now();
    let sig: DeviceSignature = device().sign(&format::device_message(&cred, step));
    let (r, s) = sig.split_scalars();
    let twin = DeviceSignature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    assert_ne!(twin.to_bytes(), sig.to_bytes());
    let code = |sig: &DeviceSignature| {
        format::to_text(&[cred.as_slice(), &step.to_be_bytes(), &sig.to_bytes()].concat())
    };
    let mut v = verifier();
    assert!(v.verify(&code(&sig), NOW).is_ok());
    assert_eq!(v.verify(&code(&twin), NOW), Err(Refusal::TokenReplayed));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every single-byte change anywhere in a code is refused.
    #[test]
    fn every_single_byte_change_is_refused(at in 0usize..format::PRESENTATION_LEN, flip in 1u8..=255) {
        let mut bytes = present(&credential(1, 5), step_now());
        bytes[at] ^= flip;
        let mut v = verifier();
        prop_assert!(v.verify(&format::to_text(&bytes), NOW).is_err());
    }
}

fn static_credential(scope: u8, device_key: [u8; 33]) -> [u8; format::CREDENTIAL_LEN] {
    let fields = Credential {
        kid: 1,
        card: 2_000_000_000_015,
        not_before: (NOW - 3600) as u32,
        lifetime_hours: 24,
        scope: Scope(scope),
        serial: 8,
        device_key,
    }
    .fields();
    let sig = issuer().sign(&format::issuer_message(&fields));
    let mut out = [0u8; format::CREDENTIAL_LEN];
    out[..format::CREDENTIAL_FIELDS_LEN].copy_from_slice(&fields);
    out[format::CREDENTIAL_FIELDS_LEN..].copy_from_slice(&sig.to_bytes());
    out
}

/// A wallet pass's static token identifies and earns, every time, and
/// never pays, whatever scope it claims.
#[test]
fn a_static_pass_token_identifies_and_earns_only() {
    let mut v = verifier();
    let all = Scope::IDENTIFY | Scope::EARN | Scope::REDEEM_OFFLINE | Scope::REDEEM_ONLINE;
    let text = format::to_text(&static_credential(all, NO_DEVICE));
    for _ in 0..2 {
        let ok = v.verify(&text, NOW).unwrap();
        assert!(ok.static_pass);
        assert_eq!(
            (ok.card, ok.step, ok.serial),
            (2_000_000_000_015, step_now(), 8)
        );
        assert!(ok.scope.allows(Scope::IDENTIFY | Scope::EARN));
        assert!(!ok.scope.allows(Scope::REDEEM_OFFLINE) && !ok.scope.allows(Scope::REDEEM_ONLINE));
    }
    assert!(
        v.replay_state().is_empty(),
        "static tokens set no high-water mark"
    );
    v.revoke(8);
    assert_eq!(v.verify(&text, NOW), Err(Refusal::CredentialRevoked));
    assert_eq!(
        verifier().verify(&text, NOW + 24 * 3600),
        Err(Refusal::CredentialExpired)
    );
}

/// The credential cut out of a screenshot of a rotating code is no static
/// token; nor is a static credential with a device signature glued on.
#[test]
fn a_cut_or_padded_credential_is_refused() {
    let mut v = verifier();
    let cred = credential(1, 5);
    assert_eq!(
        v.verify(&format::to_text(&cred), NOW),
        Err(Refusal::BadDeviceSignature)
    );
    let pass = static_credential(Scope::IDENTIFY, NO_DEVICE);
    let padded = [pass.as_slice(), &step_now().to_be_bytes(), &[1u8; 64]].concat();
    assert_eq!(
        v.verify(&format::to_text(&padded), NOW),
        Err(Refusal::Malformed)
    );
}

/// Keys and the replay state survive as JSON; the high-water marks carry
/// across a reload of the keys and across a restart.
#[test]
fn key_sets_and_replay_state_round_trip_as_json() {
    use super::keys::{KeySet, PublicKey, to_hex};
    let set = KeySet {
        keys: vec![PublicKey {
            kid: 1,
            alg: "Ed25519".into(),
            public_key: to_hex(&issuer().verifying_key().to_bytes()),
        }],
        revoked: vec![99],
        step_seconds: 30,
    };
    let parsed = KeySet::from_json(&set.to_json()).unwrap();
    assert_eq!(parsed, set);
    let mut v = OfflineVerifier::from_key_set(&parsed).unwrap();
    let text = format::to_text(&present(&credential(1, 5), step_now()));
    assert!(v.verify(&text, NOW).is_ok());
    let state = v.replay_state_json();
    assert!(state.contains("\"2000000000015\""), "{state}");
    let mut restarted = OfflineVerifier::from_key_set(&parsed).unwrap();
    restarted.restore_replay_state_json(&state).unwrap();
    assert_eq!(restarted.verify(&text, NOW), Err(Refusal::TokenReplayed));
    // Revoking through a fresh key set keeps the marks.
    let mut revoking = set.clone();
    revoking.revoked.push(5);
    restarted.load_key_set(&revoking).unwrap();
    assert_eq!(restarted.replay_state().len(), 1);
    let next = format::to_text(&present(&credential(1, 5), step_now() + 1));
    assert_eq!(
        restarted.verify(&next, NOW),
        Err(Refusal::CredentialRevoked)
    );
}

#[test]
fn bad_key_sets_are_refused_with_a_reason() {
    use super::keys::KeySet;
    let key = super::keys::to_hex(&issuer().verifying_key().to_bytes());
    let good = format!(
        r#"{{"keys":[{{"kid":1,"alg":"Ed25519","public_key":"{key}"}}],"revoked":[],"step_seconds":30}}"#
    );
    assert!(KeySet::from_json(&good).is_ok());
    for (bad, why) in [
        (good.replace("Ed25519", "ES256"), "alg"),
        (good.replace(&key, &key[..62]), "not 32 bytes"),
        (good.replace(&key, &"zz".repeat(32)), "not 32 bytes"),
        (
            good.replace("\"step_seconds\":30", "\"step_seconds\":60"),
            "step_seconds",
        ),
        (
            good.replace(r#""keys":[{"#, r#""keys":[],"x":[{"#),
            "unknown field",
        ),
        (
            r#"{"keys":[],"revoked":[],"step_seconds":30}"#.to_string(),
            "keys are needed",
        ),
        (
            good.replace(
                "}],",
                &format!(r#"}},{{"kid":1,"alg":"Ed25519","public_key":"{key}"}}],"#),
            ),
            "twice",
        ),
        ("[]".to_string(), "invalid length"),
    ] {
        let e = KeySet::from_json(&bad).unwrap_err();
        assert_eq!(e.code(), "invalid_keys");
        assert!(e.to_string().contains(why), "{bad}: {e}");
    }
    let mut v = verifier();
    assert!(
        v.restore_replay_state_json(r#"{"last_step":{"12x":3}}"#)
            .is_err()
    );
    assert!(v.restore_replay_state_json("{}").is_err());
}

/// A key of the right length that is no curve point parses as a key set
/// (a phone reads it) but no verifier loads it.
#[test]
fn a_key_that_is_no_curve_point_is_refused_by_the_verifier() {
    use super::keys::{KeySet, PublicKey, to_hex};
    let not_a_point = (0u8..=255)
        .map(|b| {
            let mut k = [0u8; 32];
            k[0] = b;
            k
        })
        .find(|k| ed25519_dalek::VerifyingKey::from_bytes(k).is_err())
        .expect("some y has no x on the curve");
    let set = KeySet {
        keys: vec![PublicKey {
            kid: 1,
            alg: "Ed25519".into(),
            public_key: to_hex(&not_a_point),
        }],
        revoked: vec![],
        step_seconds: 30,
    };
    assert!(KeySet::from_json(&set.to_json()).is_ok());
    let e = OfflineVerifier::from_key_set(&set).unwrap_err();
    assert!(e.to_string().contains("not an Ed25519 public key"), "{e}");
}

/// A credential as issued: its fields when the issuer signed it, it is not
/// revoked and valid now; each refusal otherwise.
#[test]
fn an_issued_credential_is_checked_without_a_presentation() {
    let mut v = verifier();
    let cred = credential(1, 5);
    assert_eq!(v.check_issued(&cred, NOW).unwrap().serial, 5);
    assert_eq!(
        v.check_issued(&credential(2, 5), NOW),
        Err(Refusal::UnknownKey)
    );
    let mut forged = cred;
    forged[9] ^= 1;
    assert_eq!(
        v.check_issued(&forged, NOW),
        Err(Refusal::BadIssuerSignature)
    );
    assert_eq!(
        v.check_issued(&cred, NOW - 7200),
        Err(Refusal::CredentialNotYetValid)
    );
    assert_eq!(
        v.check_issued(&cred, NOW + 24 * 3600),
        Err(Refusal::CredentialExpired)
    );
    v.revoke(5);
    assert_eq!(v.check_issued(&cred, NOW), Err(Refusal::CredentialRevoked));
}
