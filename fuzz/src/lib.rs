//! Shared fixtures of the fuzz targets: the fixed clock, card secret, keys
//! and verifiers, and the seed inputs each target writes when asked
//! (`scripts/fuzz.sh --seed`: the target runs with `LOYALTY_FUZZ_SEEDS` set
//! to a folder and writes there what the core makes — card payloads,
//! wallet files — beside the test fixtures the script copies).
//!
//! Panics are the point here: a fuzz target reports a broken property by
//! panicking, so `unwrap`/`expect` below state invariants of the fixtures.

use std::path::Path;
use std::sync::Arc;

use loyalty_core::card::loy2::{DeviceCredential, DeviceSigner};
use loyalty_core::card::soft_key::SoftwareSigner;
use loyalty_core::card::{
    CardConfig, CardFormat, CardNumber, CheckDigit, MemorySecretStore, Secret, Template,
    TotpParams, Verifier,
};
use loyalty_till::OfflineVerifier;
use loyalty_till::format::{CREDENTIAL_FIELDS_LEN, CREDENTIAL_LEN, Credential, Scope};

/// The fuzzers' "now": 2026-12-01T10:00:21Z (a fixed clock keeps a seed's
/// code valid for every run).
pub const NOW: i64 = 1_796_119_221;

/// The member's card secret (the RFC 6238 test secret).
pub const SECRET: &[u8] = b"12345678901234567890";

/// The member's card number.
pub const CARD: &str = "4006381333931";

/// The templates the LOY1 target verifies against, with their check digit.
pub const TEMPLATES: [(&str, CheckDigit); 5] = [
    ("LOY1:{card}:{totp_value_0}", CheckDigit::Ean13),
    (
        "LOY1:{card}:{totp_timestamp_seconds}:{totp_value_0}",
        CheckDigit::None,
    ),
    (
        "LOY1:{card}:{totp_timestamp_millis}:{totp_value_0}",
        CheckDigit::Luhn,
    ),
    ("97{card:13}{totp_value_0}", CheckDigit::Ean13),
    ("LOY1:{card}", CheckDigit::None),
];

/// The verifiers of [`TEMPLATES`] with default TOTP parameters.
pub fn loy1_verifiers() -> Vec<(Template, Verifier)> {
    TEMPLATES
        .iter()
        .map(|(t, check)| {
            // Invariant: the fixed templates above are valid.
            let template = Template::parse(t).expect("a fixed template parses");
            let verifier = Verifier::new(template.clone(), TotpParams::default(), *check);
            (template, verifier)
        })
        .collect()
}

/// The issuer's Ed25519 key (fixed, so seeds made once stay valid).
pub fn issuer() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

/// An offline till that trusts [`issuer`] as key 1.
pub fn till() -> OfflineVerifier {
    let mut v = OfflineVerifier::new();
    // Invariant: a fresh verifier takes its first key.
    assert!(v.add_key(1, &issuer().verifying_key().to_bytes()));
    v
}

/// Writes `seeds` into `$LOYALTY_FUZZ_SEEDS` when it is set (once per run).
pub fn write_seeds(make: impl FnOnce() -> Vec<(String, Vec<u8>)>) {
    let Some(dir) = std::env::var_os("LOYALTY_FUZZ_SEEDS") else {
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).expect("the seed folder can be made");
    for (name, bytes) in make() {
        std::fs::write(dir.join(name), bytes).expect("a seed can be written");
    }
}

/// LOY1 payloads the core renders for every template, at steps around [`NOW`].
pub fn loy1_seeds() -> Vec<(String, Vec<u8>)> {
    let params = TotpParams::default();
    let now = params.step(NOW).expect("NOW is after 1970");
    let mut out = Vec::new();
    for (i, (template, _)) in loy1_verifiers().into_iter().enumerate() {
        let check = TEMPLATES[i].1;
        let number = match check {
            CheckDigit::Luhn => "4111111111111111",
            _ => CARD,
        };
        let card = CardNumber::parse(number, check).expect("a fixed card number");
        for (j, step) in [now - 1, now, now + 1].into_iter().enumerate() {
            let text = template
                .render(&card, &params, SECRET, step)
                .expect("a fixed card renders");
            out.push((format!("core-{i}-{j}"), text.into_bytes()));
        }
    }
    out
}

/// LOY2 codes the core's card shows with a credential from [`issuer`].
pub fn loy2_seeds() -> Vec<(String, Vec<u8>)> {
    let signer = Arc::new(
        SoftwareSigner::load_or_create(&MemorySecretStore::default())
            .expect("a software key is made"),
    );
    let fields = Credential {
        kid: 1,
        card: 4_006_381_333_931,
        not_before: (NOW - 3600) as u32,
        lifetime_hours: 24 * 365,
        scope: Scope(Scope::IDENTIFY | Scope::EARN),
        serial: 3,
        device_key: signer.public_key().expect("the software key's public half"),
    }
    .fields();
    let mut cred = [0u8; CREDENTIAL_LEN];
    cred[..CREDENTIAL_FIELDS_LEN].copy_from_slice(&fields);
    use ed25519_dalek::Signer as _;
    cred[CREDENTIAL_FIELDS_LEN..].copy_from_slice(
        &issuer()
            .sign(&loyalty_till::format::issuer_message(&fields))
            .to_bytes(),
    );
    let config = CardConfig {
        format: CardFormat::Loy2,
        ..CardConfig::default()
    };
    let secret = Secret::new(SECRET.to_vec()).expect("a fixed secret");
    let card = loyalty_core::card::CardService::new(config, CARD, secret, 0)
        .expect("a fixed card")
        .with_credential(Some(
            DeviceCredential::new(cred, false, signer).expect("a fresh credential"),
        ));
    let mut out = Vec::new();
    for (j, t) in [NOW - 30, NOW, NOW + 30].into_iter().enumerate() {
        let at = chrono::DateTime::from_timestamp(t, 0).expect("a fixed time");
        let payload = card.payload(at).expect("the card shows a code");
        out.push((format!("core-loy2-{j}"), payload.into_bytes()));
    }
    // The credential alone: what a wallet pass shows (a static code).
    out.push((
        "core-credential".into(),
        loyalty_till::format::to_text(&cred).into_bytes(),
    ));
    out
}
