//! Sync answers as the client reads them (`read_capped` then
//! `SyncPage::parse`): an accepted page survives its own serialisation,
//! and its messages and rules go through their parsers without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::sync::wire::SyncPage;

/// Pages as the dev server would answer: events, a message, new rules, a
/// digest and a leaderboard standing.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let rules: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/programs/sync-program.json"))
            .expect("the sync fixture program is JSON");
    let purchase = serde_json::json!({"purchase": {"receipt_id": "r1", "lines": [
        {"sku": "A", "category": "sport", "qty": 2, "amount": "1500.00"},
        {"sku": "B", "qty": 1, "amount": "0.99"}], "pay_points": 10}});
    let page = serde_json::json!({
        "events": [
            {"seq": 1, "at": "2026-06-01T10:00:00Z", "event": purchase, "idempotency_key": null},
            {"seq": 2, "at": "2026-06-01T10:05:00.123Z", "event": {"return": {"receipt_id": "r1",
                "lines": [{"sku": "A", "qty": 1}]}}, "idempotency_key": "k-2", "program_version": "v1"},
            {"seq": 3, "at": "2026-06-02T00:00:00Z", "event": {"redeem_reward":
                {"reward_id": "coffee", "coupon_id": "c-1"}}, "idempotency_key": "k-3"}
        ],
        "messages": [{"kind": "offer", "message_id": "m-1", "title": "Offer", "body": "Body",
            "coupon_percent": "15", "coupon_valid_days": 7, "priority": 2.5, "pinned": true}],
        "program": {"version": "v1", "rules": rules},
        "server_time": "2026-06-02T00:00:01Z",
        "digest": {"at": "2026-06-02T00:00:01Z", "balance": 140, "lifetime_earned": 150,
            "expired_total": 0, "tier": null, "qualifying_spend": "1500.99",
            "coupons": ["c-1"], "challenges": {"ch": {"progress": 1, "completions": 0}},
            "badges": {"b": 1}},
        "next_cursor": "3",
        "has_more": false,
        "leaderboards": [{"id": "spend", "period_start": "2026-06-01T00:00:00Z",
            "computed_at": "2026-06-02T00:00:00Z", "participants": 2,
            "top": [{"rank": 1, "name": "Ann", "value": 150099}],
            "me": {"rank": 2, "value": 10, "to_pass_next": 150090}}]
    });
    let empty = serde_json::json!({"events": [], "messages": [], "program": null,
        "server_time": "2026-06-02T00:00:01Z", "next_cursor": "", "has_more": true});
    vec![
        ("core-page".into(), page.to_string().into_bytes()),
        ("core-page-empty".into(), empty.to_string().into_bytes()),
    ]
}

fuzz_target!(
    init: {
        loyalty_fuzz::write_seeds(seeds);
    },
    |data: &[u8]| {
    if let Err(e) = loyalty_core::kernel::json::check_unique_keys_in(data)
        && e.is_data()
    {
        return;
    }
    let value = serde_json::from_slice(data).unwrap_or(serde_json::Value::Null);
    let Ok(page) = SyncPage::parse(value) else {
        return;
    };
    let printed = serde_json::to_string(&page).expect("a page prints");
    let back: serde_json::Value = serde_json::from_str(&printed).expect("printed JSON parses");
    let again = SyncPage::parse(back).expect("a printed page parses");
    assert_eq!(page, again, "a sync page changed through its own JSON");
    for m in &page.messages {
        let _ = loyalty_core::inbox::push::parse_push(&m.to_string(), "loyalty");
    }
    if let Some(update) = &page.program {
        let _ = loyalty_core::program::Program::from_value(&update.rules);
    }
    if let Some(d) = &page.digest {
        let v = d.to_value();
        assert_eq!(
            loyalty_core::sync::wire::Digest::from_value(v).expect("a digest reads back"),
            *d
        );
    }
});
