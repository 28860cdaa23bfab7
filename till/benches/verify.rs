//! The till's offline check of a LOY2 code (Ed25519 + P-256), as a POS
//! vendor would run it: a verifier holding the program's key, a fresh code.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ed25519_dalek::Signer as _;
use loyalty_till::OfflineVerifier;
use loyalty_till::format::{self, Credential, Scope};

const NOW: i64 = 1_796_119_221;

fn code() -> (String, [u8; 32]) {
    let issuer = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let device =
        p256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).expect("a valid test scalar");
    let key = device.verifying_key().to_encoded_point(true);
    let fields = Credential {
        kid: 1,
        card: 2_000_000_000_015,
        not_before: (NOW - 60) as u32,
        lifetime_hours: 24,
        scope: Scope(Scope::IDENTIFY),
        serial: 1,
        device_key: key.as_bytes().try_into().expect("33 bytes"),
    }
    .fields();
    let credential: Vec<u8> = [
        fields.as_slice(),
        &issuer.sign(&format::issuer_message(&fields)).to_bytes(),
    ]
    .concat();
    let credential: [u8; format::CREDENTIAL_LEN] = credential.try_into().expect("118 bytes");
    let step = (NOW / format::STEP_SECONDS) as u32;
    let sig: p256::ecdsa::Signature = device.sign(&format::device_message(&credential, step));
    let text =
        format::to_text(&[credential.as_slice(), &step.to_be_bytes(), &sig.to_bytes()].concat());
    (text, issuer.verifying_key().to_bytes())
}

fn bench(c: &mut Criterion) {
    let (text, key) = code();
    c.bench_function("till/verify_offline", |b| {
        b.iter_batched(
            || {
                let mut v = OfflineVerifier::new();
                v.add_key(1, &key);
                v
            },
            |mut v| v.verify(&text, NOW).expect("accepted"),
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
