//! The bindings' records carry issue 16's rules: the next purchase's
//! discount and its source, tier perks, and a coupon's scope, read through
//! the public API as an app reads them.

use loyalty_ffi::{
    Cart, CartLine, ClientConfig, LoyaltyClient, MemorySecretStore, PushOutcome, RewardInfo,
};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "member_discount": {"first_purchase_percent": "15", "percent": "10"},
  "challenges": [{"id": "cloth", "title": "Buy clothing", "goal": {"metric": "purchases", "category": "clothing", "target": 1},
                  "reward": {"coupon": {"percent": "15", "valid_days": 30, "applies_to": {"category": "clothing"}, "min_spend": "1000.00"}}}],
  "tiers": {"levels": [{"id": "silver", "threshold": "0", "perks": ["Free delivery over 3000 ₽"]},
                       {"id": "gold", "threshold": "30000", "perks": ["Free delivery", "A personal consultant"]}]}}"#;

fn cart(coupon: Option<&str>, lines: &[(&str, Option<&str>, i64, i64)]) -> Cart {
    Cart {
        lines: lines
            .iter()
            .map(|(sku, category, qty, amount)| CartLine {
                sku: (*sku).into(),
                category: category.map(str::to_string),
                qty: *qty,
                amount_minor: *amount,
            })
            .collect(),
        coupon_id: coupon.map(str::to_string),
        pay_points: None,
    }
}

#[test]
fn snapshot_preview_and_coupons_say_what_applies() {
    let dir = tempfile::tempdir().unwrap();
    let c = LoyaltyClient::new(ClientConfig {
        data_dir: dir.path().display().to_string(),
        server_url: None,
        program_json: Some(PROGRAM.into()),
        deep_link_scheme: None,
        secret_store: MemorySecretStore::new(),
        token_provider: None,
        log_sink: None,
        log_level: None,
        clock: None,
        device_signer: None,
    })
    .unwrap();
    let challenges = c.challenges().unwrap();
    assert!(
        matches!(
            &challenges[0].reward_info,
            Some(RewardInfo::Coupon { category: Some(cat), one_item: false, min_spend_minor: Some(100_000), .. }) if cat == "clothing"
        ),
        "{:?}",
        challenges[0].reward_info
    );
    assert_eq!(
        challenges[0].reward.as_deref(),
        Some("15% off coupon (clothing, from 1000.00 RUB), 30 days")
    );
    let s = c.wallet_snapshot(30, 10).unwrap();
    assert_eq!(s.tier_perks, ["Free delivery over 3000 ₽"]);
    assert_eq!(
        s.next_tier_perks,
        ["Free delivery", "A personal consultant"]
    );
    assert_eq!(s.next_discount_percent_hundredths, Some(1500));
    assert_eq!(s.next_discount_source.as_deref(), Some("first_purchase"));
    let p = c
        .preview_purchase(cart(None, &[("A", None, 1, 100_000)]))
        .unwrap();
    assert_eq!(
        (
            p.discount_percent_hundredths,
            p.discount_source.as_deref(),
            p.tier_discount_minor
        ),
        (1500, Some("first_purchase"), 15_000)
    );

    let push = r#"{"kind":"offer","message_id":"o-1","title":"15% off clothing","body":"b",
        "coupon_percent":"15","coupon_category":"clothing","coupon_min_spend":"1000.00"}"#;
    assert!(matches!(
        c.ingest_push(push.into()).unwrap(),
        PushOutcome::New { .. }
    ));
    c.activate_offer("o-1".into()).unwrap();
    let s = c.wallet_snapshot(30, 10).unwrap();
    let coupon = s.coupons.iter().find(|k| k.id == "offer:o-1").unwrap();
    assert_eq!(
        (
            coupon.percent_hundredths,
            coupon.category.as_deref(),
            coupon.one_item,
            coupon.min_spend_minor
        ),
        (Some(1500), Some("clothing"), false, Some(100_000))
    );
    assert!(coupon.skus.is_empty());
    // Below the minimum, or without clothing: refused, naming the code.
    let refused = c
        .preview_purchase(cart(
            Some("offer:o-1"),
            &[("SKIRT", Some("clothing"), 1, 99_999)],
        ))
        .unwrap_err();
    assert_eq!(refused.code(), "coupon_not_applicable");
    let ok = c
        .preview_purchase(cart(
            Some("offer:o-1"),
            &[
                ("SKIRT", Some("clothing"), 1, 80_000),
                ("BREAD", Some("food"), 1, 40_000),
            ],
        ))
        .unwrap();
    // d = 15 % (first purchase): S' = 800 - 120 = 680, D2 = 15 % of it.
    assert_eq!(ok.coupon_discount_minor, 10_200);
}
