//! Card screen benchmarks: token, QR encode + matrix, SVG and PNG, each
//! uncached (a new time step every iteration) and cached (same step), plus
//! the `qrcode` encoder against `fast_qr` on the same payloads.
//!
//! The LOY2 group measures the phone's frame with the software device key.
//!
//! `cargo bench -p loyalty-core --bench card`

use std::hint::black_box;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration};
use criterion::{Criterion, criterion_group, criterion_main};
use std::sync::Arc;

use loyalty_core::card::{
    CardConfig, CardFormat, CardService, EcLevel, MemorySecretStore, QrMatrix, Secret,
};

const CARD: &str = "4006381333931";
const LONG_PAYLOAD: &str = "GW1:4006381333931:07081804:1111111080000:member=ABCDEFGH-1234";

fn service() -> CardService {
    let secret = Secret::new(b"12345678901234567890".to_vec()).unwrap();
    CardService::new(CardConfig::default(), CARD, secret, 0).unwrap()
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("card");
    g.sample_size(50)
        .measurement_time(StdDuration::from_secs(3));
    let t0 = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .to_utc();
    let card = service();
    let params = card.config().totp;
    let secret = b"12345678901234567890";

    let mut step = 0i64;
    g.bench_function("token_totp_sha1", |b| {
        b.iter(|| {
            step += 1;
            black_box(params.code_string(secret, step))
        })
    });

    // Uncached: every iteration lands in a new 30 s step.
    let mut n = 0i64;
    g.bench_function("view_matrix_uncached", |b| {
        b.iter(|| {
            n += 1;
            black_box(card.view(t0 + Duration::seconds(30 * n)).unwrap())
        })
    });
    g.bench_function("svg_uncached", |b| {
        b.iter(|| {
            n += 1;
            black_box(card.svg(t0 + Duration::seconds(30 * n)).unwrap())
        })
    });
    g.bench_function("png_uncached_scale8", |b| {
        b.iter(|| {
            n += 1;
            black_box(card.png(t0 + Duration::seconds(30 * n), 8).unwrap())
        })
    });

    // Cached: the same step.
    let fixed = t0 + Duration::seconds(30 * (n + 10));
    card.png(fixed, 8).unwrap();
    g.bench_function("view_cached", |b| {
        b.iter(|| black_box(card.view(fixed).unwrap()))
    });
    g.bench_function("svg_cached", |b| {
        b.iter(|| black_box(card.svg(fixed).unwrap()))
    });
    g.bench_function("png_cached", |b| {
        b.iter(|| black_box(card.png(fixed, 8).unwrap()))
    });

    // Encoders alone, at EC M.
    let short = card.payload(fixed).unwrap();
    for (name, payload) in [("27B", short.as_str()), ("62B", LONG_PAYLOAD)] {
        g.bench_function(format!("encode_qrcode_{name}"), |b| {
            b.iter(|| black_box(QrMatrix::encode(payload, EcLevel::M).unwrap()))
        });
        g.bench_function(format!("encode_fast_qr_{name}"), |b| {
            b.iter(|| {
                black_box(
                    fast_qr::qr::QRBuilder::new(payload.as_bytes().to_vec())
                        .ecl(fast_qr::ECL::M)
                        .build()
                        .unwrap(),
                )
            })
        });
    }
    g.finish();
}

/// A LOY2 card over the software device key, its credential signed by a
/// test issuer key valid for the whole run.
fn loy2_service(t0: DateTime<chrono::Utc>) -> CardService {
    use ed25519_dalek::Signer as _;
    use loyalty_core::card::loy2::{DeviceCredential, DeviceSigner};
    use loyalty_core::card::soft_key::SoftwareSigner;
    use loyalty_till::format::{CREDENTIAL_FIELDS_LEN, CREDENTIAL_LEN, Credential, Scope};
    let signer = Arc::new(SoftwareSigner::load_or_create(&MemorySecretStore::default()).unwrap());
    let fields = Credential {
        kid: 1,
        card: 4_006_381_333_931,
        not_before: (t0.timestamp() - 60) as u32,
        lifetime_hours: u16::MAX,
        scope: Scope(Scope::IDENTIFY | Scope::EARN),
        serial: 1,
        device_key: signer.public_key().unwrap(),
    }
    .fields();
    let issuer = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let mut credential = [0u8; CREDENTIAL_LEN];
    credential[..CREDENTIAL_FIELDS_LEN].copy_from_slice(&fields);
    credential[CREDENTIAL_FIELDS_LEN..].copy_from_slice(
        &issuer
            .sign(&loyalty_till::format::issuer_message(&fields))
            .to_bytes(),
    );
    let config = CardConfig {
        format: CardFormat::Loy2,
        ..CardConfig::default()
    };
    let secret = Secret::new(b"12345678901234567890".to_vec()).unwrap();
    CardService::new(config, CARD, secret, 0)
        .unwrap()
        .with_credential(Some(
            DeviceCredential::new(credential, false, signer).unwrap(),
        ))
}

/// The phone's LOY2 frame: uncached (a new step: one P-256 signature, the
/// digits text, a version-10 QR matrix) and cached (the same step).
fn loy2(c: &mut Criterion) {
    let mut g = c.benchmark_group("card_loy2");
    g.sample_size(50)
        .measurement_time(StdDuration::from_secs(3));
    let t0 = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .to_utc();
    let card = loy2_service(t0);
    assert!(card.view(t0).unwrap().frame.payload.starts_with("92"));
    let mut n = 0i64;
    g.bench_function("view_uncached_software_signer", |b| {
        b.iter(|| {
            n += 1;
            black_box(card.view(t0 + Duration::seconds(30 * n)).unwrap())
        })
    });
    let fixed = t0 + Duration::seconds(30 * (n + 10));
    card.view(fixed).unwrap();
    g.bench_function("view_cached", |b| {
        b.iter(|| black_box(card.view(fixed).unwrap()))
    });
    g.finish();
}

criterion_group!(card, benches, loy2);
criterion_main!(card);
