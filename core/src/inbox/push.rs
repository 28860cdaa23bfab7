//! Push payloads (FCM data messages and APNs) parsed safely into messages.
//!
//! A push can arrive twice, late, after its offer expired, or never (sync
//! brings it then). Parsing checks the size first, then `kind`, then the
//! fields; links are allowed only with the app's own scheme or https.

use chrono::DateTime;
use serde_json::{Map, Value};

use super::model::{
    IncomingMessage, MAX_BODY_CHARS, MAX_PAYLOAD_BYTES, MAX_TITLE_CHARS, MessageKind, OfferCoupon,
};
use crate::kernel::coupon::{CouponBenefit, CouponScope};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::{NoticeId, id_problem};
use crate::kernel::money::parse_hundredths;

fn invalid(field: &str, reason: impl Into<String>) -> LoyaltyError {
    LoyaltyError::InvalidPush {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// A field given as a JSON string or a typed value, as text.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Checks a link: the app's own scheme (deep links) or https, nothing else.
pub fn safe_link(field: &str, link: &str, app_scheme: Option<&str>) -> Result<String> {
    if link.len() > 2048 || link.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid(
            field,
            "must be a single URL without spaces, at most 2048 bytes",
        ));
    }
    let (scheme, rest) = link
        .split_once(':')
        .ok_or_else(|| invalid(field, "is not a URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    let allowed = scheme == "https" && rest.starts_with("//") && rest.len() > 2
        || app_scheme.is_some_and(|a| scheme == a.to_ascii_lowercase() && !rest.is_empty());
    if !allowed {
        let what = match app_scheme {
            Some(a) => format!("only {a}: and https: links are allowed, not {scheme}:"),
            None => format!("only https: links are allowed, not {scheme}:"),
        };
        return Err(invalid(field, what));
    }
    if scheme == "https" {
        // The authority: up to the first '/', '?' or '#' after "//".
        let authority = rest[2..].split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(invalid(
                field,
                "must not carry a user name or password (user:pw@host)",
            ));
        }
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        if host.is_empty() {
            return Err(invalid(field, "has no host (https://host/...)"));
        }
    }
    Ok(link.to_string())
}

struct Fields<'a> {
    main: &'a Map<String, Value>,
    alert: Option<&'a Map<String, Value>>,
}

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.main
            .get(key)
            .filter(|v| !v.is_null())
            .or_else(|| match key {
                "title" | "body" => self.alert.and_then(|a| a.get(key)).filter(|v| !v.is_null()),
                _ => None,
            })
    }

    fn text(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => text_of(v)
                .map(Some)
                .ok_or_else(|| invalid(key, "must be a string, number or boolean")),
        }
    }

    fn int(&self, key: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>> {
        let Some(t) = self.text(key)? else {
            return Ok(None);
        };
        let v: i64 = t.trim().parse().map_err(|_| {
            invalid(
                key,
                format!(
                    "\"{}\" is not a whole number",
                    t.chars().take(20).collect::<String>()
                ),
            )
        })?;
        if !range.contains(&v) {
            return Err(invalid(
                key,
                format!("{v} is outside {}..={}", range.start(), range.end()),
            ));
        }
        Ok(Some(v))
    }
}

/// Parses a push payload (FCM data message or APNs) received at `received_at`.
/// Returns `None` for kinds the core does not handle.
pub fn parse_push(payload: &str, app_scheme: &str) -> Result<Option<IncomingMessage>> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(invalid(
            "payload",
            format!(
                "{} bytes is over the {MAX_PAYLOAD_BYTES}-byte limit",
                payload.len()
            ),
        ));
    }
    let root = crate::kernel::json::parse_unique(payload).map_err(|e| {
        let what = if e.is_data() {
            "not accepted JSON"
        } else {
            "not JSON"
        };
        invalid("payload", format!("{what}: {e}"))
    })?;
    let root = root
        .as_object()
        .ok_or_else(|| invalid("payload", "must be a JSON object"))?;
    let fields = match (root.get("aps"), root.get("loyalty")) {
        (Some(aps), loyalty) => Fields {
            main: loyalty
                .and_then(Value::as_object)
                .ok_or_else(|| invalid("loyalty", "an APNs payload needs a \"loyalty\" object"))?,
            alert: aps.get("alert").and_then(Value::as_object),
        },
        _ => Fields {
            main: root,
            alert: None,
        },
    };
    let kind_text = fields
        .text("kind")?
        .ok_or_else(|| invalid("kind", "is missing"))?;
    let Some(kind) = MessageKind::parse(&kind_text) else {
        return Ok(None);
    };
    let id = fields
        .text("message_id")?
        .ok_or_else(|| invalid("message_id", "is missing"))?;
    if let Some(reason) = id_problem(&id) {
        return Err(invalid("message_id", reason));
    }
    if NoticeId::is_reserved(&id) {
        return Err(invalid(
            "message_id",
            format!(
                "the prefixes {} are reserved for messages the core writes",
                NoticeId::RESERVED_PREFIXES.join(", ")
            ),
        ));
    }
    let title = crate::kernel::ids::clean_display_text(
        &fields
            .text("title")?
            .ok_or_else(|| invalid("title", "is missing"))?,
    );
    let body = crate::kernel::ids::clean_display_text(
        &fields
            .text("body")?
            .ok_or_else(|| invalid("body", "is missing"))?,
    );
    if title.trim().is_empty() {
        return Err(invalid("title", "is empty"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid(
            "title",
            format!("is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(invalid(
            "body",
            format!("is longer than {MAX_BODY_CHARS} characters"),
        ));
    }
    let expires_at = match fields.text("expires_at")? {
        None => None,
        Some(t) => Some(
            DateTime::parse_from_rfc3339(&t)
                .map_err(|_| invalid("expires_at", "is not an RFC 3339 time"))?
                .to_utc(),
        ),
    };
    let deep_link = fields
        .text("deep_link")?
        .map(|l| safe_link("deep_link", &l, Some(app_scheme)))
        .transpose()?;
    let image_url = fields
        .text("image_url")?
        .map(|l| safe_link("image_url", &l, None))
        .transpose()?;
    let percent = fields.text("coupon_percent")?;
    let amount = fields.text("coupon_amount_off")?;
    let valid_days = fields.int("coupon_valid_days", 1..=3650)?;
    let benefit = match (percent, amount) {
        (None, None) => None,
        (Some(p), None) => {
            let v = parse_hundredths(&p).map_err(|r| invalid("coupon_percent", r))?;
            if v == 0 || v > crate::kernel::money::PERCENT_SCALE {
                return Err(invalid("coupon_percent", "must be above 0 and at most 100"));
            }
            Some(CouponBenefit::Percent(v))
        }
        (None, Some(a)) => {
            let v = parse_hundredths(&a).map_err(|r| invalid("coupon_amount_off", r))?;
            if v == 0 {
                return Err(invalid("coupon_amount_off", "must be above 0"));
            }
            Some(CouponBenefit::AmountOff(v))
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                "coupon_percent",
                "give coupon_percent or coupon_amount_off, not both",
            ));
        }
    };
    let scope = offer_scope(&fields)?;
    let coupon = match (kind, benefit) {
        (MessageKind::Offer, Some(benefit)) => Some(OfferCoupon {
            benefit,
            scope,
            valid_days,
        }),
        _ => None,
    };
    let pinned = match fields.text("pinned")?.as_deref() {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(invalid("pinned", "must be true or false")),
    };
    Ok(Some(IncomingMessage {
        id,
        kind,
        title,
        body,
        expires_at,
        deep_link,
        image_url,
        coupon,
        priority: fields.int("priority", -1000..=1000)?.unwrap_or(0),
        pinned,
        revision: fields
            .int("revision", 0..=i64::from(u32::MAX))?
            .unwrap_or(0),
    }))
}

/// An offer coupon's scope from its flat fields: `coupon_category`,
/// `coupon_skus` (comma-separated, spaces around each trimmed),
/// `coupon_one_item` (`"true"` or `"false"`) and `coupon_min_spend` (a decimal).
fn offer_scope(fields: &Fields<'_>) -> Result<CouponScope> {
    let category = fields.text("coupon_category")?;
    let skus: Vec<String> = match fields.text("coupon_skus")? {
        None => Vec::new(),
        Some(list) => {
            let skus: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
            if skus.iter().any(String::is_empty) {
                return Err(invalid(
                    "coupon_skus",
                    "must be skus separated by commas, with none empty (\"A-1,B-2\")",
                ));
            }
            skus
        }
    };
    let one_item = match fields.text("coupon_one_item")?.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid("coupon_one_item", "must be true or false")),
    };
    let min_spend = match fields.text("coupon_min_spend")? {
        None => None,
        Some(m) => {
            let v = parse_hundredths(&m).map_err(|r| invalid("coupon_min_spend", r))?;
            if v == 0 {
                return Err(invalid("coupon_min_spend", "must be above 0"));
            }
            Some(v)
        }
    };
    let scope = CouponScope {
        category,
        skus,
        one_item,
        min_spend,
    };
    if let Some(reason) = scope.problem() {
        let field = if reason.contains("not both") {
            "coupon_category"
        } else if reason.contains("skus") {
            "coupon_skus"
        } else if reason.starts_with("min_spend") {
            "coupon_min_spend"
        } else {
            "coupon_category"
        };
        return Err(invalid(field, reason));
    }
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(p: &str) -> Result<Option<IncomingMessage>> {
        parse_push(p, "loyalty")
    }

    /// A number where text is expected is read as the number's text, and
    /// that text is the same whether the offer came as a push or on a sync
    /// page (which parses the answer into a `Value` and prints each message
    /// again): serde_json's `float_roundtrip` parses floats exactly; without
    /// it this title read "…825e-75" on one path and drifted on the other.
    /// (A fuzzing finding; the `push` target compares the two paths.)
    #[test]
    fn a_float_reads_the_same_from_a_push_and_from_a_sync_page() {
        let push = r#"{"kind": "message", "message_id": "m1", "title": 1.0715660391465826e-75, "body": -1.81996730402717e-179}"#;
        let pushed = parse(push).unwrap().unwrap();
        assert_eq!(pushed.title, "1.0715660391465826e-75");
        assert_eq!(pushed.body, "-1.81996730402717e-179");
        let page: Value = serde_json::from_slice(format!("[{push}]").as_bytes()).unwrap();
        let synced = parse(&page[0].to_string()).unwrap().unwrap();
        assert_eq!(synced, pushed);
    }

    /// A push whose meaning depends on which copy of a key a parser keeps
    /// (two titles, two coupon percents) is refused, in both shapes.
    /// An id that looks like another (a zero-width space, a right-to-left
    /// override) is refused; a title loses what could disguise it and keeps
    /// what writing needs (emoji joiners, Arabic marks).
    #[test]
    fn hidden_characters_in_ids_are_refused_and_stripped_from_titles() {
        for id in ["m\u{200B}-1", "m-\u{202E}1", "\u{FEFF}m-1", "m\u{2066}-1"] {
            let p = format!(r#"{{"kind":"message","message_id":"{id}","title":"T","body":"B"}}"#);
            let e = parse(&p).unwrap_err();
            assert!(
                e.to_string().contains("invisible or text-direction"),
                "{id:?}: {e}"
            );
        }
        let m = parse(
            "{\"kind\":\"message\",\"message_id\":\"m-1\",\"title\":\"Sale \u{202E}%05\u{202C} \u{200B}now \u{1F468}\u{200D}\u{1F469}\",\"body\":\"\u{0633}\u{200F}\u{2067}x\u{2069}\"}",
        )
        .unwrap()
        .unwrap();
        assert_eq!(m.title, "Sale %05 now \u{1F468}\u{200D}\u{1F469}");
        assert_eq!(m.body, "\u{0633}\u{200F}x");
        // Only hidden characters left: the title is empty, and refused.
        let e = parse("{\"kind\":\"message\",\"message_id\":\"m-2\",\"title\":\"\u{200B}\u{202E}\",\"body\":\"B\"}")
            .unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn offer_coupon_scope_comes_from_flat_fields() {
        let m = parse(
            r#"{"kind":"offer","message_id":"o-1","title":"T","body":"B","coupon_percent":"15",
                "coupon_category":"clothing","coupon_min_spend":"1000.00"}"#,
        )
        .unwrap()
        .unwrap();
        let scope = m.coupon.unwrap().scope;
        assert_eq!(scope.category.as_deref(), Some("clothing"));
        assert_eq!(scope.min_spend, Some(100_000));
        let apns = parse(
            r#"{"aps":{"alert":{"title":"T","body":"B"}},"loyalty":{"kind":"offer","message_id":"o-2",
                "coupon_percent":20,"coupon_one_item":true,"coupon_skus":"A-1, B-2"}}"#,
        )
        .unwrap()
        .unwrap();
        let scope = apns.coupon.unwrap().scope;
        assert!(scope.one_item);
        assert_eq!(scope.skus, ["A-1", "B-2"]);
        let base = |extra: &str| {
            format!(
                r#"{{"kind":"offer","message_id":"m","title":"T","body":"B","coupon_percent":"5"{extra}}}"#
            )
        };
        for (extra, field) in [
            (r#","coupon_one_item":"yes""#, "coupon_one_item"),
            (r#","coupon_min_spend":"0""#, "coupon_min_spend"),
            (r#","coupon_min_spend":"ten""#, "coupon_min_spend"),
            (r#","coupon_skus":"A,,B""#, "coupon_skus"),
            (r#","coupon_skus":"A,A""#, "coupon_skus"),
            (
                r#","coupon_category":"x","coupon_skus":"A""#,
                "coupon_category",
            ),
            (r#","coupon_category":"\u200bx""#, "coupon_category"),
        ] {
            let e = parse(&base(extra)).unwrap_err();
            assert_eq!(e.code(), "invalid_push", "{extra}");
            assert!(e.to_string().contains(field), "{extra}: {e}");
        }
    }

    #[test]
    fn a_repeated_key_refuses_the_push() {
        for p in [
            r#"{"kind":"offer","message_id":"m-1","title":"T","body":"B","coupon_percent":"5","coupon_percent":"95"}"#,
            r#"{"aps":{"alert":{"title":"T","title":"U","body":"B"}},"loyalty":{"kind":"message","message_id":"m-2"}}"#,
        ] {
            let e = parse(p).unwrap_err();
            assert_eq!(e.code(), "invalid_push", "{e}");
            assert!(e.to_string().contains("appears twice"), "{e}");
        }
    }

    #[test]
    fn a_payload_that_is_not_json_is_refused_and_says_so() {
        for p in [
            r#"{"kind":"offer""#,
            "",
            "not json",
            r#"{"kind":"message"} {}"#,
        ] {
            let e = parse(p).unwrap_err();
            assert_eq!(e.code(), "invalid_push", "{p}: {e}");
            assert!(e.to_string().contains("not JSON"), "{p}: {e}");
        }
    }

    #[test]
    fn fcm_and_apns_shapes_parse_alike() {
        let fcm = parse(
            r#"{"kind":"offer","message_id":"m-1","title":"T","body":"B","expires_at":"2026-12-01T00:00:00Z",
                "deep_link":"loyalty://offers/m-1","image_url":"https://cdn.example/i.png","coupon_percent":"15",
                "coupon_valid_days":"7","priority":"5","pinned":"false"}"#,
        )
        .unwrap()
        .unwrap();
        let apns = parse(
            r#"{"aps":{"alert":{"title":"T","body":"B"},"badge":3},"loyalty":{"kind":"offer","message_id":"m-1",
                "expires_at":"2026-12-01T00:00:00Z","deep_link":"loyalty://offers/m-1","image_url":"https://cdn.example/i.png",
                "coupon_percent":15,"coupon_valid_days":7,"priority":5,"pinned":false,"extra":"ignored"}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(fcm, apns);
        assert_eq!(fcm.coupon.unwrap().benefit, CouponBenefit::Percent(1500));
        assert_eq!(fcm.priority, 5);
    }

    #[test]
    fn unsafe_and_invalid_input_is_refused_naming_the_field() {
        let base = |extra: &str| {
            format!(r#"{{"kind":"offer","message_id":"m","title":"T","body":"B"{extra}}}"#)
        };
        for (extra, field) in [
            (r#","deep_link":"javascript:alert(1)""#, "deep_link"),
            (r#","deep_link":"data:text/html,x""#, "deep_link"),
            (r#","deep_link":"file:///etc/passwd""#, "deep_link"),
            (r#","deep_link":"http://evil.example""#, "deep_link"),
            (r#","image_url":"loyalty://x""#, "image_url"),
            (r#","image_url":"https://a b""#, "image_url"),
            // Credentials in a link, or no host at all.
            (
                r#","deep_link":"https://user:pw@shop.example/x""#,
                "deep_link",
            ),
            (
                r#","image_url":"https://cdn.example@evil.example/i.png""#,
                "image_url",
            ),
            (r#","deep_link":"https:///x""#, "deep_link"),
            (r#","deep_link":"https://:443/x""#, "deep_link"),
            (r#","priority":"high""#, "priority"),
            (r#","pinned":"yes""#, "pinned"),
            (r#","coupon_percent":"101""#, "coupon_percent"),
            (
                r#","coupon_percent":"5","coupon_amount_off":"5""#,
                "coupon_percent",
            ),
            (r#","expires_at":"tomorrow""#, "expires_at"),
        ] {
            let e = parse(&base(extra)).unwrap_err();
            assert_eq!(e.code(), "invalid_push");
            assert!(e.to_string().contains(field), "{extra}: {e}");
        }
        for ok in [
            "https://shop.example/offer?id=1#top",
            "https://shop.example:8443/a@b",
            "loyalty://offer/1",
        ] {
            assert!(safe_link("deep_link", ok, Some("loyalty")).is_ok(), "{ok}");
        }
        assert!(
            parse(r#"{"message_id":"m","title":"T","body":"B"}"#)
                .unwrap_err()
                .to_string()
                .contains("kind")
        );
        assert!(
            parse(r#"{"kind":"offer","title":"T","body":"B"}"#)
                .unwrap_err()
                .to_string()
                .contains("message_id")
        );
        assert!(
            parse(&format!(
                r#"{{"kind":"offer","message_id":"m","title":"{}","body":"B"}}"#,
                "é".repeat(121)
            ))
            .is_err()
        );
        assert!(
            parse(&format!(r#"{{"kind":"x","pad":"{}"}}"#, "a".repeat(4100)))
                .unwrap_err()
                .to_string()
                .contains("4096")
        );
        assert_eq!(parse(r#"{"kind":"survey"}"#).unwrap(), None);
        for reserved in [
            "badge:first:1",
            "challenge:x:1",
            "tier:gold",
            "expiring:7",
            "rejected:dev:redeem:a",
        ] {
            let p =
                format!(r#"{{"kind":"message","message_id":"{reserved}","title":"T","body":"B"}}"#);
            assert!(
                parse(&p).unwrap_err().to_string().contains("reserved"),
                "{reserved}"
            );
        }
        let m = parse("{\"kind\":\"message\",\"message_id\":\"m\",\"title\":\"Hi\\u0007!\",\"body\":\"a\\u0000b\"}").unwrap().unwrap();
        assert_eq!((m.title.as_str(), m.body.as_str()), ("Hi!", "ab"));
        assert!(parse("not json").is_err());
        assert!(parse("[]").is_err());
    }
}
