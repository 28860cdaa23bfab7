//! Phone-side helpers for the dev-server tests that drive a session (kept
//! out of `common`, which the bindings' tests include without the core).
#![allow(dead_code)]

use crate::common::Server;

/// A phone's session on folder `dir` against `url`: secrets in memory, the
/// system clock unless `clock` is given.
pub fn session_on(
    dir: &std::path::Path,
    url: &str,
    clock: Option<std::sync::Arc<dyn loyalty_core::kernel::time::Clock>>,
) -> loyalty_core::session::Session {
    use loyalty_core::session::{Session, SessionConfig};
    let defaults = SessionConfig::default();
    let config = SessionConfig {
        server_url: Some(url.to_string()),
        clock: clock.unwrap_or(defaults.clock.clone()),
        ..defaults
    };
    let store = loyalty_core::store::Store::open_dir(dir).unwrap();
    let secrets = std::sync::Arc::new(loyalty_core::card::MemorySecretStore::default());
    Session::new(store, secrets, config).unwrap()
}

/// A purchase of one item of sku `A` for `amount` (RUB), as the phone or a
/// scenario applies it.
pub fn purchase_event(receipt_id: &str, amount: &str) -> loyalty_core::wallet::model::Event {
    use loyalty_core::wallet::model::{Event, LineInput, PurchaseInput};
    Event::Purchase(PurchaseInput {
        receipt_id: receipt_id.into(),
        lines: vec![LineInput {
            sku: "A".into(),
            category: None,
            qty: 1,
            amount: amount.into(),
        }],
        coupon: None,
        pay_points: None,
    })
}

/// A till purchase of one item for `amount` with the code the session's
/// card shows now; the till must take it (201).
pub fn till_purchase(
    server: &Server,
    s: &loyalty_core::session::Session,
    receipt_id: &str,
    amount: &str,
) {
    let body = serde_json::json!({"payload": s.card_view().unwrap().frame.payload,
            "purchase": {"receipt_id": receipt_id, "lines": [{"sku": "A", "qty": 1, "amount": amount}]}});
    let (status, answer) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{answer}");
}
