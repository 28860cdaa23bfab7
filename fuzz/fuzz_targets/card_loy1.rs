//! LOY1 card payloads as the till's verifier reads them (`Verifier::verify`
//! for five templates: TOTP, timestamp seconds and millis, fixed-width and
//! static). A payload is accepted only in its canonical form: the card the
//! verifier read, rendered again at the step it matched, is the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::card::TotpParams;
use loyalty_fuzz::{NOW, SECRET};

fuzz_target!(
    init: {
        loyalty_fuzz::write_seeds(loyalty_fuzz::loy1_seeds);
    },
    |data: &[u8]| {
    let Ok(payload) = std::str::from_utf8(data) else {
        return;
    };
    let params = TotpParams::default();
    for (template, verifier) in loyalty_fuzz::loy1_verifiers() {
        let card = verifier.card_of(payload);
        match verifier.verify(payload, SECRET, NOW, 1) {
            Ok(v) => {
                assert_eq!(card.as_ref(), Ok(&v.card));
                let step = v.step.unwrap_or(0);
                let again = template
                    .render(&v.card, &params, SECRET, step)
                    .expect("an accepted card renders");
                assert_eq!(again, payload, "accepted a payload that is not canonical");
            }
            Err(e) => assert!(!e.code().is_empty()),
        }
    }
});
