//! Inbox: purge, outbox, and a fuzz-style property test over random and
//! mutated payloads (never a panic, one stored message per id, no unsafe link).

use chrono::{DateTime, Duration};
use loyalty_core::inbox::{MessageState, PushOutcome};
use loyalty_core::store::Store;
use loyalty_core::wallet::Time;
use proptest::prelude::*;

fn t(s: &str) -> Time {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn store() -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.set_program(r#"{"currency":"RUB","earn":{"rule":{"percent":"10"}},"inbox":{"deep_link_scheme":"myshop"}}"#)
        .unwrap();
    s
}

#[test]
fn expired_messages_are_purged_thirty_days_later_and_stay_known() {
    let mut s = store();
    let p = r#"{"kind":"message","message_id":"old","title":"T","body":"B","expires_at":"2026-01-10T00:00:00Z"}"#;
    assert!(matches!(
        s.ingest_push(p, t("2026-01-01T00:00:00Z")).unwrap(),
        PushOutcome::New(_)
    ));
    assert_eq!(
        s.list_messages(t("2026-01-20T00:00:00Z"), true)
            .unwrap()
            .len(),
        1
    );
    let other = r#"{"kind":"message","message_id":"new","title":"T","body":"B"}"#;
    s.ingest_push(other, t("2026-02-09T00:00:00Z")).unwrap();
    assert_eq!(
        s.list_messages(t("2026-02-09T00:00:00Z"), true)
            .unwrap()
            .len(),
        1,
        "purged on the next write"
    );
    assert_eq!(
        s.ingest_push(p, t("2026-02-10T00:00:00Z")).unwrap(),
        PushOutcome::Duplicate
    );
}

/// What ingesting a new push returns is the message as stored: the same
/// value a later read gives, for every shape of push (times at the store's
/// millisecond precision).
#[test]
fn a_new_push_returns_the_message_as_stored() {
    let mut s = store();
    let at = t("2026-01-01T00:00:00.123456789Z");
    for p in [
        r#"{"kind":"message","message_id":"m","title":" T ","body":"B"}"#,
        r#"{"kind":"offer","message_id":"o1","title":"T","body":"B","coupon_percent":"12.5","coupon_valid_days":"7","coupon_category":"food","expires_at":"2026-03-01T10:00:00.987654Z","deep_link":"myshop://o1","image_url":"https://cdn.example/o1.png","priority":"5","pinned":"true"}"#,
        r#"{"kind":"offer","message_id":"o2","title":"T","body":"B","coupon_amount_off":"100.00","coupon_skus":"A, B","coupon_one_item":"true","coupon_min_spend":"500.00"}"#,
        r#"{"aps":{"alert":{"title":"Alert","body":"Body"}},"loyalty":{"kind":"message","message_id":"a","revision":"3"}}"#,
    ] {
        let PushOutcome::New(returned) = s.ingest_push(p, at).unwrap() else {
            panic!("{p}: not new");
        };
        let listed = s.list_messages(at, true).unwrap();
        let stored = listed
            .iter()
            .find(|m| m.content.id == returned.content.id)
            .unwrap();
        assert_eq!(&*returned, stored, "{p}");
        assert_eq!(returned.received_at, t("2026-01-01T00:00:00.123Z"));
    }
}

#[test]
fn state_changes_are_queued_once_for_sync() {
    let mut s = store();
    let p = r#"{"kind":"offer","message_id":"o","title":"T","body":"B","coupon_percent":"5","deep_link":"myshop://o"}"#;
    s.ingest_push(p, t("2026-01-01T00:00:00Z")).unwrap();
    let at = t("2026-01-02T00:00:00Z");
    s.mark_read("o", at).unwrap();
    s.mark_read("o", at).unwrap();
    s.activate_offer("o", at).unwrap();
    s.dismiss("o", at).unwrap();
    let actions: Vec<(String, String)> = s
        .outbox()
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.idempotency_key))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("read".to_string(), "inbox:read:o".to_string()),
            ("dismissed".to_string(), "inbox:dismissed:o".to_string()),
        ]
    );
    // The activation is a wallet action: it waits in the pending queue for the server.
    let pending: Vec<String> = s
        .pending_actions()
        .unwrap()
        .into_iter()
        .map(|p| p.idempotency_key)
        .collect();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].starts_with("inbox:activated:o:"), "{pending:?}");
    let m = s.message("o").unwrap().unwrap();
    assert_eq!(m.state, MessageState::Dismissed);
    // The activation is in the event log, so a rebuild reproduces the coupon.
    assert_eq!(s.events().unwrap().len(), 1);
    // The program's own scheme is the only app scheme accepted.
    let bad =
        r#"{"kind":"offer","message_id":"x","title":"T","body":"B","deep_link":"loyalty://x"}"#;
    assert_eq!(s.ingest_push(bad, at).unwrap_err().code(), "invalid_push");
}

fn payload() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        ".{0,40}".prop_map(serde_json::Value::String),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<bool>().prop_map(|b| serde_json::json!(b)),
        Just(serde_json::Value::Null),
        prop_oneof![
            Just("javascript:alert(1)"),
            Just("data:text/html,x"),
            Just("file:///etc/passwd"),
            Just("http://x.example"),
            Just("https://ok.example/a"),
            Just("myshop://deal"),
            Just("MYSHOP:x"),
            Just("https:"),
            Just("https://a b"),
            Just("2026-01-01T00:00:00Z"),
            Just("15"),
            Just("101"),
            Just("true"),
        ]
        .prop_map(|s| serde_json::Value::String(s.into())),
    ];
    let keys = prop::sample::select(vec![
        "kind",
        "message_id",
        "title",
        "body",
        "expires_at",
        "deep_link",
        "image_url",
        "coupon_percent",
        "coupon_amount_off",
        "coupon_valid_days",
        "priority",
        "pinned",
        "revision",
        "extra",
    ]);
    (
        prop::collection::vec((keys, value), 0..12),
        prop::sample::select(vec!["offer", "message", "other"]),
        0u8..6,
        any::<bool>(),
    )
        .prop_map(|(fields, kind, id, apns)| {
            let mut obj = serde_json::Map::new();
            obj.insert("kind".into(), kind.into());
            obj.insert("message_id".into(), format!("m{id}").into());
            obj.insert("title".into(), "Title".into());
            obj.insert("body".into(), "Body".into());
            for (k, v) in fields {
                obj.insert(k.to_string(), v);
            }
            let v = if apns {
                serde_json::json!({"aps": {"alert": {"title": "A", "body": "B"}}, "loyalty": obj})
            } else {
                serde_json::Value::Object(obj)
            };
            v.to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_and_mutated_payloads_are_safe(
        payloads in prop::collection::vec(payload(), 1..20),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut s = store();
        let mut at = t("2026-01-01T00:00:00Z");
        for (n, p) in payloads.iter().enumerate() {
            // Mutate some payloads byte-wise too: the parser must never panic.
            let mut bytes = p.clone().into_bytes();
            if n % 3 == 2 {
                for (i, b) in &cuts {
                    let i = i.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
                    if !bytes.is_empty() { bytes[i] = *b; }
                }
            }
            let text = String::from_utf8_lossy(&bytes).to_string();
            at += Duration::minutes(1);
            let _ = s.ingest_push(&text, at);
            let _ = s.activate_offer(&format!("m{}", n % 6), at);
        }
        let all = s.list_messages(at, true).unwrap();
        let mut ids: Vec<&str> = all.iter().map(|m| m.content.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        prop_assert_eq!(before, ids.len(), "one stored message per id");
        for m in &all {
            if let Some(link) = &m.content.deep_link {
                let l = link.to_ascii_lowercase();
                prop_assert!(l.starts_with("https://") || l.starts_with("myshop:"), "unsafe deep link {}", link);
            }
            if let Some(img) = &m.content.image_url {
                prop_assert!(img.to_ascii_lowercase().starts_with("https://"), "unsafe image {}", img);
            }
            prop_assert!(m.content.title.chars().count() <= 120 && !m.content.title.chars().any(char::is_control));
        }
    }
}
