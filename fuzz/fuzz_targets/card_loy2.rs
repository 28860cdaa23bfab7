//! LOY2 card codes as an offline till reads them (`OfflineVerifier::verify`):
//! digits are accepted only in their canonical form (the bytes they decode
//! to render to the same text), an accepted code is refused the second time
//! (replay), and the till's key-set JSON round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_fuzz::NOW;
use loyalty_till::Refusal;
use loyalty_till::format::{from_text, to_text};

fuzz_target!(
    init: {
        loyalty_fuzz::write_seeds(loyalty_fuzz::loy2_seeds);
    },
    |data: &[u8]| {
    let Ok(payload) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(bytes) = from_text(payload) {
        assert_eq!(to_text(&bytes), payload, "decoded a non-canonical code");
    }
    let mut till = loyalty_fuzz::till();
    match till.verify(payload, NOW) {
        Ok(accepted) => {
            let bytes = from_text(payload).expect("an accepted code decodes");
            assert_eq!(to_text(&bytes), payload);
            if !accepted.static_pass {
                assert_eq!(till.verify(payload, NOW), Err(Refusal::TokenReplayed));
            }
        }
        Err(e) => assert!(!e.code().is_empty()),
    }
    if payload.starts_with('{')
        && let Ok(set) = loyalty_till::keys::KeySet::from_json(payload)
    {
        let text = set.to_json();
        let again = loyalty_till::keys::KeySet::from_json(&text).expect("a printed key set reads");
        assert_eq!(again.to_json(), text);
    }
});
