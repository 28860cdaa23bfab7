//! Card properties: any card number, secret and time give a payload that
//! verifies then, fails two periods later, and never verifies with a digit changed.

use chrono::DateTime;
use loyalty_core::card::{
    Algorithm, CardConfig, CardNumber, CardService, CheckDigit, Secret, TotpParams, Verifier,
    VerifyFailure,
};
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn payload_verifies_now_expires_later_and_resists_tampering(
        card in "[0-9]{8,19}",
        secret in prop::collection::vec(any::<u8>(), 16..64),
        unix in 0i64..4_000_000_000,
        alg in algorithm(),
        digits in 6u32..=8,
        period in prop_oneof![Just(30i64), Just(60), 1i64..300],
        flip in any::<prop::sample::Index>(),
    ) {
        let config = CardConfig { totp: TotpParams { algorithm: alg, digits, period }, ..CardConfig::default() };
        let service = CardService::new(config.clone(), &card, Secret::new(secret.clone()).unwrap(), 0).unwrap();
        let now = DateTime::from_timestamp(unix, 0).unwrap();
        let payload = service.payload(now).unwrap();
        let verifier: Verifier = service.verifier();
        let ok = verifier.verify(&payload, &secret, unix, 1).unwrap();
        prop_assert_eq!(ok.card.as_str(), card.as_str());
        prop_assert_eq!(ok.step, Some(unix / period));
        prop_assert_eq!(verifier.verify(&payload, &secret, unix + 2 * period, 1), Err(VerifyFailure::TokenExpired));

        // Change one digit anywhere in the card number or the token.
        let bytes = payload.as_bytes();
        let digit_positions: Vec<usize> = (0..bytes.len()).filter(|i| bytes[*i].is_ascii_digit() && *i >= 5).collect();
        let pos = digit_positions[flip.index(digit_positions.len())];
        let mut changed = payload.clone().into_bytes();
        changed[pos] = b'0' + (changed[pos] - b'0' + 1) % 10;
        let changed = String::from_utf8(changed).unwrap();
        let expected = CardNumber::parse(&card, CheckDigit::None).unwrap();
        prop_assert!(verifier.verify_card(&changed, &expected, &secret, unix, 1).is_err(), "{} verified", changed);
    }

    /// The digits-only template: any 13-digit card and time round-trip, and a
    /// changed digit anywhere after the prefix is refused.
    #[test]
    fn layout_safe_payload_round_trips_and_resists_tampering(
        card in "[0-9]{13}",
        secret in prop::collection::vec(any::<u8>(), 16..64),
        unix in 0i64..4_000_000_000,
        digits in 6u32..=8,
        flip in any::<prop::sample::Index>(),
    ) {
        let config = CardConfig {
            template: loyalty_core::card::Template::parse(loyalty_core::card::LAYOUT_SAFE_TEMPLATE).unwrap(),
            totp: TotpParams { digits, ..TotpParams::default() },
            ..CardConfig::default()
        };
        let service = CardService::new(config, &card, Secret::new(secret.clone()).unwrap(), 0).unwrap();
        let payload = service.payload(DateTime::from_timestamp(unix, 0).unwrap()).unwrap();
        prop_assert!(payload.bytes().all(|b| b.is_ascii_digit()));
        prop_assert_eq!(payload.len(), 2 + 13 + digits as usize);
        let verifier = service.verifier();
        let ok = verifier.verify(&payload, &secret, unix, 1).unwrap();
        prop_assert_eq!(ok.card.as_str(), card.as_str());
        let pos = 2 + flip.index(payload.len() - 2);
        let mut changed = payload.clone().into_bytes();
        changed[pos] = b'0' + (changed[pos] - b'0' + 1) % 10;
        let changed = String::from_utf8(changed).unwrap();
        prop_assert!(verifier.verify_card(&changed, service.number(), &secret, unix, 1).is_err(), "{} verified", changed);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic(text in ".{0,300}", secret_hex in "[0-9a-zA-Z]{0,80}", card in ".{0,25}") {
        let config = CardConfig::default();
        let verifier = Verifier::new(config.template.clone(), config.totp, CheckDigit::Luhn);
        let _ = verifier.verify(&text, b"0123456789abcdef", 1_700_000_000, 1);
        let _ = loyalty_core::card::secret_from_hex(&secret_hex);
        let _ = CardNumber::parse(&card, CheckDigit::Ean13);
        let _ = loyalty_core::card::Template::parse(&text);
        let _ = loyalty_core::card::LinearBarcode::code128(&text);
    }
}
