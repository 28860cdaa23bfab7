//! Till request bodies as the dev server reads them (`POST /v1/pos/purchases`
//! and `/v1/pos/returns`). The purchase is stored as its re-serialised JSON
//! (a retry with the same receipt is compared with it), so an accepted body
//! must read back to the same purchase; the scanned payload then goes to
//! the card verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::wallet::{PurchaseInput, ReturnInput};

/// Bodies with the core's own card payloads and receipts like the scenarios'.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let payload = |i: usize| {
        String::from_utf8(loyalty_fuzz::loy1_seeds().remove(i).1).expect("a payload is text")
    };
    let purchase = serde_json::json!({"payload": payload(1), "purchase": {"receipt_id": "r1",
        "lines": [{"sku": "A", "category": "sport", "qty": 1, "amount": "1500.00"},
                  {"sku": "B", "qty": 3, "amount": "0.10"}],
        "coupon": "c-1", "pay_points": 100}});
    let plain = serde_json::json!({"payload": payload(4), "purchase": {"receipt_id": "r2",
        "lines": [{"sku": "A", "qty": 1, "amount": "1.00"}]}});
    let ret = serde_json::json!({"payload": payload(10), "return": {"receipt_id": "r1",
        "lines": [{"sku": "A", "qty": 1}]}});
    vec![
        ("core-purchase".into(), purchase.to_string().into_bytes()),
        ("core-purchase-plain".into(), plain.to_string().into_bytes()),
        ("core-return".into(), ret.to_string().into_bytes()),
    ]
}

fuzz_target!(
    init: {
        loyalty_fuzz::write_seeds(seeds);
    },
    |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let verifiers = loyalty_fuzz::loy1_verifiers();
    if let Ok((payload, purchase)) = loyalty_devserver::fuzz::pos_purchase(text) {
        let stored = serde_json::to_string(&purchase).expect("a purchase prints");
        let back: PurchaseInput = serde_json::from_str(&stored).expect("a stored purchase reads");
        assert_eq!(purchase, back, "the stored purchase differs from the request");
        for (_, v) in &verifiers {
            let _ = v.card_of(&payload);
        }
    }
    if let Ok((payload, ret)) = loyalty_devserver::fuzz::pos_return(text) {
        let stored = serde_json::to_string(&ret).expect("a return prints");
        let back: ReturnInput = serde_json::from_str(&stored).expect("a stored return reads");
        assert_eq!(ret, back);
        let _ = loyalty_till::format::from_text(&payload);
    }
});
