//! Turning a wallet snapshot into text for people and JSON for tools.

use std::fmt::Write;

use loyalty_core::kernel::money::{format_minor, format_percent};
use loyalty_core::program::Program;
use loyalty_core::wallet::{
    CouponBenefit, CouponScope, DiscountSource, LedgerKind, WalletSnapshot,
};
use serde_json::{Value, json};

/// The snapshot as JSON, with the scenario `expect` key names.
pub fn snapshot_json(s: &WalletSnapshot) -> Value {
    json!({
        "at": s.at.to_rfc3339(),
        "currency": s.currency,
        "balance": s.balance,
        "debt": s.debt,
        "lifetime_earned": s.lifetime_earned,
        "expired_total": s.expired_total,
        "tier": s.tier.as_ref().map(|t| t.id.clone()),
        "tier_perks": s.tier.as_ref().map(|t| t.perks.clone()).unwrap_or_default(),
        "next_tier": s.tier.as_ref().and_then(|t| t.next.as_ref()).map(|n| json!({
            "id": n.id, "threshold": format_minor(n.threshold), "remaining": format_minor(n.remaining),
            "perks": n.perks,
        })),
        "next_discount_percent": format_percent(s.next_discount.map_or(0, |d| d.percent)),
        "next_discount_source": s.next_discount.map(|d| d.source.as_str()),
        "qualifying_spend": format_minor(s.qualifying_spend),
        "expiring": {
            "days": s.expiring.days,
            "points": s.expiring.points,
            "next_expiry": s.expiring.next_expiry.map(|t| t.to_rfc3339()),
        },
        "coupons": s.coupons.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        "coupon_scopes": s.coupons.iter().map(|c| (c.id.clone(), scope_json(&c.scope))).collect::<serde_json::Map<_, _>>(),
        "last_purchase": s.last_purchase.as_ref().map(|r| json!({
            "receipt_id": r.id,
            "points_earned": r.points_earned,
            "discount": format_minor(r.tier_discount.saturating_add(r.coupon_discount)),
            "points_paid": r.points_paid,
            "payable": format_minor(r.payable),
        })),
        "history": s.history.iter().map(|h| json!({
            "id": h.id, "at": h.at.to_rfc3339(), "kind": h.kind.as_str(),
            "points": h.points, "reference": h.reference,
        })).collect::<Vec<_>>(),
    })
}

/// A coupon's scope with the scenario `coupon_scopes` key names (`{}`: unscoped).
fn scope_json(scope: &CouponScope) -> Value {
    let mut m = serde_json::Map::new();
    if let Some(c) = &scope.category {
        m.insert("category".into(), json!(c));
    }
    if !scope.skus.is_empty() {
        m.insert("skus".into(), json!(scope.skus));
    }
    if scope.one_item {
        m.insert("one_item".into(), json!(true));
    }
    if let Some(v) = scope.min_spend {
        m.insert("min_spend".into(), json!(format_minor(v)));
    }
    Value::Object(m)
}

/// "one item", "clothing", "A-1, B-2", "from 1 000.00 RUB" joined: what a
/// coupon applies to, for its line in the wallet text.
fn scope_text(scope: &CouponScope, currency: &str) -> String {
    let mut parts = Vec::new();
    let lines = match (&scope.category, scope.skus.as_slice()) {
        (Some(c), _) => Some(c.clone()),
        (None, []) => None,
        (None, skus) => Some(skus.join(", ")),
    };
    match (scope.one_item, lines) {
        (true, Some(l)) => parts.push(format!("one item of {l}")),
        (true, None) => parts.push("one item".to_string()),
        (false, Some(l)) => parts.push(l),
        (false, None) => {}
    }
    if let Some(m) = scope.min_spend {
        parts.push(format!("from {}", money(m, currency)));
    }
    parts.join(", ")
}

fn group(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn money(minor: i64, currency: &str) -> String {
    let text = format_minor(minor);
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let int: i64 = int.parse().unwrap_or(0);
    let sign = if minor < 0 && int == 0 { "-" } else { "" };
    format!("{sign}{}.{frac} {currency}", group(int))
}

fn describe(kind: LedgerKind) -> &'static str {
    match kind {
        LedgerKind::Earn => "earned on purchase",
        LedgerKind::Pay => "paid with points",
        LedgerKind::Reverse => "taken back (return)",
        LedgerKind::Refund => "refunded (return)",
        LedgerKind::Redeem => "reward coupon",
        LedgerKind::Bonus => "bonus",
        LedgerKind::Expire => "expired",
        LedgerKind::Challenge => "challenge reward",
        LedgerKind::Clawback => "reward taken back",
    }
}

/// The snapshot as a shopper would read it.
pub fn snapshot_text(program: Option<&Program>, s: &WalletSnapshot) -> String {
    let mut out = String::new();
    let cur = &s.currency;
    // Writing into a String cannot fail.
    let _ = writeln!(out, "Balance:         {} points", group(s.balance));
    if s.debt > 0 {
        let _ = writeln!(
            out,
            "                 (owing {} points after a return)",
            group(s.debt)
        );
    }
    match &s.tier {
        None => {}
        Some(t) => {
            let name = capitalise(&t.id);
            let _ = write!(
                out,
                "Tier:            {name} — qualifying spend {}",
                money(s.qualifying_spend, cur)
            );
            match &t.next {
                Some(n) => {
                    let _ = writeln!(
                        out,
                        "\n                 {} more to {}",
                        money(n.remaining, cur),
                        capitalise(&n.id)
                    );
                }
                None => {
                    let _ = writeln!(out, "\n                 top tier reached");
                }
            }
            if let Some(level) = program
                .and_then(|p| p.tiers.as_ref())
                .and_then(|ts| ts.levels.get(t.index))
            {
                let mut perks = Vec::new();
                if let Some(e) = level.earn_percent {
                    perks.push(format!("{}% back in points", format_percent(e)));
                }
                if level.discount_percent > 0 {
                    perks.push(format!("{}% off", format_percent(level.discount_percent)));
                }
                perks.extend(t.perks.iter().cloned());
                if !perks.is_empty() {
                    let _ = writeln!(out, "                 perks: {}", perks.join(", "));
                }
            }
            if let Some(n) = t.next.as_ref().filter(|n| !n.perks.is_empty()) {
                let _ = writeln!(
                    out,
                    "                 reach {} to get: {}",
                    capitalise(&n.id),
                    n.perks.join(", ")
                );
            }
        }
    }
    let _ = write!(
        out,
        "Expiring soon:   {} points in the next {} days",
        group(s.expiring.points),
        s.expiring.days
    );
    match s.expiring.next_expiry {
        Some(t) if s.expiring.points > 0 => {
            let _ = writeln!(out, " (first on {})", t.format("%Y-%m-%d"));
        }
        _ => out.push('\n'),
    }
    let _ = writeln!(out, "Lifetime earned: {} points", group(s.lifetime_earned));
    if let Some(d) = s.next_discount {
        let why = match d.source {
            DiscountSource::Tier => "your tier",
            DiscountSource::Member => "member discount",
            DiscountSource::FirstPurchase => "first purchase",
        };
        let _ = writeln!(
            out,
            "Next purchase:   {}% off ({why})",
            format_percent(d.percent)
        );
    }
    if s.coupons.is_empty() {
        let _ = writeln!(out, "Coupons:         none");
    } else {
        for (i, c) in s.coupons.iter().enumerate() {
            let mut what = match c.benefit {
                CouponBenefit::Percent(p) => format!("{}% off", format_percent(p)),
                CouponBenefit::AmountOff(a) => format!("{} off", money(a, cur)),
            };
            let scope = scope_text(&c.scope, cur);
            if !scope.is_empty() {
                what = format!("{what} {scope}");
            }
            let label = if i == 0 { "Coupons:" } else { "" };
            let _ = writeln!(
                out,
                "{label:<17}{} — {what}, valid until {}",
                c.id,
                c.expires_at.format("%Y-%m-%d")
            );
        }
    }
    if !s.history.is_empty() {
        let _ = writeln!(out, "Recent activity:");
        for h in &s.history {
            let _ = writeln!(
                out,
                "  {}  {:>+7}  {:<21} {}",
                h.at.format("%Y-%m-%d"),
                h.points,
                describe(h.kind),
                h.reference.as_deref().unwrap_or("")
            );
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(1234567), "1 234 567");
        assert_eq!(group(-1000), "-1 000");
        assert_eq!(money(150_050, "RUB"), "1 500.50 RUB");
        assert_eq!(money(-50, "RUB"), "-0.50 RUB");
    }

    #[test]
    fn coupon_scopes_read_as_the_shopper_says_them() {
        let scope = |json: &str| serde_json::from_str::<CouponScope>(json).unwrap();
        assert_eq!(scope_text(&CouponScope::default(), "RUB"), "");
        assert_eq!(
            scope_text(&scope(r#"{"one_item":true}"#), "RUB"),
            "one item"
        );
        assert_eq!(
            scope_text(
                &scope(r#"{"category":"clothing","min_spend":100000}"#),
                "RUB"
            ),
            "clothing, from 1 000.00 RUB"
        );
        assert_eq!(
            scope_text(&scope(r#"{"skus":["A","B"],"one_item":true}"#), "RUB"),
            "one item of A, B"
        );
        assert_eq!(
            scope_json(&scope(r#"{"category":"clothing","min_spend":100000}"#)),
            json!({"category": "clothing", "min_spend": "1000.00"})
        );
        assert_eq!(scope_json(&CouponScope::default()), json!({}));
    }
}
